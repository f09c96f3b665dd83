package io.jipc.shm;

import io.jipc.ErrnoException;
import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.platform.Errno;
import io.jipc.platform.FdPassing;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.Memfd;
import io.jipc.platform.MemoryBudget;
import io.jipc.platform.Sockets;

import java.time.Duration;
import java.util.Objects;

/**
 * A region of shared memory without a name, shared only with the processes it is handed to: the
 * {@code MAP_SHARED|MAP_ANONYMOUS} memory a C parent shares with the children it forks, for a JVM
 * (which cannot fork).
 *
 * <p>The memory is a memory file ({@code memfd_create(2)}), never visible in any file system. It
 * is sealed at creation ({@code F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL}): nobody holding it can
 * change its size, so no mapping of it can ever fault with {@code SIGBUS}. It is freed when the
 * last process holding it closes it or exits.
 *
 * <h2>Handing it to a child</h2>
 * <pre>{@code
 * try (AnonymousRegion region = AnonymousRegion.create(1 << 20);
 *      RegionHandOff handOff = region.handOff()) {
 *     Process child = new ProcessBuilder(java, "Child", handOff.address()).start();
 *     handOff.deliverTo(child.toHandle(), Duration.ofSeconds(30));
 *     ...
 * }
 * // in the child
 * try (AnonymousRegion region = AnonymousRegion.receive(args[0], Duration.ofSeconds(30))) { ... }
 * }</pre>
 * The region's descriptor travels over a Unix-domain socket ({@code SCM_RIGHTS}); see
 * {@link RegionHandOff} for who can reach it. (A JVM's {@code ProcessBuilder} closes every
 * descriptor but 0, 1 and 2 in the child, so the descriptor cannot simply be inherited.)
 *
 * <p>See {@link Region} for access and the memory-ordering effects of the atomic operations.
 */
public final class AnonymousRegion extends Region {
    private static final int SEALS = Memfd.SEAL_SHRINK | Memfd.SEAL_GROW | Memfd.SEAL_SEAL;
    /** Longest single wait of {@link #receive}: bounds how late an interrupt is noticed (the library's slice, 50 ms). */
    private static final long RECEIVE_SLICE_MILLIS = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(io.jipc.platform.Futex.SLICE_NANOS);

    private final int fd;
    private boolean fdClosed;

    private AnonymousRegion(Mapping mapping, int fd) {
        super(mapping);
        this.fd = fd;
    }

    /**
     * Creates a region of {@code size} zero bytes, mapped read-write in this process only until it
     * is {@linkplain #handOff() handed} to others.
     *
     * @throws ErrnoException e.g. {@code ENOSPC}/{@code ENOMEM} when there is not enough memory:
     *                        {@code ENOMEM} at once, nothing allocated, when {@code size} exceeds
     *                        what {@link MemoryBudget} says this process could still take (the
     *                        anonymous file system has no limit of its own: allocating more would
     *                        call in the OOM killer)
     */
    public static AnonymousRegion create(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("region size must be positive: " + size);
        }
        MemoryBudget.check(size, "anonymous region of " + size + " bytes");
        int fd = Memfd.create("jipc-anonymous-region");
        return map(fd, size, true, "anonymous region of " + size + " bytes");
    }

    /**
     * Receives a region handed to this process by {@link RegionHandOff#deliverTo}: connects to
     * {@code address} (given by the parent, e.g. on the command line) and maps the region
     * read-write. The parent may serve other children first: this process stays connected and
     * waits until a {@code deliverTo} names it.
     *
     * <p>Blocks (in {@code poll}, in slices of 50 ms) until the region arrives, the timeout passes,
     * the parent closes the hand-off without delivering to this process or goes away, or the thread
     * is interrupted. The hand-off's queue holds {@link FdPassing#BACKLOG} connections that wait
     * for a {@code deliverTo}, those of receives that gave up among them (this process's own too)
     * until a {@code deliverTo} passes them over; while it is full, the connect is retried every
     * 50 ms within the same timeout. (Until 2026-12-07 it blocked in {@code connect} then, deaf to
     * its timeout and to interrupts, until a {@code deliverTo} made room: a child that retried
     * timed-out receives hung at its 130th.) Interrupts follow the library's rule (docs/architecture.md, "Interrupts and timeouts"): a region there at once
     * is received whatever the interrupt status, which stays set; otherwise an interrupt before or
     * while it waits (noticed within 50 ms), or at its timeout, throws {@link InterruptedException}
     * and clears the status (the connection is closed: the parent's {@code deliverTo} passes it
     * over and waits for the next one).
     *
     * @throws JipcException if nothing arrives within {@code timeout}, or the parent refused this
     *                       process or went away; also when no hand-off is open at {@code address}
     *                       (closed already, or its parent died and left the socket behind), or
     *                       {@code address} is wrong (no file, or a file that is not a socket), with
     *                       the {@code ENOENT} or {@code ECONNREFUSED} of {@code connect} as cause
     * @throws InterruptedException if interrupted while waiting, or already when the region is not
     *                              there at once (also with a zero or negative timeout)
     */
    public static AnonymousRegion receive(String address, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(timeout, "timeout"); // before connecting, which may fail for other reasons
        long deadline = System.nanoTime() + Timeouts.nanos(timeout);
        int socket = connect(address, deadline, timeout);
        FdPassing.Received received;
        try {
            boolean tried = false; // a zero timeout still takes a region there at once
            while (true) {
                if (tried && Thread.interrupted()) { // not there at once: the call cannot complete now
                    received = lastLook(socket, address);
                    if (received != null) {
                        Thread.currentThread().interrupt(); // completed after all: the status stays set
                        break;
                    }
                    throw new InterruptedException("interrupted while waiting for the anonymous region from " + address);
                }
                long leftNanos = deadline - System.nanoTime();
                if (leftNanos <= 0 && tried) {
                    received = lastLook(socket, address);
                    break;
                }
                long left = Math.max(0, (leftNanos + 999_999) / 1_000_000L); // rounded up
                long wait = !tried && Thread.currentThread().isInterrupted() ? 0 : Math.min(left, RECEIVE_SLICE_MILLIS);
                received = FdPassing.receive(socket, wait, address);
                tried = true;
                if (received != null) {
                    break;
                }
            }
        } catch (ErrnoException e) {
            if (e.errnoName().equals("EPROTO") || e.errnoName().equals("ECONNRESET")) {
                throw new JipcException("the parent closed the connection to " + address + " without handing this"
                        + " process (pid " + ProcessHandle.current().pid() + ") the region: the hand-off was closed (or its"
                        + " parent died) before a deliverTo named this process, or too many processes were waiting at it", e);
            }
            throw e;
        } finally {
            Libc.close(socket);
        }
        if (received == null) {
            throw new JipcException("no anonymous region arrived from " + address + " within " + Timeouts.text(timeout));
        }
        int fd = received.fd();
        FileStatus status;
        try {
            status = Libc.fstat(fd, "received region");
            if (!status.isRegularFile() || (Memfd.seals(fd) & Memfd.SEAL_SHRINK) == 0) {
                throw new JipcException("the descriptor received from " + address
                        + " is not a sealed anonymous region");
            }
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        return map(fd, status.size(), false, "received anonymous region");
    }

    /**
     * Gives the connection up for good, then takes a region the parent sent before that: shuts it down
     * for reading, so that a {@code deliverTo} from now on fails to send on it ({@code EPIPE}: passed
     * over as a child that gave up, and the region goes to its next try), and reads, without waiting,
     * what was queued before. Without it a region sent between the last wait and the close was lost:
     * the parent's {@code deliverTo} returned, and this receive timed out (rev63c explorer: 30 of 200
     * hand-offs to a child retrying 1 ms receives).
     *
     * @return the region's descriptor and tag, or null if none was sent before the shutdown
     */
    private static FdPassing.Received lastLook(int socket, String address) {
        Sockets.shutdown(socket, Sockets.SHUT_RD);
        try {
            return FdPassing.receive(socket, 0, address);
        } catch (ErrnoException e) {
            if (e.errnoName().equals("EPROTO")) { // the end of the stream (the shutdown), or the parent's close
                return null;
            }
            throw e;
        }
    }

    /**
     * Connects to the hand-off at {@code address} by the {@code deadline} ({@link System#nanoTime}) of
     * a receive with {@code timeout}: at once if its queue has room, else retried in slices of 50 ms
     * (a connect never blocks in the kernel, deaf to the timeout and to interrupts). A connection made
     * at once is made whatever the interrupt status, which stays set; otherwise an interrupt before
     * or while it waits throws {@link InterruptedException} and clears the status.
     */
    private static int connect(String address, long deadline, Duration timeout) throws InterruptedException {
        while (true) {
            int socket = tryConnect(address);
            if (socket >= 0) {
                return socket;
            }
            if (Thread.interrupted()) { // no room at once: the call cannot complete now
                throw interruptedWaitingForRoom(address);
            }
            long leftNanos = deadline - System.nanoTime();
            if (leftNanos <= 0) {
                throw new JipcException("no anonymous region arrived from " + address + " within "
                        + Timeouts.text(timeout) + ": the hand-off's queue of connections stayed full (they wait for"
                        + " the parent's deliverTo, also those of receives that gave up)");
            }
            try {
                Thread.sleep(Duration.ofNanos(Math.min(leftNanos, io.jipc.platform.Futex.SLICE_NANOS)));
            } catch (InterruptedException e) {
                throw interruptedWaitingForRoom(address);
            }
        }
    }

    private static InterruptedException interruptedWaitingForRoom(String address) {
        return new InterruptedException("interrupted while waiting for room in the queue of the hand-off at " + address);
    }

    /**
     * One connect to the hand-off at {@code address}: its socket, or -1 if its queue is full; a
     * socket file that is missing or that nobody listens on is explained rather than passed on as
     * a bare {@code ENOENT} or {@code ECONNREFUSED}.
     */
    private static int tryConnect(String address) {
        try {
            return FdPassing.tryConnect(address);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new JipcException("no hand-off at " + address + " (ENOENT from connect): the parent closed it"
                        + " (after delivering, or without delivering to this process), or the address is wrong", e);
            }
            if (e.errno() == Sockets.ECONNREFUSED) { // also what connect says of a file that is not a socket
                String kind = kindIfNotASocket(address);
                if (kind != null) {
                    throw new JipcException("no hand-off at " + address + " (ECONNREFUSED from connect): it is " + kind
                            + ", not a socket; the address is wrong", e);
                }
                throw new JipcException("no hand-off listens at " + address + " (ECONNREFUSED from connect): the"
                        + " parent closed it while this process was connecting, or died before closing it and left"
                        + " the socket behind (jipc gc removes a stale one), or the address is wrong", e);
            }
            throw e;
        }
    }

    /**
     * What the file at {@code address} (links followed, as by {@code connect}) is when it is not a
     * socket ("a regular file", "a directory", ...); null for a socket, or when that cannot be told.
     */
    private static String kindIfNotASocket(String address) {
        FileStatus status;
        try {
            status = Libc.lstat(java.nio.file.Path.of(address).toRealPath().toString());
        } catch (java.io.IOException | RuntimeException unknown) {
            return null; // gone meanwhile, or not to be read: the general message
        }
        if (status.isSocket()) {
            return null;
        }
        return status.isRegularFile() ? "a regular file" : status.isDirectory() ? "a directory"
                : status.isFifo() ? "a FIFO" : "a device or another special file";
    }

    private static AnonymousRegion map(int fd, long size, boolean create, String subject) {
        try {
            if (create) {
                Libc.allocate(fd, size, subject);
                Memfd.addSeals(fd, SEALS);
            }
            return new AnonymousRegion(Mapping.of(fd, size, true, subject), fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * Offers this region to child processes: opens a private rendezvous whose
     * {@linkplain RegionHandOff#address() address} the children are given; call
     * {@link RegionHandOff#deliverTo} once per child, in any order (a child that connects early
     * waits for its turn). Close it once the children have received the region.
     */
    public RegionHandOff handOff() {
        synchronized (this) {
            if (fdClosed) {
                throw new io.jipc.ClosedException("anonymous region is closed");
            }
        }
        return new RegionHandOff(this);
    }

    /** Sends the region's descriptor over a connected socket; called by {@link RegionHandOff}. */
    synchronized void sendTo(int socket, String subject) {
        if (fdClosed) {
            throw new io.jipc.ClosedException("anonymous region is closed");
        }
        FdPassing.send(socket, fd, (byte) 'R', subject);
    }

    /** Unmaps the region and closes its descriptor here; it lives on in the processes that still hold it. */
    @Override
    public void close() {
        synchronized (this) {
            if (!fdClosed) {
                fdClosed = true;
                Libc.close(fd);
            }
        }
        super.close();
    }

    @Override
    public String toString() {
        return "AnonymousRegion[" + size() + " bytes]";
    }
}
