package io.jipc.shm;

import io.jipc.ErrnoException;
import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.platform.Errno;
import io.jipc.platform.FdPassing;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.platform.Sockets;
import io.jipc.segment.JipcRoot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * The parent's side of handing an {@link AnonymousRegion} to child processes.
 *
 * <h2>Protocol and who can reach the region</h2>
 * The hand-off listens on a Unix-domain socket
 * {@code <jipc root>/handoff/<pid>-<start time>-<random>.sock} (the creator's pid and start time: a
 * parent killed before its {@link #close()} leaves the socket behind, and {@code jipc gc} removes it
 * once that process is dead); its path is the {@link #address()} the parent gives its child (an
 * argument, an environment variable).
 * The child connects ({@link AnonymousRegion#receive}); {@link #deliverTo} accepts connections,
 * asks the kernel which process is at the other end ({@code SO_PEERCRED}) and sends the region's
 * descriptor ({@code SCM_RIGHTS}) only to the named child or one of its descendants (a wrapper
 * such as {@code setpriv} or {@code sh -c exec} keeps the pid; a launcher that forks makes the JVM
 * a descendant).
 *
 * <h2>Several children</h2>
 * One hand-off serves several children: start them, then call {@code deliverTo} for each, in any
 * order (limits below). A child that connects while {@code deliverTo} serves another one stays
 * connected, waiting (within its own {@code receive} timeout), until a {@code deliverTo} names it;
 * the connection is kept with the peer's pid and start time, so it is served only while that very
 * process still holds it. A process no {@code deliverTo} names (a stranger of the same user) waits
 * the same way and gets nothing: its connection is closed when the hand-off closes. At most
 * 64 connections wait at a time (those whose peer gave up or died are
 * dropped first); beyond that new ones are closed at once without the region, so a process of the
 * user that connects many times holds at most that many descriptors of the parent (and can so
 * keep later siblings from waiting: they are refused at once). Before any {@code deliverTo} runs,
 * the kernel queues up to {@link FdPassing#BACKLOG} connections, those of receives that gave up
 * (timed out, interrupted) among them until a {@code deliverTo} passes them over; a child that
 * connects beyond that retries every 50 ms within its receive timeout (until 2026-12-07 it blocked
 * in {@code connect}, deaf to its timeout and to interrupts, until one was accepted). So start
 * at most 64 children ahead of their {@code deliverTo}, or deliver as they come. (Until
 * 2026-12-06 every connection but the named child's was closed at once: a sibling that connected
 * early was refused for good, "it is meant for another process", and its own {@code deliverTo}
 * then failed.)
 * <ul>
 * <li>The socket lies in the user's private {@code 0700} directory: only this user's processes
 *     (and root) can even connect.</li>
 * <li>Of those, only the child gets the descriptor; there is no name to guess afterwards. The
 *     region is then reachable only through the descriptors and mappings of the processes holding
 *     it, i.e. also by whoever may {@code ptrace} them (through {@code /proc/<pid>/fd} or
 *     {@code /proc/<pid>/mem}, which expose any process memory anyway).</li>
 * </ul>
 * Compared with the alternatives: the child opening {@code /proc/<parent>/fd/<n>} would let
 * <em>every</em> process of the user open it while the parent lives; {@code pidfd_getfd(2)} needs
 * ptrace rights over the parent, which Yama's default policy denies a child.
 *
 * <p>Who may call: one thread at a time. {@link #deliverTo} blocks (in {@code poll}) up to its
 * timeout; it fails early if the child dies, and an interrupt ends it with
 * {@link InterruptedException} (within 50 ms).
 */
public final class RegionHandOff implements AutoCloseable {
    /** Subdirectory of the jipc root that holds hand-off sockets while they are open. */
    public static final String DIRECTORY = "handoff";
    /** Longest single {@code accept} wait: bounds how late the child's death or a close is noticed (the library's slice, 50 ms). */
    private static final long ACCEPT_SLICE_MILLIS = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(io.jipc.platform.Futex.SLICE_NANOS);

    private final AnonymousRegion region;
    private final Path path;
    private final int listener;
    private final WaitingPeers waitingPeers;
    private boolean closed;

    RegionHandOff(AnonymousRegion region) {
        this.region = region;
        this.path = JipcRoot.directory(DIRECTORY).resolve(socketName(ProcessIdentity.current()));
        this.listener = FdPassing.listen(path.toString());
        this.waitingPeers = new WaitingPeers(path.toString());
    }

    /**
     * The socket's file name: {@code <pid>-<start time>-<random>.sock}, the creating process's pid and
     * start time (clock ticks after boot, as {@code /proc/<pid>/stat} says) in decimal, then 12 random
     * hexadecimal digits. The creator in the name is how {@code jipc ls} and {@code jipc gc} tell a
     * socket a killed parent left behind (its close never ran) from one of a live hand-off.
     */
    static String socketName(ProcessIdentity creator) {
        return creator.pid() + "-" + creator.startTime() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4) + ".sock";
    }

    /** What the child passes to {@link AnonymousRegion#receive}. */
    public String address() {
        return path.toString();
    }

    /**
     * Waits for {@code child} (or a descendant of it) to connect, unless it is waiting already, and
     * hands it the region; connections from other processes that come meanwhile are kept for their
     * own {@code deliverTo} (see "Several children" above), and a connection the child closed
     * before it was served (a receive that timed out) is passed over.
     *
     * <p>Blocks (in {@code poll}, in slices of 50 ms) until the child has the region, the timeout
     * passes, the child dies or the thread is interrupted. Interrupts follow the library's rule
     * (docs/architecture.md, "Interrupts and timeouts"): a child already waiting gets the region
     * whatever the interrupt status, which stays set; otherwise an interrupt before or while it
     * waits (noticed within 50 ms), or at its timeout, throws {@link InterruptedException} and
     * clears the status, and nothing was handed over.
     *
     * @throws JipcException if the child does not come within {@code timeout} or dies first
     * @throws InterruptedException if interrupted while waiting, or already when the child is not
     *                              waiting at once (also with a zero or negative timeout)
     */
    public void deliverTo(ProcessHandle child, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(child, "child");
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + Timeouts.nanos(timeout);
        if (closed) {
            throw new io.jipc.ClosedException("region hand-off is closed");
        }
        if (!waitingPeers.isEmpty()) { // the child may have connected while another one was being served
            Set<Long> pids = child.descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
            pids.add(child.pid());
            for (int waiting; (waiting = waitingPeers.take(pids::contains)) >= 0; ) {
                if (sent(waiting, child)) {
                    return;
                }
            }
        }
        // the child's identity now, its liveness below from /proc (unknown, say EMFILE, is alive: the JDK's
        // ProcessHandle.isAlive() answered false then, and a live child was reported as exited)
        long childToken = childToken(child);
        // whether the listener's backlog was found empty (or waited on): until then a zero (or
        // sub-millisecond) timeout and an interrupt still take a child already waiting, also one queued
        // behind siblings and strangers (kept for their own deliverTo)
        boolean tried = false;
        while (true) {
            if (closed) {
                throw new io.jipc.ClosedException("region hand-off is closed");
            }
            if (tried && Thread.interrupted()) { // the child was not there at once: the call cannot complete now
                throw new InterruptedException("interrupted while waiting for child pid " + child.pid()
                        + " to come for the anonymous region at " + address());
            }
            long leftNanos = deadline - System.nanoTime();
            if (leftNanos <= 0 && tried) {
                throw new JipcException("child pid " + child.pid() + " did not come for the anonymous region within "
                        + Timeouts.text(timeout));
            }
            long left = Math.max(0, (leftNanos + 999_999) / 1_000_000L); // rounded up
            // interrupted already: only a connection waiting at once is taken
            long wait = !tried && Thread.currentThread().isInterrupted() ? 0 : Math.min(left, ACCEPT_SLICE_MILLIS);
            int connection = FdPassing.accept(listener, wait, address());
            tried = connection < 0;
            if (connection < 0) {
                if (childToken == UNKNOWN) {
                    childToken = childToken(child); // /proc could not be read at the start: try again
                }
                if (childToken != UNKNOWN && !ProcessIdentity.isAlive(childToken)) {
                    throw new JipcException("child pid " + child.pid() + " exited before it received the anonymous region");
                }
                continue;
            }
            Optional<ProcessIdentity> peer;
            try {
                peer = ProcessIdentity.of(FdPassing.peerPid(connection, address()));
            } catch (RuntimeException e) {
                Libc.close(connection);
                throw e;
            }
            if (peer.isEmpty()) { // gone already: nobody to serve
                Libc.close(connection);
            } else if (isChildOrDescendant(child, peer.get().pid())) {
                if (sent(connection, child)) {
                    return;
                }
            } else { // another child of this parent, or a stranger: waits for its own deliverTo or the close
                waitingPeers.keep(connection, peer.get());
            }
        }
    }

    /** {@link #childToken}'s answer when {@code /proc} cannot be read now (EMFILE, say): alive, for now. */
    private static final long UNKNOWN = -1;

    /** The child's identity token, 0 if it is gone, {@link #UNKNOWN} if that cannot be told now. */
    private static long childToken(ProcessHandle child) {
        try {
            return ProcessIdentity.of(child.pid()).map(ProcessIdentity::token).orElse(0L);
        } catch (JipcException unknown) {
            return UNKNOWN; // unknown is not dead (ProcessIdentity's rule)
        }
    }

    private static boolean isChildOrDescendant(ProcessHandle child, long peer) {
        return peer == child.pid() || child.descendants().anyMatch(p -> p.pid() == peer);
    }

    /**
     * Sends the region over {@code connection} (whose peer is {@code child} or a descendant) and
     * closes it; false if the peer had given up (closed its end) before, i.e. keep waiting.
     */
    private boolean sent(int connection, ProcessHandle child) {
        try {
            region.sendTo(connection, "child pid " + child.pid());
            return true;
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EPIPE && e.errno() != Sockets.ECONNRESET) {
                throw e;
            }
            return false; // a connection the child gave up before it was served: wait for the next one
        } finally {
            Libc.close(connection);
        }
    }

    /** Stops offering the region and removes the socket; idempotent. Regions already delivered stay shared. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // the file first: a child that connects after this finds no hand-off (ENOENT: "the parent
            // closed it"), not a socket nobody listens on (ECONNREFUSED), which reads as a dead parent
            Libc.unlink(path.toString());
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        } finally {
            waitingPeers.closeAll();
            Libc.close(listener);
        }
    }
}
