package io.jipc.cli.bench;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.rpc.RpcClient;
import io.jipc.rpc.RpcServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Remote procedure calls ({@link RpcServer}, {@link RpcClient}, jipc-rpc): the peer serves
 * {@link BenchCalls} under a mailbox name, the measuring process calls it through a stub, through the
 * server's mailbox ({@code rpc}) or over TCP loopback ({@code rpc-tcp}: the server also listens on
 * 127.0.0.1 and registers its address in the local name service, where the measuring process finds
 * it, as a client of another host would with a cluster-wide one). A
 * ping is one call of {@link BenchCalls#exchange} and its pong the call's result, so a round trip is
 * a whole call: marshalling, the server's request mailbox, the implementation, the client's reply
 * mailbox, unmarshalling. One way, every message is a call too (a call waits for its reply, here an
 * empty array): the rate is that of calls one after the other, not of a stream.
 *
 * <p>Copies of a message each way: marshalled into a frame, into the mailbox (or the socket), out of
 * it, and out of the frame when the argument or result is decoded: four. The kernel takes part in
 * the wake-ups of the mailboxes' futex waits, or in every message over TCP.
 */
final class RpcMechanism implements Mechanism {
    /** Bytes of a call's frame beyond the message: ids, method, tags and lengths (see {@code RpcFrame}). */
    private static final int FRAME_OVERHEAD = 1024;
    /**
     * Largest message: a frame fits in a mailbox message of at most 64 MiB; over TCP both sides'
     * connections are set to take the run's largest frame.
     */
    private static final int MOST_BYTES = 16 << 20;
    /** The peer registers the TCP server here, whatever name service the user configured. */
    private static final URI LOCAL_NAMES = URI.create("local:/");
    private static final Duration PEER_START = Duration.ofSeconds(60);
    private static final byte[] NO_REPLY = new byte[0];

    private final boolean tcp;

    private RpcMechanism(boolean tcp) {
        this.tcp = tcp;
    }

    /** Calls through the server's mailbox. */
    static RpcMechanism mailboxes() {
        return new RpcMechanism(false);
    }

    /** Calls over TCP loopback. */
    static RpcMechanism tcp() {
        return new RpcMechanism(true);
    }

    @Override
    public String id() {
        return tcp ? "rpc-tcp" : "rpc";
    }

    @Override
    public String label() {
        return tcp ? "RPC (TCP)" : "RPC (mailboxes)";
    }

    @Override
    public Traits traits() {
        return new Traits(tcp ? "every message (TCP)" : "wake-ups (futex)", "4 (marshalled)", "while the server runs");
    }

    @Override
    public String unsupported(int size) {
        return size > MOST_BYTES ? "messages of at most 16 MiB" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        String name = "bench-" + ProcessHandle.current().pid() + "-" + id();
        Mailbox.destroy(name); // leftovers of a killed run
        return new Endpoint() {
            private RpcClient<BenchCalls> client;

            @Override
            public String peerArgument() {
                return name + "," + maxSize;
            }

            @Override
            public Link link() throws InterruptedException {
                client = tcp ? connectOverTcp(name, maxSize) : connect(name, maxSize);
                return new CallingLink(client.stub());
            }

            @Override
            public void close() {
                if (client != null) {
                    client.close();
                }
                Mailbox.destroy(name); // if the peer died with its server open
                if (tcp) {
                    reclaimName(name);
                }
            }
        };
    }

    /**
     * Removes the name the peer's TCP server registered if the peer is dead (killed, or ended by a
     * stop: the caller has closed it first): the entry is the peer's, held for its life, and a
     * lookup reclaims a dead owner's entry. A live peer's entry is left to its server, which removes
     * it when it closes. Best effort: a failure of the name service is ignored.
     */
    private static void reclaimName(String name) {
        try (NameService names = NameService.open(LOCAL_NAMES)) {
            names.lookup(RpcClient.NAME_PREFIX + name);
        } catch (RuntimeException ignored) {
            // the entry stays until the next lookup of the name (jipc ls, a run of the benchmark)
        }
    }

    /** Connects once the peer's server is there, waiting at most {@link #PEER_START} for it. */
    private static RpcClient<BenchCalls> connect(String name, int maxSize) throws InterruptedException {
        RpcClient.Options options = RpcClient.Options.defaults().withMaxReplySize(maxSize + FRAME_OVERHEAD);
        long deadline = System.nanoTime() + PEER_START.toNanos();
        while (true) {
            try {
                return RpcClient.connect(name, BenchCalls.class, options);
            } catch (MailboxNotFoundException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the peer's RPC server " + name + " did not start within "
                            + PEER_START, e);
                }
                Thread.sleep(5);
            }
        }
    }

    /** Connects over TCP once the peer's server has registered its address, waiting at most {@link #PEER_START}. */
    private static RpcClient<BenchCalls> connectOverTcp(String name, int maxSize) throws InterruptedException {
        RpcClient.Options options = RpcClient.Options.defaults().withMaxTcpFrameSize(maxSize + FRAME_OVERHEAD);
        long deadline = System.nanoTime() + PEER_START.toNanos();
        try (NameService names = NameService.open(LOCAL_NAMES)) {
            while (true) {
                Optional<NameEntry> entry = names.lookup(RpcClient.NAME_PREFIX + name);
                if (entry.isPresent()) {
                    return RpcClient.connect(URI.create(entry.get().record().address()), BenchCalls.class, options);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the peer's RPC server " + name + " did not register within "
                            + PEER_START);
                }
                Thread.sleep(5);
            }
        }
    }

    @Override
    public Link connect(String argument) {
        int comma = argument.lastIndexOf(',');
        String name = argument.substring(0, comma);
        int maxSize = Integer.parseInt(argument.substring(comma + 1));
        int frame = maxSize + FRAME_OVERHEAD;
        MailboxOptions requests = MailboxOptions.builder().maxMessageSize(frame)
                .capacityBytes(Math.max(4L * frame, 256 * 1024)).build();
        Calls calls = new Calls();
        if (!tcp) {
            return new ServingLink(RpcServer.start(name, BenchCalls.class, calls, requests), calls, null);
        }
        NameService names = NameService.open(LOCAL_NAMES);
        try {
            RpcServer<BenchCalls> server = RpcServer.builder(name, BenchCalls.class, calls).mailboxOptions(requests)
                    .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ServerOptions.defaults()
                            .withConnection(ConnectionOptions.defaults().withMaxFrameSize(frame)))
                    .register(names).start();
            return new ServingLink(server, calls, names);
        } catch (RuntimeException e) {
            names.close();
            throw e;
        }
    }

    /**
     * The measuring side: {@link #send} makes the call, and its result, if not empty, is what
     * {@link #receive} returns next (a call's answer is there as soon as the call returns).
     */
    private static final class CallingLink implements Link {
        private final BenchCalls stub;
        private final ArrayDeque<byte[]> answers = new ArrayDeque<>();

        CallingLink(BenchCalls stub) {
            this.stub = stub;
        }

        @Override
        public void send(byte[] message) {
            byte[] answer = stub.exchange(message);
            if (answer.length > 0) {
                answers.add(answer);
            }
        }

        @Override
        public byte[] receive(Duration timeout) {
            return answers.poll();
        }

        @Override
        public void close() {
            // the endpoint closes the client
        }
    }

    /**
     * The implementation the peer serves: the echo phase until the message numbered -1, then the
     * one-way phase of {@link Link#sink()}, answered call by call by a {@link SinkTally}. A client's calls come one after
     * the other, but not always on the same server thread: hence the monitor.
     */
    static final class Calls implements BenchCalls {
        final CountDownLatch echoed = new CountDownLatch(1);
        final CountDownLatch sunk = new CountDownLatch(1);
        private final SinkTally tally = new SinkTally();
        private boolean echoing = true;

        @Override
        public synchronized byte[] exchange(byte[] message) {
            long sequence = Link.sequence(message);
            if (echoing) {
                if (sequence == -1) {
                    echoing = false;
                    echoed.countDown();
                }
                return message;
            }
            byte[] answer = tally.answer(message);
            if (tally.ended()) {
                sunk.countDown();
            }
            return answer == null ? NO_REPLY : answer;
        }
    }

    /**
     * The peer's side: the server answers the calls; echo and sink wait for the ends of their phases.
     * Closing closes the server, then the name service it is registered in (if any).
     */
    private record ServingLink(RpcServer<BenchCalls> server, Calls calls, NameService names) implements Link {
        @Override
        public void echo() throws InterruptedException {
            await(calls.echoed, "echo");
        }

        @Override
        public void sink() throws InterruptedException {
            await(calls.sunk, "sink");
        }

        private static void await(CountDownLatch end, String what) throws InterruptedException {
            if (!end.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException(what + ": the phase did not end within 2 minutes");
            }
        }

        @Override
        public void send(byte[] message) {
            throw new UnsupportedOperationException("the RPC peer answers through the server");
        }

        @Override
        public byte[] receive(Duration timeout) {
            throw new UnsupportedOperationException("the RPC peer receives through the server");
        }

        @Override
        public void close() {
            server.close();
            if (names != null) {
                names.close();
            }
        }
    }
}
