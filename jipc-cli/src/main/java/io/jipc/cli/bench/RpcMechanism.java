package io.jipc.cli.bench;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.rpc.RpcClient;
import io.jipc.rpc.RpcServer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Remote procedure calls on this host ({@link RpcServer}, {@link RpcClient}, jipc-rpc): the peer
 * serves {@link BenchCalls} under a mailbox name, the measuring process calls it through a stub. A
 * ping is one call of {@link BenchCalls#exchange} and its pong the call's result, so a round trip is
 * a whole call: marshalling, the server's request mailbox, the implementation, the client's reply
 * mailbox, unmarshalling. One way, every message is a call too (a call waits for its reply, here an
 * empty array): the rate is that of calls one after the other, not of a stream.
 *
 * <p>Copies of a message each way: marshalled into a frame, into the mailbox, out of it, and out of
 * the frame when the argument or result is decoded: four. The kernel takes part in the wake-ups of
 * the mailboxes' futex waits.
 */
final class RpcMechanism implements Mechanism {
    /** Bytes of a call's frame beyond the message: ids, method, tags and lengths (see {@code RpcFrame}). */
    private static final int FRAME_OVERHEAD = 1024;
    /** Largest message: a frame fits in a mailbox message of at most 64 MiB. */
    private static final int MOST_BYTES = 16 << 20;
    private static final Duration PEER_START = Duration.ofSeconds(60);
    private static final byte[] NO_REPLY = new byte[0];

    @Override
    public String id() {
        return "rpc";
    }

    @Override
    public String label() {
        return "RPC (mailboxes)";
    }

    @Override
    public Traits traits() {
        return new Traits("wake-ups (futex)", "4 (marshalled)", "while the server runs");
    }

    @Override
    public String unsupported(int size) {
        return size > MOST_BYTES ? "messages of at most 16 MiB" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        String name = "bench-" + ProcessHandle.current().pid() + "-rpc";
        Mailbox.destroy(name); // leftovers of a killed run
        return new Endpoint() {
            private RpcClient<BenchCalls> client;

            @Override
            public String peerArgument() {
                return name + "," + maxSize;
            }

            @Override
            public Link link() throws InterruptedException {
                client = connect(name, maxSize);
                return new CallingLink(client.stub());
            }

            @Override
            public void close() {
                if (client != null) {
                    client.close();
                }
                Mailbox.destroy(name); // if the peer died with its server open
            }
        };
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

    @Override
    public Link connect(String argument) {
        int comma = argument.lastIndexOf(',');
        String name = argument.substring(0, comma);
        int maxSize = Integer.parseInt(argument.substring(comma + 1));
        int frame = maxSize + FRAME_OVERHEAD;
        MailboxOptions requests = MailboxOptions.builder().maxMessageSize(frame)
                .capacityBytes(Math.max(4L * frame, 256 * 1024)).build();
        Calls calls = new Calls();
        RpcServer<BenchCalls> server = RpcServer.start(name, BenchCalls.class, calls, requests);
        return new ServingLink(server, calls);
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

    /** The peer's side: the server answers the calls; echo and sink wait for the ends of their phases. */
    private record ServingLink(RpcServer<BenchCalls> server, Calls calls) implements Link {
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
        }
    }
}
