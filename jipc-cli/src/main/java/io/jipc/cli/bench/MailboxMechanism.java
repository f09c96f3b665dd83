package io.jipc.cli.bench;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.RoleBinding;

import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * Two single-sender jipc mailboxes (one per direction); each side binds its sending and receiving
 * roles to its thread. Messages go through the copying {@code byte[]} API ({@code put(byte[])},
 * {@code poll(Duration)}), like every other mechanism of the all-mechanisms run; {@code jipc bench
 * mailbox} measures the in-place path.
 *
 * <p>Two kinds: a buffering mailbox with one wait strategy ({@link #buffered}), and a
 * {@linkplain #rendezvous() rendezvous} mailbox ({@code messageLimit(0)}), whose {@code put}
 * returns only once the peer took the message. On the rendezvous mailbox the one-way run is thus a
 * sequence of hand-offs: every message waits for the receiver, nothing is buffered, and the rate
 * is bounded by one cross-process wake-up (or spin) per message rather than by the copies.
 */
final class MailboxMechanism extends DescribedMechanism {
    private final IntFunction<MailboxOptions> options;

    private MailboxMechanism(String id, String label, IntFunction<MailboxOptions> options, Traits traits) {
        super(id, label, traits);
        this.options = options;
    }

    /** Mailboxes of 4 MiB (more for large messages: room for 8) waiting with {@code strategy}. */
    static MailboxMechanism buffered(String id, String label, WaitStrategy strategy, Traits traits) {
        return new MailboxMechanism(id, label, maxSize -> MailboxOptions.builder().singleSender(true)
                .waitStrategy(strategy).maxMessageSize(maxSize)
                .capacityBytes(Math.max(4L << 20, 8L * (maxSize + 64))).build(), traits);
    }

    /** Zero-capacity mailboxes ({@code messageLimit(0)}, futex waits): every send is a hand-off. */
    static MailboxMechanism rendezvous() {
        return new MailboxMechanism("rendezvous", "rendezvous mailbox", maxSize -> MailboxOptions.builder()
                .singleSender(true).messageLimit(0).maxMessageSize(maxSize).build(),
                new Traits("wake-ups (futex)", "2", "until destroyed"));
    }

    /** A mailbox's messages are at most 1 GiB ({@code MailboxOptions.Builder#maxMessageSize}). */
    @Override
    public String unsupported(int size) {
        return size > 1 << 30 ? "messages of at most 1 GiB (a mailbox's largest)" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        return createPair("bench-" + ProcessHandle.current().pid() + "-" + id(), options.apply(maxSize),
                (out, in) -> new MailboxLink(out, in, false));
    }

    @Override
    public Link connect(String argument) {
        String[] names = argument.split(",");
        return openPair(names[0], names[1], (out, in) -> new MailboxLink(out, in, true));
    }

    /**
     * Measuring side of a mechanism over a mailbox pair: creates {@code <prefix>-p2c} and
     * {@code <prefix>-c2p} with {@code options} (removing leftovers of a killed run first); closing
     * the pair destroys both. The link binds its roles to the thread that makes it ({@link
     * MailboxLink}): closed by another thread (the shutdown hook of a stopped run), the pair only
     * destroys the mailboxes ({@link Mailbox#destroy()}, which any thread may do while that thread
     * still sends or receives) and leaves the roles and handles to it and to the end of the process.
     */
    static NamedPair<Mailbox> createPair(String prefix, MailboxOptions options, BiFunction<Mailbox, Mailbox, Link> link) {
        return NamedPair.threadBound(prefix, name -> {
            Mailbox.destroy(name);
            return Mailbox.create(name, options);
        }, Mailbox::name, link, mailbox -> {
            mailbox.destroy();
            mailbox.close();
        }, Mailbox::destroy);
    }

    /**
     * Peer side: opens the mailboxes named {@code out} and {@code in} and makes the link over them,
     * closing whatever it opened if that fails.
     */
    static <L extends Link> L openPair(String out, String in, BiFunction<Mailbox, Mailbox, L> link) {
        Mailbox sending = Mailbox.open(out);
        Mailbox receiving = null;
        try {
            receiving = Mailbox.open(in);
            return link.apply(sending, receiving);
        } catch (RuntimeException e) {
            sending.close();
            if (receiving != null) {
                receiving.close();
            }
            throw e;
        }
    }

    /**
     * Sends on one mailbox, receives from the other; the roles are bound to the creating thread.
     * {@link SignalMechanism}'s link waits differently over the same pair.
     */
    static class MailboxLink implements Link {
        final Mailbox out;
        final Mailbox in;
        private final RoleBinding sending;
        private final RoleBinding receiving;
        private final boolean ownsMailboxes;

        MailboxLink(Mailbox out, Mailbox in, boolean ownsMailboxes) {
            this.out = out;
            this.in = in;
            this.ownsMailboxes = ownsMailboxes;
            this.sending = out.bindSender();
            this.receiving = in.bindReceiver();
        }

        @Override
        public void send(byte[] message) throws InterruptedException {
            out.put(message);
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            return in.poll(timeout);
        }

        @Override
        public void close() {
            sending.close();
            receiving.close();
            if (ownsMailboxes) {
                out.close();
                in.close();
            }
        }
    }
}
