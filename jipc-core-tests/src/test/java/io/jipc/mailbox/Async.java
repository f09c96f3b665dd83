package io.jipc.mailbox;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A call made on another thread (platform or virtual), whose result or exception the test
 * collects. Joins are bounded: a call that never returns fails the test instead of hanging it.
 */
final class Async<T> {
    /** Upper bound for a call that is expected to finish; a hang guard, not a speed requirement. */
    static final Duration JOIN_TIMEOUT = Duration.ofSeconds(20);
    /** Time given to a started call to reach its blocking point before the test acts on it. */
    private static final long SETTLE_MILLIS = 20;

    /** The kinds of threads a blocking call is made from. */
    enum Kind {
        PLATFORM, VIRTUAL;

        Thread unstarted(String name, Runnable task) {
            return this == PLATFORM ? new RecordingThread(name, task) : Thread.ofVirtual().name(name).unstarted(task);
        }
    }

    /**
     * A daemon platform thread that remembers who called its {@link #interrupt()} last, for a test
     * that finds an interrupt nobody in it made. (A virtual thread cannot be subclassed.)
     */
    private static final class RecordingThread extends Thread {
        private volatile Throwable interrupter;

        RecordingThread(String name, Runnable task) {
            super(task, name);
            setDaemon(true);
        }

        @Override
        public void interrupt() {
            interrupter = new Throwable("interrupt() of " + getName() + " called by " + Thread.currentThread());
            super.interrupt();
        }
    }

    @FunctionalInterface
    interface Body<T> {
        T call() throws Exception;
    }

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread thread;
    private volatile T result;
    private volatile Throwable failure;
    private volatile boolean interruptedAtEnd;

    private Async(Kind kind, String name, Body<T> body) {
        this.thread = kind.unstarted(name, () -> {
            started.countDown();
            try {
                result = body.call();
            } catch (Throwable t) {
                failure = t;
            } finally {
                interruptedAtEnd = Thread.currentThread().isInterrupted();
                finished.countDown();
            }
        });
        thread.start();
    }

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    static <T> Async<T> start(Kind kind, String name, Body<T> body) {
        return new Async<>(kind, name, body);
    }

    /** Starts a call that returns nothing. */
    static Async<Void> run(Kind kind, String name, Action action) {
        return new Async<>(kind, name, () -> {
            action.run();
            return null;
        });
    }

    /** Runs {@code body} on a thread of {@code kind}, waits for it and returns its result (or rethrows). */
    static <T> T callOn(Kind kind, Body<T> body) throws Exception {
        Async<T> call = start(kind, "call-on-" + kind, body);
        return call.get();
    }

    /**
     * Waits until the call has started and gives it a moment to block. A call that has not blocked
     * yet when the test goes on is fine: each test holds whatever the timing.
     */
    Async<T> settle() throws InterruptedException {
        if (!started.await(JOIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(thread.getName() + " never started");
        }
        Thread.sleep(SETTLE_MILLIS);
        return this;
    }

    /** Settles and asserts that the call is still blocked (it cannot have returned yet). */
    Async<T> assertBlocked() throws InterruptedException {
        settle();
        assertFalse(isDone(), () -> thread.getName() + " returned although it must block; result " + result
                + ", failure " + failure);
        return this;
    }

    /** {@link #assertBlocked()} for several calls at once (one settling pause for all). */
    static void assertAllBlocked(List<? extends Async<?>> calls) throws InterruptedException {
        for (Async<?> call : calls) {
            if (!call.started.await(JOIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(call.thread.getName() + " never started");
            }
        }
        Thread.sleep(SETTLE_MILLIS);
        for (Async<?> call : calls) {
            assertFalse(call.isDone(), () -> call.thread.getName() + " returned although it must block; result "
                    + describe(call.result) + ", failure " + call.failure);
        }
    }

    /**
     * Where {@link Thread#interrupt()} of the call's thread was last called from (a platform
     * thread's only), or null.
     */
    Throwable interrupter() {
        return thread instanceof RecordingThread recording ? recording.interrupter : null;
    }

    boolean isDone() {
        return finished.getCount() == 0;
    }

    /** Whether the call's thread is parked now (waiting or timed waiting). */
    boolean isParked() {
        Thread.State state = thread.getState();
        return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
    }

    void interrupt() {
        thread.interrupt();
    }

    private void await() throws InterruptedException {
        if (!finished.await(JOIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement e : thread.getStackTrace()) {
                stack.append("\n\tat ").append(e);
            }
            throw new AssertionError(thread.getName() + " did not finish within " + JOIN_TIMEOUT + stack);
        }
    }

    /** Waits for the call and returns its result; its exception fails the test. */
    T get() throws Exception {
        await();
        if (failure != null) {
            throw new AssertionError(thread.getName() + " failed", failure);
        }
        return result;
    }

    /**
     * Waits for every one of {@code calls} (as {@link #get()} does) and fails with the first failure;
     * a call that fails or does not finish is reported with the failures of the others, since a
     * partner that failed is often why it waited.
     */
    static void getAll(Async<?>... calls) throws Exception {
        for (Async<?> call : calls) {
            try {
                call.get();
            } catch (AssertionError e) {
                for (Async<?> other : calls) {
                    if (other != call && other.isDone() && other.failure != null) {
                        e.addSuppressed(new AssertionError(other.thread.getName() + " failed", other.failure));
                    }
                }
                throw e;
            }
        }
    }

    /** Waits for the call and returns its exception, which must be of {@code type}. */
    <X extends Throwable> X failure(Class<X> type) throws InterruptedException {
        await();
        if (failure == null) {
            throw new AssertionError(thread.getName() + " returned " + describe(result) + ", expected "
                    + type.getSimpleName());
        }
        return assertInstanceOf(type, failure, () -> thread.getName() + " failed with " + failure);
    }

    /** Whether the thread's interrupt status was set when the call ended. */
    boolean interruptedAtEnd() throws InterruptedException {
        await();
        return interruptedAtEnd;
    }

    private static String describe(Object value) {
        return value instanceof byte[] bytes ? "byte[" + bytes.length + "]" : String.valueOf(value);
    }
}
