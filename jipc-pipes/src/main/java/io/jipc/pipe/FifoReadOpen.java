package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A read open of a FIFO that waits for a writer and can be given up: the blocking {@code open(2)}
 * of {@link Fifo#openReader(java.nio.file.Path)} and {@link Fifo#openReader(java.nio.file.Path, Duration)}.
 * Called by any thread, one call per open; it blocks until a writer opens the FIFO, the deadline
 * passes or the thread is interrupted, and parks a virtual thread rather than pinning it.
 *
 * <p>A non-blocking read open cannot wait for a writer, so the wait is a real blocking
 * {@code open(2)} on a helper platform thread ({@code jipc-fifo-open-N}). The caller that gives up
 * releases it with momentary non-blocking write opens of its own (each closed at once), which pair
 * with the helper's waiting read open, and waits until the helper hands over what it got: a writer
 * that opened against the helper's read end, or the caller's look (below), before that is taken
 * (the call completes), never closed with its bytes in the pipe.
 *
 * <p>What is there is taken by a look, without a window: a call that looks only once (a thread
 * interrupted already, a zero or past timeout; no helper then), and a call at its deadline, opens
 * the FIFO non-blocking and keeps that descriptor if a writer has the FIFO open (also one
 * waiting in its own blocking open, which the kernel counts as a writer and which this open wakes)
 * or bytes wait in it ({@link Pipes#look}); otherwise it closes it and gives up. An interrupt during
 * the wait takes what is there the same way before it gives up.
 */
/*
 * The FIFO is pinned first: an O_PATH descriptor of its inode, checked with fstat to be a FIFO, and
 * the helper's open, the look and the release's open go through /proc/self/fd/<pin>, which reopens that
 * very inode even after the path was removed or names another file. Through the path, a FIFO removed
 * during the wait could not be released at all (the helper stayed blocked for ever), and for one
 * replaced by a new FIFO the release's write open found no reader at the new one, retried for 10 s
 * and left the helper blocked. O_PATH, not O_RDONLY|O_NONBLOCK: an O_PATH descriptor is no reader, so a
 * writer that comes before the helper is in its open still waits for (or, non-blocking, is refused
 * until) the real reader, as without the pin; a placeholder reader would let it open, write and close
 * into a pipe that the helper then never sees.
 *
 * At the deadline (or an interrupt) the look's descriptor is opened before the caller gives up: it is
 * a reader, so a writer waiting while the helper is late (not yet in its open) is woken and writes,
 * and the release's write opens find a reader. The release then repeats its momentary write open
 * (100 µs, doubling to 10 ms apart) until the helper's open returned, and the helper hands its
 * descriptor to the caller (state ABANDONED -> DONE) instead of closing it; the caller looks at that
 * descriptor (or, without one, at the look's) once the helper is out of its open, past the momentary
 * write opens of this process, and keeps it if a writer has the FIFO open or bytes wait. Until
 * 2026-12-07 the helper closed its descriptor once its caller had given up: a writer whose open came
 * after the caller's look and paired with the still-waiting helper wrote into a pipe whose only
 * reader was then closed (a loop of 10 ms read opens lost 5 of 400 sequential shell writers' bytes,
 * each writer exiting 0). Only a writer that opens and writes in the moment between a last look that
 * found none and the close of the last read end loses its bytes now, as with any reader that closes
 * (a cat at end of file; seen for 2 of 900 writers against loops of 5 and 10 ms opens, at a load
 * average of 40). A caller that stops waiting for its
 * helper (10 s, or a FIFO it may not write) leaves it (state LEFT) and the helper closes what it gets.
 *
 * The momentary write opens are opened and closed with nothing in between, and counted
 * (MOMENTARY_WRITERS while open, WRITE_OPENS in all): every read open of this process that is waiting
 * in the kernel pairs with them, so a helper whose open returned while one was made, and every look,
 * looks past them ({@link #lookPastOurWriteOpens}). Until 2026-12-07 a release held its write open
 * until its helper had returned (up to 1 s a time, again and again) while other helpers waited up to 2 s
 * for none to be open: eight threads looping 200 ms opens without a writer got 16 of 80 readers at end
 * of file (a look's 2 s cap took a release for a writer) and 36 calls more than 1 s late.
 *
 * A helper that finds it paired with a momentary write open of ours opens again before it closes that
 * descriptor (a baton): a writer that opens between its look and its new open writes into a pipe this
 * helper still holds. One still open pairs with the new open at once; the bytes of one that already
 * left are taken by the caller's look at its deadline or interrupt (an untimed call waits on for the
 * next writer, and reads them first). Closed first, that descriptor lost them.
 *
 * The pin has two holders, the helper (until its open returned) and the caller (until its release is
 * done), and whoever is last closes it: neither ever opens a /proc/self/fd number that was closed and
 * may name another file by now.
 */
final class FifoReadOpen {
    /** How long a release tries while the helper has not yet entered its open. */
    private static final long RELEASE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final AtomicInteger OPENERS = new AtomicInteger();
    /**
     * Momentary write opens made by read opens of this process (releases, {@link #showsEndOfFile}),
     * counted before each: such an open pairs with every read open waiting on that FIFO, the helpers
     * of other calls of this process too, which then find no writer and wait on instead of handing
     * their callers a FIFO at end of file.
     */
    private static final AtomicLong WRITE_OPENS = new AtomicLong();
    /** Those momentary write opens open right now (each is closed right after its open). */
    private static final AtomicInteger MOMENTARY_WRITERS = new AtomicInteger();

    /**
     * Test seam (FifoTest), null otherwise: runs on the helper thread right before its blocking open,
     * the moment a loaded machine can stretch past the caller's deadline.
     */
    static volatile Consumer<FifoReadOpen> beforeHelperOpen;
    /**
     * Test seam (FifoReadOpenRaceTest), null otherwise: runs on the caller's thread once it gave up,
     * right before its release, the moment a writer may pair with the helper still in its open.
     */
    static volatile Consumer<FifoReadOpen> beforeRelease;

    /** The caller waits for the helper's open. */
    private static final int PENDING = 0;
    /** The helper's result (descriptor, -1 or failure) is the caller's: {@link #opened} completes with it. */
    private static final int DONE = 1;
    /** The caller gave up and releases the helper; it takes the descriptor the helper hands over. */
    private static final int ABANDONED = 2;
    /** The caller stopped waiting for the helper, which closes whatever its open gets. */
    private static final int LEFT = 3;

    private final String path;
    private final int pin;
    private final String pinned;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final AtomicInteger pinHolders = new AtomicInteger(2); // the helper and the caller
    private final CompletableFuture<Integer> opened = new CompletableFuture<>();

    private FifoReadOpen(String path, int pin) {
        this.path = path;
        this.pin = pin;
        this.pinned = pinned(pin);
    }

    /**
     * Opens the FIFO at {@code path} for reading, waiting until {@code deadline} ({@link Deadlines})
     * for a writer; returns the descriptor. A thread interrupted already, or a deadline passed
     * already, looks once (see the class comment) and does not wait.
     *
     * @param timeout what the caller asked for, for the exception's message
     * @throws OpenTimeoutException if no writer opened it in time
     * @throws InterruptedException if the thread was interrupted (or is, when no writer is there)
     * @throws IllegalArgumentException if {@code path} is not a FIFO (a symbolic link is not followed)
     */
    static int open(String path, long deadline, Duration timeout) throws InterruptedException {
        int pin = Fifo.verified(Libc.open(path, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0), path);
        boolean interruptedBefore = Thread.interrupted(); // restored if the open completes, reported if not
        if (interruptedBefore || Deadlines.remaining(deadline, Long.MAX_VALUE) <= 0) {
            int fd;
            try {
                fd = takeWhatIsThere(pinned(pin), path);
            } finally {
                Libc.close(pin);
            }
            if (fd >= 0) {
                if (interruptedBefore) {
                    Thread.currentThread().interrupt();
                }
                return fd;
            }
            if (interruptedBefore) {
                throw interrupted(path);
            }
            throw new OpenTimeoutException(path, "writer", timeout);
        }
        FifoReadOpen open = new FifoReadOpen(path, pin);
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

    /**
     * A non-blocking read open of {@code pinned} that is kept if a writer has the FIFO open or bytes
     * wait in it: the descriptor, else -1 (closed). A writer waiting in a blocking open is woken by it.
     */
    private static int takeWhatIsThere(String pinned, String path) {
        return keepIfSomethingIsThere(openToLook(pinned), pinned, path);
    }

    /** A non-blocking read open of {@code pinned}, for {@link #keepIfSomethingIsThere}. */
    private static int openToLook(String pinned) {
        return Libc.open(pinned, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
    }

    /**
     * Returns {@code fd} if a writer has the FIFO open or bytes wait in it; else closes it and returns
     * -1. A writer seen while a momentary write open of this process's read opens overlapped the look
     * may be that one: the look is made again once none is open ({@link #lookPastOurWriteOpens}).
     */
    private static int keepIfSomethingIsThere(int fd, String pinned, String path) {
        boolean keep;
        try {
            keep = switch (lookPastOurWriteOpens(fd, path)) {
                case WRITER -> true; // made blocking by its handle (FdHandle.ownFifoReadEnd)
                case BYTES -> showsEndOfFile(pinned);
                case END_OF_FILE -> false;
            };
        } catch (RuntimeException | Error e) {
            Libc.close(fd);
            throw e;
        }
        if (keep) {
            return fd;
        }
        Libc.close(fd);
        return -1;
    }

    /**
     * For a descriptor kept for the bytes in the FIFO, when no writer may have it open: a read
     * descriptor opened non-blocking while no writer had the FIFO shows no end of file (Linux hides
     * {@code POLLHUP}, and a handle waits on) until a writer has opened it since; a momentary write
     * open of this process is one, so the bytes are read and then end of file, as from a pipe (with a
     * writer there it changes nothing; it writes nothing). False if this process may not write the
     * FIFO: the descriptor would never show end of file, and is not kept.
     */
    private static boolean showsEndOfFile(String pinned) {
        return momentaryWriteOpen(pinned) == 0;
    }

    /**
     * A non-blocking write open of {@code pinned}, closed at once, counted for the looks of this
     * process's read opens ({@link #MOMENTARY_WRITERS}, {@link #WRITE_OPENS}): it pairs with every read
     * open waiting on the FIFO. Returns 0, or the errno of a failed open ({@code ENXIO}: no reader).
     */
    private static int momentaryWriteOpen(String pinned) {
        MOMENTARY_WRITERS.incrementAndGet(); // before WRITE_OPENS: see waitForWriter
        WRITE_OPENS.incrementAndGet();
        try {
            Libc.close(Libc.open(pinned, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0));
            return 0;
        } catch (ErrnoException e) {
            return e.errno();
        } finally {
            MOMENTARY_WRITERS.decrementAndGet();
        }
    }

    private static String pinned(int pin) {
        return "/proc/self/fd/" + pin;
    }

    private static InterruptedException interrupted(String path) {
        return new InterruptedException("interrupted while waiting for a writer of FIFO " + path);
    }

    /**
     * The helper: a blocking read open of the pinned FIFO, handed to the caller also after it gave up
     * (the caller decides), and closed only once the caller has left.
     */
    private void waitForWriter() {
        int held = -1; // a descriptor that paired with a momentary write open of ours, closed once the next open returned
        try {
            if (state.get() != PENDING) {
                opened.complete(-1); // given up before we began: nothing to release
                return;
            }
            Consumer<FifoReadOpen> seam = beforeHelperOpen;
            if (seam != null) {
                seam.accept(this);
            }
            int fd;
            while (true) {
                // read in this order, against the writers' MOMENTARY_WRITERS then WRITE_OPENS: a momentary
                // write open that overlaps this open either counts after `writeOpens` or is open at `momentary`
                long writeOpens = WRITE_OPENS.get();
                boolean momentary = MOMENTARY_WRITERS.get() > 0;
                fd = Libc.open(pinned, Libc.O_RDONLY | Libc.O_CLOEXEC, 0); // blocks for a writer
                if (held >= 0) {
                    Libc.close(held); // what a writer wrote meanwhile is in the pipe `fd` reads
                    held = -1;
                }
                boolean suspect = momentary || WRITE_OPENS.get() != writeOpens || MOMENTARY_WRITERS.get() > 0;
                if (!suspect || state.get() != PENDING || !pairedWithAWriteOpenOfOurs(fd)) {
                    break;
                }
                held = fd; // paired with a momentary write open of another read open here: wait on
            }
            handOver(fd);
        } catch (ErrnoException e) {
            opened.completeExceptionally(Errno.exception(e.errno(), "open", path));
        } catch (Throwable t) {
            opened.completeExceptionally(t);
        } finally {
            if (held >= 0) {
                Libc.close(held);
            }
            dropPin();
        }
    }

    /** The helper's end: the caller takes {@code fd} (waiting, or having given up), unless it left. */
    private void handOver(int fd) {
        if (state.compareAndSet(PENDING, DONE) || state.compareAndSet(ABANDONED, DONE)) {
            opened.complete(fd);
        } else { // LEFT: nobody takes it
            Libc.close(fd);
            opened.complete(-1);
        }
    }

    /**
     * Waits for the helper's open until the deadline or an interrupt; then gives up: opens the look's
     * descriptor (a reader, which wakes a writer waiting while the helper is late), releases the
     * helper and takes what it hands over ({@link #release}), and keeps a descriptor if a writer has
     * the FIFO open or bytes wait in it ({@link #keepIfAWriterCame}): the call completes, with the
     * interrupt status set if it was an interrupt. Otherwise the call gives up, as the library's rule
     * says. Returns up to about one scheduling delay of the helper after the deadline.
     */
    private int await(long deadline, Duration timeout) throws InterruptedException {
        try {
            return opened.get(Deadlines.remaining(deadline, Long.MAX_VALUE), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            boolean interrupted = e instanceof InterruptedException;
            int look;
            try {
                look = openToLook(pinned);
            } catch (RuntimeException noLook) { // out of descriptors, say: decide on the helper's alone
                look = -1;
            }
            if (!state.compareAndSet(PENDING, ABANDONED)) {
                if (look >= 0) {
                    Libc.close(look);
                }
                // the open won the race: keep it
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return opened.join();
            }
            Consumer<FifoReadOpen> seam = beforeRelease;
            if (seam != null) {
                seam.accept(this);
            }
            int fd = keepIfAWriterCame(release(), look); // each closes what it does not return
            if (fd >= 0) {
                if (interrupted) {
                    Thread.currentThread().interrupt(); // completed with the writer there: the status stays set
                }
                return fd;
            }
            if (interrupted) {
                Thread.interrupted(); // one that came during the release: reported by the exception too
                throw interrupted(path);
            }
            throw new OpenTimeoutException(path, "writer", timeout);
        }
    }

    /**
     * Of the helper's descriptor {@code helperFd} and the look's {@code look} (each -1 if none), keeps
     * one if a writer has the FIFO open or bytes wait in it, looked at past this process's momentary
     * write opens, and closes the rest: the one kept, or -1. The helper's is preferred: opened blocking,
     * it shows end of file once the writers left. If that look fails (out of descriptors for its
     * scratch pipe) the helper's is kept, as a helper keeps its own then: its bytes are not dropped.
     */
    private int keepIfAWriterCame(int helperFd, int look) {
        if (helperFd < 0) {
            return look < 0 ? -1 : keepIfSomethingIsThere(look, pinned, path);
        }
        if (look >= 0) {
            Libc.close(look); // the helper's reads the same pipe
        }
        boolean keep;
        try {
            keep = lookPastOurWriteOpens(helperFd, path) != Pipes.Look.END_OF_FILE;
        } catch (RuntimeException noLook) {
            keep = true;
        }
        if (keep) {
            return helperFd;
        }
        Libc.close(helperFd);
        return -1;
    }

    /**
     * Ends the helper's blocking read open with momentary write opens of the same FIFO, repeated (100 µs
     * apart, doubling to 10 ms) until the helper's open returned: one made while the helper has not
     * entered its open yet pairs with nobody, or fails with {@code ENXIO} (no reader). Returns the
     * descriptor the helper handed over, or -1 (none, or it failed). After 10 s, or at once if this
     * process may not write the FIFO, the caller leaves the helper, which waits until a writer of that
     * FIFO comes (it still finds the pin open) and closes what it gets.
     */
    private int release() {
        long until = System.nanoTime() + RELEASE_NANOS;
        long pause = TimeUnit.MICROSECONDS.toNanos(100);
        boolean interrupted = false;
        while (!opened.isDone() && System.nanoTime() - until < 0) {
            int errno = momentaryWriteOpen(pinned);
            if (errno != 0 && errno != Errno.ENXIO) {
                break; // not writable by this process: the helper waits until a writer comes
            }
            try {
                opened.handle((fd, failure) -> null).get(pause, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException notYet) {
                // try again
            }
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(10));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (state.compareAndSet(ABANDONED, LEFT)) {
            return -1; // the helper has handed nothing over (still in its open, or failed)
        }
        return opened.handle((fd, failure) -> fd == null ? -1 : fd).join(); // DONE: handed over
    }

    /**
     * {@link Pipes#look} of {@code fd} that does not take a momentary write open of this process's read
     * opens (a release, {@link #showsEndOfFile}) for a writer: a look that sees a writer while one of
     * those overlapped it (read as in {@link #waitForWriter}) waits until none is open and looks again,
     * for at most 2 s in all.
     */
    private static Pipes.Look lookPastOurWriteOpens(int fd, String path) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (true) {
            long writeOpens = WRITE_OPENS.get();
            boolean momentary = MOMENTARY_WRITERS.get() > 0;
            Pipes.Look look = Pipes.look(fd, "FIFO " + path);
            boolean suspect = momentary || WRITE_OPENS.get() != writeOpens || MOMENTARY_WRITERS.get() > 0;
            if (look != Pipes.Look.WRITER || !suspect || System.nanoTime() - until >= 0) {
                return look;
            }
            awaitNoMomentaryWriter(until);
        }
    }

    /** Waits (parked, in steps of 100 µs) until no momentary write open of this process is open, or {@code until}. */
    private static void awaitNoMomentaryWriter(long until) {
        while (MOMENTARY_WRITERS.get() > 0 && System.nanoTime() - until < 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }

    /**
     * For a helper whose open returned while read opens of this process made momentary write opens:
     * whether it paired with one of those rather than with a real writer. Looks past them: no writer
     * and no bytes means the pairing was one of ours (or a writer that left without writing, whom a
     * wait on loses nothing).
     */
    private boolean pairedWithAWriteOpenOfOurs(int fd) {
        try {
            return lookPastOurWriteOpens(fd, path) == Pipes.Look.END_OF_FILE;
        } catch (RuntimeException noLook) { // out of descriptors for the scratch pipe, say: keep it, as before
            return false;
        }
    }

    /** Whether the caller gave up waiting (its deadline or an interrupt) before the helper's open completed. */
    boolean abandoned() {
        int s = state.get();
        return s == ABANDONED || s == LEFT;
    }

    /** One holder is done with the pin; the last one closes it. */
    private void dropPin() {
        if (pinHolders.decrementAndGet() == 0) {
            Libc.close(pin);
        }
    }
}
