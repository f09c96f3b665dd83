package io.jipc.mailbox;

import java.time.Instant;

/**
 * The wall clock in nanoseconds since the epoch, read without allocating (the "sent at" of an
 * envelope is written by every send): {@link System#nanoTime()} added to an anchor, a pair of
 * readings of the wall clock ({@link Instant#now()}) and of the monotonic clock taken together,
 * renewed by the first reading {@value #ANCHOR_PERIOD_NANOS} ns or more after the last anchor.
 * {@code Instant.now()} itself makes an {@code Instant} per call, which the JIT removes only when
 * it inlines the whole call: in a test that forwarded messages between two mailboxes with
 * envelopes, it did not in about one run in three (48 bytes per round trip, a young collection
 * every few hundred thousand messages).
 *
 * <p>Accuracy: a reading differs from {@code Instant.now()} by how far the two clocks drifted
 * apart since the anchor (NTP slews the wall clock by at most 500 ppm, so at most 50 µs, usually
 * well under a microsecond), and a step of the wall clock (settimeofday) shows up to
 * {@value #ANCHOR_PERIOD_NANOS} ns late. Readings of one thread may go back by that much when a
 * new anchor takes over; the envelope's sequence number, not its time, orders a sender's messages.
 *
 * <p>Thread-safe: any thread may read; concurrent renewals are harmless (each anchor is a valid
 * pair, published whole through a volatile field).
 */
final class EpochClock {
    /** How long an anchor serves: 100 ms. */
    static final long ANCHOR_PERIOD_NANOS = 100_000_000L;

    private record Anchor(long epochNanos, long monotonicNanos) {
    }

    private static volatile Anchor anchor = newAnchor();

    private EpochClock() {
    }

    /** Nanoseconds since 1970-01-01T00:00Z by this host's clock (see the class comment for accuracy). */
    static long nanos() {
        long monotonic = System.nanoTime();
        Anchor current = anchor;
        long since = monotonic - current.monotonicNanos;
        if (since >= ANCHOR_PERIOD_NANOS) {
            current = anchor = newAnchor();
            since = System.nanoTime() - current.monotonicNanos;
        }
        return current.epochNanos + since;
    }

    private static Anchor newAnchor() {
        long before = System.nanoTime();
        Instant wall = Instant.now();
        long after = System.nanoTime();
        return new Anchor(wall.getEpochSecond() * 1_000_000_000L + wall.getNano(), before + (after - before) / 2);
    }
}
