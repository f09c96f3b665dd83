package io.jipc.cli.bench;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;

import java.time.Duration;

/**
 * Two {@link UnboundedMailbox}es (one per direction) with the default wait strategy, what an
 * application gets: a receiver spins for 20 µs, then sleeps in futex. In a steady ping-pong on a
 * quiet machine the spinning catches every message (no kernel call per message); on a loaded
 * 2-core machine it takes the CPU from the very process it waits for (round trips of ~100 µs where
 * the futex mailbox row shows ~15 µs). Messages go through the copying {@code byte[]} API
 * ({@code offer(byte[])}, {@code poll(Duration)}), like every other mechanism of the all-mechanisms
 * run.
 *
 * <p>Segments are small against a one-way round, so that the chain moves: rings of 1 MiB, or room
 * for two of the run's largest messages (4 MiB rings with the default sizes, whose largest is
 * 1 MiB), while a round carries hundreds of megabytes. Whenever the receiver falls a ring behind,
 * the sender appends a segment and the receiver later retires it; the figures include that work.
 * (On the loaded 2-vCPU dev VM, default runs reached 2 to 5 segments at 64 B, 9 or 10 at the larger
 * sizes.) The ceiling, {@value #SEGMENTS_UNDER_CEILING} segments, is far above that. Should the
 * sender reach it anyway, it offers again after {@link Thread#yield()} until the receiver has
 * retired a segment (the mailbox itself never waits): a round ends only once the peer has received
 * every message, so the rate is the pace of the whole chain either way.
 */
final class UnboundedMailboxMechanism implements Mechanism {
    /** Segments the ceiling allows. */
    static final int SEGMENTS_UNDER_CEILING = 64;
    private static final long SEGMENT_RING = 1L << 20;
    /** Bytes of a record's header and alignment, at most (a ring holds two records of its max payload). */
    private static final int RECORD_OVERHEAD = 64;

    @Override
    public String id() {
        return "mailbox-unbounded";
    }

    @Override
    public String label() {
        return "mailbox unbounded";
    }

    @Override
    public Traits traits() {
        return new Traits("growth + idle wake-ups", "2 (1 in place)", "until destroyed");
    }

    /** The options of each segment for messages of up to {@code maxSize} bytes. */
    static MailboxOptions segmentOptions(int maxSize) {
        return MailboxOptions.builder().maxMessageSize(maxSize)
                .capacityBytes(Math.max(SEGMENT_RING, 2L * (maxSize + RECORD_OVERHEAD))).build();
    }

    /** A mailbox's messages are at most 1 GiB ({@code MailboxOptions.Builder#maxMessageSize}). */
    @Override
    public String unsupported(int size) {
        return size > 1 << 30 ? "messages of at most 1 GiB (a mailbox's largest)" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        String prefix = "bench-" + ProcessHandle.current().pid() + "-" + id();
        MailboxOptions options = segmentOptions(maxSize);
        return NamedPair.create(prefix, name -> create(name, options), UnboundedMailbox::name,
                (out, in) -> new UnboundedLink(out, in, false), UnboundedMailboxMechanism::remove);
    }

    private static void remove(UnboundedMailbox mailbox) {
        mailbox.destroy();
        mailbox.close();
    }

    /** The ceiling: {@value #SEGMENTS_UNDER_CEILING} segment files (header, ring control block, ring). */
    static long ceiling(MailboxOptions options) {
        return SEGMENTS_UNDER_CEILING * UnboundedMailbox.segmentFileBytes(options);
    }

    private static UnboundedMailbox create(String name, MailboxOptions options) {
        UnboundedMailbox.destroy(name); // a leftover of a killed run
        return UnboundedMailbox.create(name, options, ceiling(options));
    }

    @Override
    public Link connect(String argument) {
        String[] names = argument.split(",");
        UnboundedMailbox out = UnboundedMailbox.open(names[0]);
        try {
            return new UnboundedLink(out, UnboundedMailbox.open(names[1]), true);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Sends to one mailbox, receives from the other. */
    private record UnboundedLink(UnboundedMailbox out, UnboundedMailbox in, boolean ownsMailboxes) implements Link {
        @Override
        public void send(byte[] message) {
            while (!out.offer(message)) {
                Thread.yield(); // at the ceiling: the receiver retires a segment soon
            }
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            return in.poll(timeout);
        }

        @Override
        public void close() {
            if (ownsMailboxes) {
                out.close();
                in.close();
            }
        }
    }
}
