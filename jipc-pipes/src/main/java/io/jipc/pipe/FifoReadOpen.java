package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A read open of a FIFO that waits for a writer and can be given up: the blocking {@code open(2)}
 * of {@link Fifo#openReader(java.nio.file.Path)} and {@link Fifo#openReader(java.nio.file.Path, Duration)}.
 * Called by any thread, one call per open; it blocks until a writer opens the FIFO, the deadline
 * passes or the thread is interrupted, and parks a virtual thread rather than pinning it.
 *
 * <p>A non-blocking read open cannot tell whether a writer exists, so the open is a real blocking
 * {@code open(2)} on a helper platform thread ({@code jipc-fifo-open-N}). The caller that gives up
 * releases it with a momentary non-blocking write open of its own, which pairs with the helper's
 * waiting read open; the helper then closes what it got.
 */
/*
 * The FIFO is pinned first: an O_PATH descriptor of its inode, checked with fstat to be a FIFO, and
 * both the helper's open and the release's open go through /proc/self/fd/<pin>, which reopens that
 * very inode even after the path was removed or names another file. Through the path, a FIFO removed
 * during the wait could not be released at all (the helper stayed blocked for ever), and for one
 * replaced by a new FIFO the release's write open found no reader at the new one, retried for 10 s
 * and left the helper blocked. O_PATH, not O_RDONLY|O_NONBLOCK: an O_PATH descriptor is no reader, so a
 * writer that comes before the helper is in its open still waits for (or, non-blocking, is refused
 * until) the real reader, as without the pin; a placeholder reader would let it open, write and close
 * into a pipe that the helper then never sees.
 *
 * The pin has two holders, the helper (until its open returned) and the caller (until its release is
 * done), and whoever is last closes it: neither ever opens a /proc/self/fd number that was closed and
 * may name another file by now.
 */
final class FifoReadOpen {
    /** The shortest wait of a timed read open (a zero or past timeout too): see {@link Fifo}. */
    private static final long MIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** How long an interrupted caller waits at most for its helper thread to start. */
    private static final long STARTING_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a release tries while the helper has not yet entered its open. */
    private static final long RELEASE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final AtomicInteger OPENERS = new AtomicInteger();

    private static final int PENDING = 0;
    private static final int DONE = 1;
    private static final int ABANDONED = 2;

    private final String path;
    private final int pin;
    private final String pinned;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final AtomicInteger pinHolders = new AtomicInteger(2); // the helper and the caller
    private final CompletableFuture<Integer> opened = new CompletableFuture<>();
    /** Counted down by the helper right before its open (or when it gives up before it). */
    private final CountDownLatch entering = new CountDownLatch(1);

    private FifoReadOpen(String path, int pin) {
        this.path = path;
        this.pin = pin;
        this.pinned = "/proc/self/fd/" + pin;
    }

    /**
     * Opens the FIFO at {@code path} for reading, waiting until {@code deadline} ({@link Deadlines})
     * for a writer, but at least 20 ms; returns the descriptor.
     *
     * @param timeout what the caller asked for, for the exception's message
     * @throws OpenTimeoutException if no writer opened it in time
     * @throws InterruptedException if the thread was interrupted (or is, when no writer is there)
     * @throws IllegalArgumentException if {@code path} is not a FIFO (a symbolic link is not followed)
     */
    static int open(String path, long deadline, Duration timeout) throws InterruptedException {
        FifoReadOpen open = new FifoReadOpen(path, Fifo.verified(
                Libc.open(path, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0), path));
        try {
            Thread.ofPlatform().daemon().name("jipc-fifo-open-" + OPENERS.incrementAndGet()).start(open::waitForWriter);
        } catch (RuntimeException | Error e) {
            Libc.close(open.pin);
            throw e;
        }
        try {
            return open.await(deadline, timeout);
        } finally {
            open.dropPin();
        }
    }

    /** The helper: a blocking read open of the pinned FIFO. */
    private void waitForWriter() {
        try {
            if (state.get() == ABANDONED) {
                opened.complete(-1); // given up before we began: nothing to release
                return;
            }
            entering.countDown();
            int fd = Libc.open(pinned, Libc.O_RDONLY | Libc.O_CLOEXEC, 0); // blocks for a writer
            if (!state.compareAndSet(PENDING, DONE)) {
                Libc.close(fd); // given up meanwhile
                fd = -1;
            }
            opened.complete(fd);
        } catch (ErrnoException e) {
            opened.completeExceptionally(Errno.exception(e.errno(), "open", path));
        } catch (Throwable t) {
            opened.completeExceptionally(t);
        } finally {
            entering.countDown();
            dropPin();
        }
    }

    /**
     * Waits for the helper's open. A thread interrupted already looks only as long as a zero timeout
     * does (a writer already waiting pairs with the helper then: the call can complete at once, so
     * it completes and the status stays set), and otherwise throws {@link InterruptedException}, as
     * the library's rule says. Those 20 ms count from the moment the helper thread is about to
     * open, not from its start, which a loaded machine may delay by more than that. (Until
     * 2026-12-06 {@code CompletableFuture.get} threw at once, before the helper could pair with a
     * writer already waiting.)
     */
    private int await(long deadline, Duration timeout) throws InterruptedException {
        boolean interruptedBefore = Thread.interrupted(); // restored if the open completes, reported if not
        try {
            // at least a moment for the helper to reach its open: a writer already waiting pairs with it
            // at once, and giving up before that would leave the writer to our release (below)
            if (interruptedBefore) {
                entering.await(STARTING_NANOS, TimeUnit.NANOSECONDS); // a thread of ours starting: no waiting for a peer
            }
            long left = interruptedBefore ? MIN_WAIT_NANOS
                    : Math.max(Deadlines.remaining(deadline, Long.MAX_VALUE), MIN_WAIT_NANOS);
            int fd = opened.get(left, TimeUnit.NANOSECONDS);
            if (interruptedBefore) {
                Thread.currentThread().interrupt();
            }
            return fd;
        } catch (ExecutionException e) {
            if (interruptedBefore) {
                Thread.currentThread().interrupt();
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            boolean interrupted = interruptedBefore || e instanceof InterruptedException;
            if (!state.compareAndSet(PENDING, ABANDONED)) {
                // the open won the race: keep it
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return opened.join();
            }
            release();
            if (interrupted) {
                Thread.interrupted(); // reported by the exception
                throw new InterruptedException("interrupted while waiting for a writer of FIFO " + path);
            }
            throw new OpenTimeoutException(path, "writer", timeout);
        }
    }

    /**
     * Ends the helper's blocking read open with a momentary write open of the same FIFO. While the
     * helper has not entered {@code open} yet, the write open fails with {@code ENXIO} (no reader):
     * try again, for at most 10 s (a helper that enters later still finds the pin open, and waits for
     * a writer of that FIFO).
     */
    private void release() {
        long until = System.nanoTime() + RELEASE_NANOS;
        boolean interrupted = false;
        while (!opened.isDone() && System.nanoTime() - until < 0) {
            int writer;
            try {
                writer = Libc.open(pinned, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENXIO) {
                    break; // not writable by this process: the helper waits until a writer comes
                }
                writer = -1;
            }
            try {
                opened.handle((fd, failure) -> null).get(writer >= 0 ? 1000 : 1, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException notYet) {
                // try again
            } finally {
                if (writer >= 0) {
                    Libc.close(writer);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One holder is done with the pin; the last one closes it. */
    private void dropPin() {
        if (pinHolders.decrementAndGet() == 0) {
            Libc.close(pin);
        }
    }
}
