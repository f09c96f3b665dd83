package io.jipc.mq;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the calls in progress on a native resource so that closing it from one thread while
 * others use it never frees it under them: {@link #close()} only marks it closed, and whoever
 * leaves last (the closer or the last caller) runs the release action, exactly once.
 */
final class UseCount {
    private static final long CLOSED = 1L << 62;

    private final AtomicLong state = new AtomicLong();
    private final Runnable release;

    UseCount(Runnable release) {
        this.release = release;
    }

    /** Enters a call; false if the resource is closed (then do not {@link #exit()}). */
    boolean enter() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Leaves a call entered with {@link #enter()}. */
    void exit() {
        if (state.decrementAndGet() == CLOSED) {
            release.run();
        }
    }

    /** Marks the resource closed; true for the first call only. The release runs now or when the last caller leaves. */
    boolean close() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    release.run();
                }
                return true;
            }
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }
}
