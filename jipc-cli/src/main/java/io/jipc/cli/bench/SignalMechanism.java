package io.jipc.cli.bench;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.signals.SignalDoorbell;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Signals as the wake-up of a channel: each message is left in a mailbox (one per direction) and a
 * {@code SIGUSR1} sent with {@code kill(2)} tells the other process to look, which it waits for on a
 * {@link SignalDoorbell}, never on the mailbox. A signal carries no data and coalesces, so this is
 * the only honest way to move a message "by signal" (docs/signals.md): the round trip measures two
 * signal deliveries, the JVM's dispatch path included (a thread start per delivery), and the
 * mailbox's share of it is below a microsecond.
 *
 * <p>Only the ping-pong is measured ({@link #noOneWay()}): a one-way stream would send one signal
 * per message while most of them coalesce, which measures the mailbox and the cost of {@code kill}
 * calls nobody needs, not a way of carrying data.
 *
 * <p>{@code SIGUSR1}'s default action ends the process, so each side has its doorbell open before
 * the other can signal it: the measuring side in {@link #open}, before the peer is told; the peer
 * in {@link #connect}, after which it leaves a hello in its mailbox, unsignalled, that the
 * measuring side's {@link Endpoint#link()} waits for before it sends anything. And the doorbell
 * stays open until the JVM ends ({@link #doorbell()}): a message is put before its signal is sent,
 * so the receiver may take the last message of a run, and close, before that signal arrives. The
 * peer is the measuring side's child, so its pid cannot be reused while the run holds it.
 */
final class SignalMechanism extends DescribedMechanism {
    private static final Signal SIGNAL = Signal.SIGUSR1;
    /** The peer's first message, put without a signal once its doorbell is open. */
    private static final byte[] HELLO = "doorbell open".getBytes(StandardCharsets.US_ASCII);
    private static final Duration HELLO_WAIT = Duration.ofSeconds(30);
    private static SignalDoorbell doorbell;

    SignalMechanism() {
        super("signal", "signal (SIGUSR1)", new Traits("every message (kill)", "2 (in a mailbox)",
                "none: a pending bit"));
    }

    /** A JVM started with {@code -Xrs} runs no Java signal handlers: the ping-pong would wait forever. */
    @Override
    public String unavailable() {
        return SignalDoorbell.unavailableBecause().orElse(null);
    }

    @Override
    public String noOneWay() {
        return "a signal carries no data and coalesces: a signal per message would measure the mailbox beside it";
    }

    /** This JVM's {@code SIGUSR1} doorbell, opened at first use and never closed (see above). */
    private static synchronized SignalDoorbell doorbell() {
        if (doorbell == null) {
            doorbell = SignalDoorbell.open(SIGNAL);
        }
        return doorbell;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        String prefix = "bench-" + ProcessHandle.current().pid() + "-" + id();
        MailboxOptions options = MailboxOptions.builder().singleSender(true).waitStrategy(WaitStrategy.FUTEX)
                .maxMessageSize(maxSize).capacityBytes(Math.max(1L << 20, 8L * (maxSize + 64))).build();
        SignalDoorbell doorbell = doorbell();
        NamedPair<Mailbox> pair = MailboxMechanism.createPair(prefix, options,
                (out, in) -> new SignalLink(out, in, doorbell, peer.pid(), false));
        long self = ProcessHandle.current().pid();
        return new Endpoint() {
            @Override
            public String peerArgument() {
                return pair.peerArgument() + "," + self;
            }

            @Override
            public Link link() throws InterruptedException {
                SignalLink link = (SignalLink) pair.link();
                link.awaitHello();
                return link;
            }

            @Override
            public void close() {
                pair.close();
            }
        };
    }

    @Override
    public Link connect(String argument) {
        String[] parts = argument.split(",");
        SignalDoorbell doorbell = doorbell();
        long measuring = Long.parseLong(parts[2]);
        return MailboxMechanism.openPair(parts[0], parts[1], (out, in) -> {
            SignalLink link = new SignalLink(out, in, doorbell, measuring, true);
            try {
                link.sayHello();
            } catch (RuntimeException e) {
                link.close(); // its roles; the mailboxes are closed again by openPair (idempotent)
                throw e;
            }
            return link;
        });
    }

    /**
     * Sends by putting into one mailbox and signalling the other process; receives by polling the
     * other mailbox and, while it is empty, waiting for the doorbell. A ring that arrives after its
     * message was already taken only costs one more empty poll.
     */
    private static final class SignalLink extends MailboxMechanism.MailboxLink {
        private final SignalDoorbell doorbell;
        private final long peer;

        SignalLink(Mailbox out, Mailbox in, SignalDoorbell doorbell, long peer, boolean ownsMailboxes) {
            super(out, in, ownsMailboxes);
            this.doorbell = doorbell;
            this.peer = peer;
        }

        /** Peer side: tells the measuring side, through the mailbox alone, that it may signal now. */
        void sayHello() {
            if (!out.offer(HELLO)) {
                throw new IllegalStateException("signal: the mailbox to the measuring side is full");
            }
        }

        /** Measuring side: waits for the peer's hello, in the mailbox's own (futex) wait. */
        void awaitHello() throws InterruptedException {
            byte[] hello = in.poll(HELLO_WAIT);
            if (hello == null || !Arrays.equals(hello, HELLO)) {
                throw new IllegalStateException("signal: the peer did not open its doorbell within " + HELLO_WAIT.toSeconds() + " s");
            }
        }

        @Override
        public void send(byte[] message) throws InterruptedException {
            super.send(message);
            ProcessSignals.send(peer, SIGNAL);
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                byte[] message = in.poll();
                if (message != null) {
                    return message;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                doorbell.poll(Duration.ofNanos(left));
            }
        }
    }
}
