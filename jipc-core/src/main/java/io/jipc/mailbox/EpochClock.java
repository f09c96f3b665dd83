package io.jipc.mailbox;

import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

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
 * well under a microsecond) plus half the time between the two monotonic readings taken around
 * the anchor's wall reading (under 5 µs unless eight tries in a row were descheduled), and a
 * step of the wall clock (settimeofday) shows up to {@value #ANCHOR_PERIOD_NANOS} ns late. Readings of one thread may go back by that much when a
 * new anchor takes over; the envelope's sequence number, not its time, orders a sender's messages.
 *
 * <p>Thread-safe: any thread may read; concurrent renewals are harmless (each anchor is a valid
 * pair, published whole through a volatile field).
 */
final class EpochClock {
    /** How long an anchor serves: 100 ms. */
    static final long ANCHOR_PERIOD_NANOS = 100_000_000L;
    /** A pair whose monotonic readings are this close (10 µs) is taken at once. */
    private static final long TIGHT_PAIR_NANOS = 10_000L;
    /** Tries at a tight pair before the tightest one seen is taken. */
    private static final int ANCHOR_ATTEMPTS = 8;

    /** A wall-clock reading and the monotonic reading taken at the same moment. */
    record Anchor(long epochNanos, long monotonicNanos) {
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

    /**
     * A pair read with the two monotonic readings around the wall reading at most
     * {@value #TIGHT_PAIR_NANOS} ns apart, or the tightest of {@value #ANCHOR_ATTEMPTS} tries: a
     * thread descheduled between the readings would otherwise put the anchor off by half the time
     * it was away (milliseconds on a busy host), for the whole period the anchor serves.
     */
    private static Anchor newAnchor() {
        return anchor(System::nanoTime, Instant::now);
    }

    /** {@link #newAnchor()} on the given clocks (tests stall them). */
    static Anchor anchor(LongSupplier monotonicClock, Supplier<Instant> wallClock) {
        Anchor best = null;
        long bestGap = Long.MAX_VALUE;
        for (int attempt = 0; attempt < ANCHOR_ATTEMPTS && bestGap > TIGHT_PAIR_NANOS; attempt++) {
            long before = monotonicClock.getAsLong();
            Instant wall = wallClock.get();
            long after = monotonicClock.getAsLong();
            long gap = after - before;
            if (gap < bestGap) {
                bestGap = gap;
                best = new Anchor(wall.getEpochSecond() * 1_000_000_000L + wall.getNano(), before + gap / 2);
            }
        }
        return best;
    }
}
