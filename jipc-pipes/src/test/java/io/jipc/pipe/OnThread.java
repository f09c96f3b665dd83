package io.jipc.pipe;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a call of a channel test on a new platform (daemon) or virtual thread: its result or failure
 * as a future, or joined within {@link #HANG_GUARD_SECONDS} (a hang fails the test; no duration is
 * asserted).
 */
final class OnThread {
    /** How long a join waits: a hang guard, not a measurement. */
    static final long HANG_GUARD_SECONDS = 30;

    private OnThread() {
    }

    /** A call that may throw anything. */
    interface Call<T> {
        T call() throws Exception;
    }

    /** Starts {@code call} on a thread of the kind; {@code thread} is completed with that thread first. */
    static <T> CompletableFuture<T> start(boolean virtual, Call<T> call, CompletableFuture<Thread> thread) {
        CompletableFuture<T> result = new CompletableFuture<>();
        (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon()).start(() -> {
            thread.complete(Thread.currentThread());
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Starts {@code call} on a thread of the kind. */
    static <T> CompletableFuture<T> start(boolean virtual, Call<T> call) {
        return start(virtual, call, new CompletableFuture<>());
    }

    /** Runs {@code call} on a thread of the kind and returns its result, within the hang guard. */
    static <T> T on(boolean virtual, Call<T> call) throws Exception {
        return start(virtual, call).get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
    }
}
