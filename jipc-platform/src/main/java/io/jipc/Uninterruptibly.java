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
        untilDone(() -> {
            thread.join();
            return true;
        });
    }

    /**
     * Returns once {@code nanos} have passed: a pause in a bounded wait (the caller checks its own
     * deadline between pauses), so an interrupted thread neither spins nor ends the wait early.
     */
    public static void sleepNanos(long nanos) {
        long deadline = System.nanoTime() + nanos;
        untilDone(() -> {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            return deadline - System.nanoTime() <= 0;
        });
    }

    /** Returns once {@code latch} is open. */
    public static void await(CountDownLatch latch) {
        untilDone(() -> {
            latch.await();
            return true;
        });
    }

    /** One interruptible step of a wait: true once the wait is over. */
    @FunctionalInterface
    private interface Step {
        boolean done() throws InterruptedException;
    }

    /** Takes {@code step} until it says done; an interrupt meanwhile is noted, then set again on return. */
    private static void untilDone(Step step) {
        boolean interrupted = false;
        while (true) {
            try {
                if (step.done()) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
