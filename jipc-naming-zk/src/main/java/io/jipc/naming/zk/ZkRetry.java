package io.jipc.naming.zk;

import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Curator's retry policy for this backend's client: after a connection loss an operation is tried
 * again after an exponential backoff (100 ms, doubling at random, at most 2 s a sleep). Outside a
 * {@link #deadline deadline} of the calling thread it allows {@link #RETRIES} retries, as
 * {@code ExponentialBackoffRetry(100, 6, 2000)} did; within one it retries until the deadline and
 * not past it (a sleep is cut short at the deadline).
 *
 * <p>Curator asks the policy on the thread that makes the operation (for the foreground operations
 * this backend makes), so a deadline set on that thread bounds that thread's operations only. An
 * interrupt during a sleep ends the retries: the interrupt status is set again, and Curator throws
 * the connection loss it was retrying.
 */
final class ZkRetry implements RetryPolicy {
    /** Retries of an operation made without a deadline. */
    static final int RETRIES = 6;
    private static final long BASE_SLEEP_MS = 100;
    private static final long MAX_SLEEP_MS = 2000;

    /** The deadline of the calling thread's naming call, if it has one. */
    private static final ThreadLocal<Call> DEADLINE = new ThreadLocal<>();

    /** A naming call's deadline ({@link System#nanoTime()}). */
    private record Call(long at) {
    }

    /**
     * A deadline set on the calling thread by {@link #deadline}; closing it removes it from the thread,
     * if this one set it. Used by the thread that made it only.
     */
    static final class Deadline implements AutoCloseable {
        private final Call call;
        private final boolean set;

        private Deadline(Call call, boolean set) {
            this.call = call;
            this.set = set;
        }

        /** Nanoseconds left (zero or less: passed). */
        long remainingNanos() {
            return call.at() - System.nanoTime();
        }

        @Override
        public void close() {
            if (set) {
                DEADLINE.remove();
            }
        }
    }

    /**
     * Sets a deadline {@code nanos} from now on the calling thread, unless it has one already (a
     * naming call made by another, whose deadline then bounds both); the caller must close it.
     */
    static Deadline deadline(long nanos) {
        Call outer = DEADLINE.get();
        if (outer != null) {
            return new Deadline(outer, false);
        }
        Call call = new Call(System.nanoTime() + nanos);
        DEADLINE.set(call);
        return new Deadline(call, true);
    }

    @Override
    public boolean allowRetry(int retryCount, long elapsedTimeMs, RetrySleeper sleeper) {
        Call deadline = DEADLINE.get();
        if (deadline == null && retryCount >= RETRIES) {
            return false;
        }
        long sleep = TimeUnit.MILLISECONDS.toNanos(sleepMillis(retryCount));
        if (deadline != null) {
            long left = deadline.at() - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            sleep = Math.min(sleep, left);
        }
        try {
            sleeper.sleepFor(sleep, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return deadline == null || deadline.at() - System.nanoTime() > 0;
    }

    /** As {@code ExponentialBackoffRetry}: the base times a random 1 to 2^(retry+1), at most 2 s. */
    private static long sleepMillis(int retryCount) {
        int bound = 1 << Math.min(retryCount + 1, 5);
        return Math.min(MAX_SLEEP_MS, BASE_SLEEP_MS * Math.max(1, ThreadLocalRandom.current().nextInt(bound)));
    }
}
