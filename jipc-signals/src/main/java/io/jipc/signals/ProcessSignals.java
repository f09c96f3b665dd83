package io.jipc.signals;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.ProcessIdentity;
import io.jipc.platform.Signals;

import java.util.Objects;

/**
 * Sends signals to other processes and process groups, and manages this process's group.
 *
 * <p>A signal is an asynchronous, one-way notification through the kernel: sending never blocks
 * and carries no data beyond the signal number. The kernel keeps at most one pending instance of
 * each standard signal per process, so several signals of one kind sent before the receiver takes
 * delivery arrive as one: receivers count deliveries, never sends (see {@link SignalDoorbell}).
 *
 * <p>Who may signal whom: a process may signal the processes of its own real or effective user
 * (root may signal any); otherwise the call fails with {@code EPERM}. A process that does not exist
 * (or a zombie's group that is empty) fails with {@code ESRCH}. Both are
 * {@link io.jipc.ErrnoException}s naming the call and the target.
 *
 * <p>A pid names whichever process has it at the moment of the call, as for {@code kill(2)}: once a
 * process has ended, its pid may be a later process's. {@link #send(ProcessIdentity, Signal)} names
 * one process by its pid and start time and never signals another.
 *
 * <p>Safe to call from any thread, including virtual threads: nothing here blocks.
 */
public final class ProcessSignals {
    private ProcessSignals() {
    }

    /**
     * Sends {@code signal} to process {@code pid} ({@code kill(2)}).
     *
     * @throws IllegalArgumentException if {@code pid < 1} (0 and negative pids address groups in
     *                                  {@code kill(2)}; use {@link #sendToGroup})
     * @throws io.jipc.ErrnoException   {@code ESRCH} (no such process) or {@code EPERM}
     */
    public static void send(long pid, Signal signal) {
        Objects.requireNonNull(signal, "signal");
        Signals.kill(pid, signal.number());
    }

    /**
     * Sends signal number {@code signal} (1..64, real-time signals included) to process {@code pid}.
     *
     * @throws IllegalArgumentException if {@code pid < 1} or the number is not 1..64
     */
    public static void send(long pid, int signal) {
        Signals.kill(pid, checkNumber(signal, "canSignal(pid) asks whether a process lives"));
    }

    /**
     * Sends {@code signal} to the process {@code process} names (a pid and a start time, as
     * {@link ProcessIdentity#of(long)} read it), and to no other process that got its pid since it
     * ended. {@link #send(long, Signal)} cannot tell: like {@code kill(2)} it signals whichever process
     * has the pid now. This one opens a pidfd of the pid, checks the start time only then (the open
     * descriptor pins the process, so it cannot end and be replaced between the check and the send)
     * and sends through the descriptor ({@code pidfd_open(2)}, {@code pidfd_send_signal(2)}; see
     * {@link Signals#kill(ProcessIdentity, int)} for the one limit: a pid reused within the same clock
     * tick, which only a privileged process choosing pids can arrange).
     *
     * @throws io.jipc.ErrnoException        {@code ESRCH} if that process has ended, whether or not its pid
     *                                       is another process's now (the message says which, with the start
     *                                       times): nothing was sent; {@code EPERM} as for {@link #send(long, Signal)}
     * @throws IllegalArgumentException      if the pid is a thread id (not its process's first thread):
     *                                       the message names the process to send to; nothing was sent
     * @throws UnsupportedOperationException on a kernel without pidfds (before Linux 5.3) or where a seccomp
     *                                       filter refuses them: nothing was sent
     */
    public static void send(ProcessIdentity process, Signal signal) {
        Objects.requireNonNull(signal, "signal");
        Signals.kill(Objects.requireNonNull(process, "process"), signal.number());
    }

    /**
     * Sends signal number {@code signal} (1..64, real-time signals included) to the process
     * {@code process} names, and to no other: see {@link #send(ProcessIdentity, Signal)}.
     *
     * @throws IllegalArgumentException if the number is not 1..64
     */
    public static void send(ProcessIdentity process, int signal) {
        Objects.requireNonNull(process, "process");
        Signals.kill(process, checkNumber(signal, "ProcessIdentity.isAlive() asks whether a process lives"));
    }

    /**
     * Sends {@code signal} to every process of process group {@code pgid} ({@code killpg(3)}); it
     * succeeds if at least one member could be signalled.
     *
     * @throws IllegalArgumentException if {@code pgid < 1}
     * @throws io.jipc.ErrnoException   {@code ESRCH} (no such group) or {@code EPERM}
     */
    public static void sendToGroup(long pgid, Signal signal) {
        Objects.requireNonNull(signal, "signal");
        Signals.killpg(pgid, signal.number());
    }

    /**
     * Sends signal number {@code signal} (1..64, real-time signals included) to every process of
     * process group {@code pgid} ({@code killpg(3)}), as {@link #sendToGroup(long, Signal)} does. Like
     * every signal sent with {@code kill(2)}, a real-time one carries no value: {@code sigqueue(3)},
     * which adds one, addresses a single process and has no form for a group.
     *
     * @throws IllegalArgumentException if {@code pgid < 1} or the number is not 1..64
     * @throws io.jipc.ErrnoException   {@code ESRCH} (no such group) or {@code EPERM}
     */
    public static void sendToGroup(long pgid, int signal) {
        Signals.killpg(pgid, checkNumber(signal, null));
    }

    /** {@code signal} if it is 1..64; {@code instead} says what to call for 0, or is null. */
    private static int checkNumber(int signal, String instead) {
        if (signal < 1 || signal > Signals.MAX_SIGNAL) {
            throw new IllegalArgumentException("signal number must be 1.." + Signals.MAX_SIGNAL + ", got " + signal
                    + (signal == 0 && instead != null ? " (0 sends nothing: " + instead + ")" : ""));
        }
        return signal;
    }

    /**
     * Whether process {@code pid} exists and this process may signal it ({@code kill(pid, 0)}: the
     * kernel's checks without a signal). A zombie (exited, not yet reaped) exists.
     *
     * <p>A pid no process can have is refused, not answered {@code false}, as by every call of this
     * class that takes a pid: 0 and negative values address groups in {@code kill(2)} ({@code kill(0,
     * 0)} would answer for this process's own group), and such a pid is a caller's mistake (an unset
     * field, a failed parse) that a {@code false} would pass off as a process that has ended.
     *
     * @throws IllegalArgumentException if {@code pid} is not 1..2<sup>31</sup>-1
     */
    public static boolean canSignal(long pid) {
        try {
            Signals.kill(pid, 0);
            return true;
        } catch (io.jipc.ErrnoException e) {
            return false;
        }
    }

    /**
     * The process group of process {@code pid}; 0 if the group's leader is outside this pid
     * namespace (in a container whose processes kept the group they were started in outside it;
     * {@link #startProcessGroup()} then gives this process a group of its own).
     *
     * @throws IllegalArgumentException if {@code pid} is not 1..2<sup>31</sup>-1
     * @throws io.jipc.ErrnoException   {@code ESRCH} if there is no such process
     */
    public static long processGroupOf(long pid) {
        return Signals.getpgid(pid);
    }

    /** The process group of this process; 0 as for {@link #processGroupOf(long)}. */
    public static long currentProcessGroup() {
        return Signals.getpgid(ProcessHandle.current().pid());
    }

    /**
     * Makes this process the leader of a new process group in its session, whose id is this
     * process's pid; returns it. Processes started afterwards (by {@link ProcessBuilder}) inherit the
     * group, so a later {@link #sendToGroup} reaches them too. A process that already leads its group
     * keeps it: that is always the case for a session leader (a process started under
     * {@code setsid}, a service of systemd, a container's init), which may not change its group.
     */
    public static long startProcessGroup() {
        long pid = ProcessHandle.current().pid();
        if (Signals.getpgid(pid) != pid) {
            setpgid(pid, 0);
        }
        return pid;
    }

    /**
     * Moves this process into process group {@code pgid}, which must exist in this process's
     * session; nothing to do if it is there already. {@code pgid} equal to this process's pid makes
     * it the leader of a new group, as {@link #startProcessGroup()} does ({@code setpgid(2)}). A session leader (see
     * {@link #startProcessGroup()}) cannot move.
     *
     * @throws io.jipc.ErrnoException {@code EPERM} if there is no such group in this process's session,
     *                                or this process leads its session (the message says which)
     */
    public static void joinProcessGroup(long pgid) {
        if (pgid < 1) {
            throw new IllegalArgumentException("process group id must be positive, got " + pgid);
        }
        long pid = ProcessHandle.current().pid();
        if (Signals.getpgid(pid) != pgid) {
            setpgid(pid, pgid);
        }
    }

    /** {@code setpgid(0, pgid)} for this process {@code pid}; an {@code EPERM} says which rule refused it. */
    private static void setpgid(long pid, long pgid) {
        try {
            Signals.setpgid(0, pgid);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            long session = Signals.getsid(pid);
            String target = pgid == 0 ? "a new process group" : "process group " + pgid;
            String why;
            if (session == pid) {
                why = "this process leads its session (started under setsid, by systemd, as a container's init?), "
                        + "and a session leader cannot leave its process group";
            } else if (pgid != 0) {
                String ours = session == 0
                        ? "this process's session, whose leader is outside this pid namespace"
                        : "this process's session " + session;
                why = "there is no process group " + pgid + " in " + ours
                        + " (a process can join only a group of its own session)";
            } else {
                throw e;
            }
            throw Errno.exception(e.errno(), e.call(), "pid " + pid + " into " + target + ": " + why);
        }
    }
}
