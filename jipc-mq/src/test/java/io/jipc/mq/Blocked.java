package io.jipc.mq;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A call, expected to block, made on its own platform or virtual thread; the test acts on the queue
 * and then collects what the call returned or threw. Waits are bounded by {@link #SAFETY}: a hang
 * fails the test instead of freezing it.
 */
final class Blocked<T> {
    static final Duration SAFETY = Duration.ofSeconds(60);
    /** Time given to the call to reach its wait before the test acts; the outcome does not depend on it. */
    private static final long SETTLE_MILLIS = 150;

    /** The kinds of thread a blocking call is made from. */
    enum Kind {
        PLATFORM, VIRTUAL;

        Thread.Builder builder() {
            return this == PLATFORM ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
        }
    }

    private final CompletableFuture<Object> outcome = new CompletableFuture<>();
    private final Thread thread;

    private Blocked(Kind kind, Callable<T> call) {
        thread = kind.builder().start(() -> {
            try {
                outcome.complete(call.call());
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
    }

    /** Starts {@code call} on a new thread of {@code kind} and gives it time to block. */
    static <T> Blocked<T> start(Kind kind, Callable<T> call) throws InterruptedException {
        Blocked<T> blocked = new Blocked<>(kind, call);
        Thread.sleep(SETTLE_MILLIS);
        return blocked;
    }

    boolean isDone() {
        return outcome.isDone();
    }

    void interrupt() {
        thread.interrupt();
    }

    /** What the call returned, or the exception it threw (as a value). */
    Object outcome() throws InterruptedException, ExecutionException, TimeoutException {
        Object result = outcome.get(SAFETY.toSeconds(), TimeUnit.SECONDS);
        thread.join(SAFETY);
        return result;
    }
}
