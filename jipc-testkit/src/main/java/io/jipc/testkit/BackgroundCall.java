package io.jipc.testkit;

import java.util.concurrent.CompletableFuture;

/**
 * A call run on a daemon platform thread of its own, for a test whose own thread must not block in
 * it (a select that should end, a wait that may hang without a fix): {@link #outcome()} completes
 * with the call's result or with what it threw (never exceptionally), so the test asserts either.
 * The test interrupts and joins {@link #thread()} when it is done with it.
 */
public final class BackgroundCall {
    /** What runs in the background: may throw anything. */
    @FunctionalInterface
    public interface Call {
        Object call() throws Exception;
    }

    private final CompletableFuture<Object> outcome = new CompletableFuture<>();
    private final Thread thread;

    private BackgroundCall(Call call) {
        thread = Thread.ofPlatform().daemon().start(() -> {
            try {
                outcome.complete(call.call());
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
    }

    /** Starts {@code call} on a new daemon platform thread. */
    public static BackgroundCall start(Call call) {
        return new BackgroundCall(call);
    }

    /** The call's result, or what it threw, once it has ended. */
    public CompletableFuture<Object> outcome() {
        return outcome;
    }

    /** The thread running the call. */
    public Thread thread() {
        return thread;
    }
}
