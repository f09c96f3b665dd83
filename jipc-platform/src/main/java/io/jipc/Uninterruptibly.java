package io.jipc;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits that an interrupt does not end: for the closes that promise to return only once something
 * has ended (a watch's thread, the first of racing closes), whatever interrupts their caller, and
 * for the short pauses of bounded waits in calls that declare no {@link InterruptedException} (an
 * open waiting for a file's creator to make it ready). An interrupt meanwhile is kept for the caller
 * (its status set again on return), not obeyed. Any thread; each blocks until what it waits for has
 * happened, however long that takes.
 */
public final class Uninterruptibly {
    private Uninterruptibly() {
    }

    /** Returns once {@code thread} has ended (at once if it has not started, as {@link Thread#join()} does). */
    public static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns once {@code nanos} have passed: a pause in a bounded wait (the caller checks its own
     * deadline between pauses), so an interrupted thread neither spins nor ends the wait early.
     */
    public static void sleepNanos(long nanos) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns once {@code latch} is open. */
    public static void await(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
