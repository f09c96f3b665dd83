package io.jipc.platform;

import io.jipc.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The signal calls of the C library: sending signals to processes, process groups and single
 * threads, process groups and sessions, reading (never changing) the disposition of a signal, and
 * the signal mask of the calling thread.
 *
 * <p>Nothing here installs a signal handler: inside a JVM the virtual machine owns the handlers, and
 * the only supported way for Java code to receive a signal is the JVM's own dispatch (see module
 * {@code io.jipc.signals}). Every method may be called from any thread; none blocks.
 *
 * <p>Arguments are checked before the kernel sees them, because the kernel gives some values a
 * meaning nobody wants by accident: {@code kill(0, sig)} signals the caller's own process group and
 * {@code kill(-1, sig)} every process the caller may signal. So a pid or process group id below 1
 * is an {@link IllegalArgumentException} here.
 */
public final class Signals {
    /** Highest signal number on Linux ({@code SIGRTMAX} of the kernel). */
    public static final int MAX_SIGNAL = 64;
    /** {@code SIGCONT}: continues a stopped process (the same number on x86-64 and aarch64). */
    public static final int SIGCONT = 18;
    /** {@code SIGSTOP}: stops a process until {@link #SIGCONT}; it cannot be caught, blocked or ignored. */
    public static final int SIGSTOP = 19;

    private static final int SA_RESTART = 0x10000000;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;
    /** glibc's {@code struct sigaction} on x86-64 and aarch64: handler, 128-byte mask, flags, restorer. */
    private static final long SIGACTION_SIZE = 152;
    private static final long SIGACTION_FLAGS_OFFSET = 136;
    private static final int SIG_BLOCK = 0;
    private static final int SIG_UNBLOCK = 1;
    /** glibc's {@code sigset_t}: 1024 bits, of which the kernel's 64 signals are the first word (signal n: bit n-1). */
    private static final long SIGSET_SIZE = 128;
    /** {@code pidfd_send_signal(2)} (Linux 5.1+): the same number on x86-64 and aarch64. */
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_GETTID;
    private static final long SYS_TGKILL;

    static {
        switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "aarch64", "arm64" -> {
                SYS_GETTID = 178;
                SYS_TGKILL = 131;
            }
            default -> {
                SYS_GETTID = 186;
                SYS_TGKILL = 234;
            }
        }
    }

    private static final class Send {
        static final MethodHandle KILL = Libc.errno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        static final MethodHandle KILLPG = Libc.errno("killpg",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    }

    private static final class Pidfd {
        static final MethodHandle SYSCALL = Libc.errno("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }

    private static final class Groups {
        static final MethodHandle GETPGID = Libc.errno("getpgid", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
        static final MethodHandle SETPGID = Libc.errno("setpgid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        static final MethodHandle GETSID = Libc.errno("getsid", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    }

    private static final class Threads {
        static final MethodHandle SYSCALL = Libc.errno("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }

    private static final class Mask {
        /** Returns the error number instead of setting errno. */
        static final MethodHandle PTHREAD_SIGMASK = Libc.plain("pthread_sigmask",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class Disposition {
        static final MethodHandle SIGACTION = Libc.errno("sigaction",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), -1);
    }

    private Signals() {
    }

    /**
     * {@code kill(2)}: sends signal {@code signal} to process {@code pid}. Signal 0 sends nothing and
     * only checks that the process exists and may be signalled.
     *
     * @throws IllegalArgumentException if {@code pid < 1} or the signal is not 0..{@value #MAX_SIGNAL}
     * @throws io.jipc.ErrnoException   {@code ESRCH} (no such process), {@code EPERM} (not allowed)
     */
    public static void kill(long pid, int signal) {
        int id = checkId(pid, "pid");
        send(Send.KILL, "kill", id, signal, "pid " + pid);
    }

    /**
     * {@code killpg(3)}: sends signal {@code signal} to every process of process group {@code pgid}.
     * It succeeds if at least one member could be signalled.
     *
     * @throws IllegalArgumentException if {@code pgid < 1} or the signal is not 0..{@value #MAX_SIGNAL}
     * @throws io.jipc.ErrnoException   {@code ESRCH} (no such group), {@code EPERM} (no member may be signalled)
     */
    public static void killpg(long pgid, int signal) {
        int id = checkId(pgid, "process group id");
        send(Send.KILLPG, "killpg", id, signal, "process group " + pgid);
    }

    /**
     * Sends signal {@code signal} to the process {@code process} names, and never to another process
     * that reuses its pid: {@code pidfd_open(2)} of the pid, then a check that {@code /proc/<pid>/stat}
     * shows the recorded start time (and no zombie), then {@code pidfd_send_signal(2)} through that
     * descriptor. The check comes <em>after</em> the open because an open pidfd pins the process it
     * was opened for: if that process ends after the check, the send fails with {@code ESRCH} instead
     * of reaching a newcomer with the same pid. A check followed by {@code kill(2)} would leave that
     * window open. Signal 0 sends nothing and only checks, as for {@link #kill(long, int)}.
     *
     * <p>Limit: an identity is a pid and a start time in clock ticks (10 ms at the usual
     * {@code USER_HZ} of 100); a process that got the same pid within the same tick has the same
     * identity. The kernel hands out pids in turn, so that takes a privileged process choosing the pid
     * on purpose ({@code ns_last_pid}, {@code clone3}'s {@code set_tid}) right after the first one
     * ended. Never blocks; safe from any thread.
     *
     * @throws IllegalArgumentException      if the pid is not 1..{@value Integer#MAX_VALUE} or the signal
     *                                       not 0..{@value #MAX_SIGNAL}, or if the pid is a thread's that is
     *                                       not its process's first ({@link ProcessIdentity#of(long)} takes a
     *                                       thread id, {@code pidfd_open} does not): the message names the
     *                                       process; nothing was sent
     * @throws io.jipc.ErrnoException        {@code ESRCH} naming the pid and start time if that process has
     *                                       ended (the message says whether the pid now belongs to another
     *                                       process, and with which start time): nothing was sent;
     *                                       {@code EPERM} if this process may not signal it
     * @throws UnsupportedOperationException if the kernel has no pidfds (before Linux 5.3) or a seccomp
     *                                       filter refuses {@code pidfd_open}: nothing was sent
     */
    public static void kill(ProcessIdentity process, int signal) {
        Objects.requireNonNull(process, "process");
        int pid = checkId(process.pid(), "pid");
        checkSignal(signal);
        String call = "pidfd_send_signal(signal " + signal + ")";
        String subject = "pid " + pid + " started at tick " + process.startTime();
        int pidfd;
        try {
            pidfd = Processes.pidfdOpen(pid);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.EINVAL) {
                // a thread that is not its process's leader: /proc/<tid> exists (so ProcessIdentity.of
                // takes it), but pidfd_open refuses it (EINVAL before Linux 6.9, ENOENT since)
                long leader = threadGroupOf(pid);
                if (leader > 0 && leader != pid) {
                    throw new IllegalArgumentException(subject + " is a thread of process " + leader
                            + ", not a process: nothing was sent (send to process " + leader + ")");
                }
            }
            if (e.errno() != Errno.ESRCH) {
                throw e;
            }
            throw Errno.exception(Errno.ESRCH, "pidfd_open", subject + ": that process has ended (pid " + pid
                    + " is free); nothing was sent");
        }
        if (pidfd < 0) {
            throw new UnsupportedOperationException("cannot send signal " + signal + " to " + subject
                    + " safely against pid reuse: pidfd_open is not available (Linux 5.3+, or refused by a seccomp "
                    + "filter); nothing was sent");
        }
        try {
            Optional<ProcessIdentity> now = ProcessIdentity.of(pid); // read after the open: see above
            if (!now.equals(Optional.of(process))) {
                throw Errno.exception(Errno.ESRCH, call, subject + ": that process has ended ("
                        + now.map(other -> "pid " + pid + " now belongs to another process, started at tick "
                                + other.startTime())
                        .orElse("a zombie its parent has not reaped yet, or gone") + "); nothing was sent");
            }
            Libc.ensureAvailability();
            MemorySegment state = Libc.captureState();
            long rc;
            try {
                rc = (long) Pidfd.SYSCALL.invokeExact(state, SYS_PIDFD_SEND_SIGNAL, (long) pidfd, (long) signal, 0L, 0L);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc != 0) {
                int errno = Libc.errno(state);
                throw Errno.exception(errno, call, subject + (errno == Errno.ESRCH
                        ? ": that process ended while the signal was being sent; nothing was sent" : ""));
            }
        } finally {
            Libc.close(pidfd);
        }
    }

    /**
     * The {@code Tgid} of {@code /proc/<tid>/status}: the process of thread {@code tid}; -1 if unreadable (ended).
     * Read as ISO-8859-1: the thread's name on its first line is bytes as the thread set them, no text in any charset.
     */
    private static long threadGroupOf(int tid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + tid + "/status"),
                    java.nio.charset.StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("Tgid:")) {
                    return Long.parseLong(line.substring(5).strip());
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // gone meanwhile, or not readable: the caller reports pidfd_open's own error
        }
        return -1;
    }

    private static void send(MethodHandle handle, String call, int id, int signal, String subject) {
        checkSignal(signal);
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) handle.invokeExact(state, id, signal);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), call + "(signal " + signal + ")", subject);
        }
    }

    /**
     * {@code getpgid(2)}: the process group of process {@code pid}, or 0 if the group's leader is in
     * an ancestor pid namespace (a container whose processes kept the group of the process that
     * started it outside).
     */
    public static long getpgid(long pid) {
        int id = checkId(pid, "pid");
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Groups.GETPGID.invokeExact(state, id);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc < 0) {
            throw Errno.exception(Libc.errno(state), "getpgid", "pid " + pid);
        }
        return rc;
    }

    /**
     * {@code setpgid(2)}: moves process {@code pid} (0: the caller) into process group {@code pgid}
     * (0: a new group whose id is the moved process's pid). The group must be in the caller's
     * session; a parent may move a child only before the child executes a new program.
     */
    public static void setpgid(long pid, long pgid) {
        if (pid < 0 || pid > Integer.MAX_VALUE || pgid < 0 || pgid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("setpgid needs a pid and a group id in 0.." + Integer.MAX_VALUE
                    + ", got " + pid + " and " + pgid);
        }
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Groups.SETPGID.invokeExact(state, (int) pid, (int) pgid);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "setpgid", "pid " + pid + " into group " + pgid);
        }
    }

    /**
     * {@code getsid(2)}: the session of process {@code pid} (the pid of the session's leader), or 0
     * if that leader is in an ancestor pid namespace (a container started from a session outside it,
     * as CI runners and {@code unshare --pid} do).
     */
    public static long getsid(long pid) {
        int id = checkId(pid, "pid");
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Groups.GETSID.invokeExact(state, id);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc < 0) {
            throw Errno.exception(Libc.errno(state), "getsid", "pid " + pid);
        }
        return rc;
    }

    /** {@code gettid(2)}: the kernel id of the calling OS thread (the carrier, for a virtual thread). */
    public static int gettid() {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        try {
            return (int) (long) Threads.SYSCALL.invokeExact(state, SYS_GETTID, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code tgkill(2)}: sends {@code signal} to thread {@code tid} of this process only (a thread id
     * reused by another process is never hit).
     *
     * @throws io.jipc.ErrnoException {@code ESRCH} if this process has no such thread
     */
    public static void tgkill(int tid, int signal) {
        checkSignal(signal);
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        long rc;
        try {
            rc = (long) Threads.SYSCALL.invokeExact(state, SYS_TGKILL, ProcessHandle.current().pid(), (long) tid,
                    (long) signal);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "tgkill(signal " + signal + ")", "thread " + tid);
        }
    }

    /**
     * Whether this process catches {@code signal} with a handler installed without
     * {@code SA_RESTART}: then a blocking system call of a thread that receives it returns
     * {@code EINTR} instead of being restarted, and the signal does not terminate the process. The
     * disposition is only read ({@code sigaction(2)} with no new action).
     */
    public static boolean interruptsWithoutRestart(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = disposition(signal, arena);
            int flags = action.get(JAVA_INT, SIGACTION_FLAGS_OFFSET);
            return caught(action) && (flags & SA_RESTART) == 0;
        }
    }

    /**
     * Whether this process catches {@code signal} with a handler: its disposition is neither the
     * default action ({@code SIG_DFL}) nor ignored ({@code SIG_IGN}). Inside a JVM such a handler is
     * the virtual machine's (which may dispatch to Java handlers). The disposition is only read
     * ({@code sigaction(2)} with no new action); safe from any thread, never blocks.
     */
    public static boolean isCaught(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            return caught(disposition(signal, arena));
        }
    }

    /**
     * Whether the calling OS thread blocks {@code signal} (1..{@value #MAX_SIGNAL}) in its signal mask
     * ({@code pthread_sigmask(3)}, only read). The mask is per thread: a new thread starts with the
     * mask of the thread that created it, so a signal a process inherited blocked across
     * {@code exec} is blocked in every thread it starts, unless a thread unblocks it for itself
     * (HotSpot does so in each of its threads only for the signals it uses itself). The kernel
     * delivers a signal sent to the process to one thread that does not block it; while every thread
     * blocks it, it stays pending. On a virtual thread this is the mask of its current carrier.
     */
    public static boolean isBlockedInThisThread(int signal) {
        checkMaskable(signal);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(SIGSET_SIZE, 8);
            sigmask(SIG_BLOCK, MemorySegment.NULL, old, signal);
            return (old.get(JAVA_LONG, 0) & bit(signal)) != 0;
        }
    }

    /**
     * Blocks or unblocks {@code signal} (1..{@value #MAX_SIGNAL}) for the calling OS thread only
     * ({@code pthread_sigmask(3)}); the other threads keep their masks. A pending signal that gets
     * unblocked is delivered to this thread before the call returns, to the handler in place then.
     * The C library keeps its own signals (32 and 33 in glibc) unblocked whatever is asked.
     *
     * @throws IllegalStateException if called on a virtual thread: the mask would belong to whichever
     *                               carrier runs it now, and stay with that carrier
     */
    public static void setBlockedInThisThread(int signal, boolean blocked) {
        checkMaskable(signal);
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("the signal mask of a virtual thread is its carrier's: block or "
                    + "unblock signal " + signal + " on a platform thread");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(SIGSET_SIZE, 8);
            set.set(JAVA_LONG, 0, bit(signal));
            sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, set, MemorySegment.NULL, signal);
        }
    }

    private static void sigmask(int how, MemorySegment set, MemorySegment old, int signal) {
        Libc.ensureAvailability();
        int rc;
        try {
            rc = (int) Mask.PTHREAD_SIGMASK.invokeExact(how, set, old);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(rc, "pthread_sigmask", "signal " + signal);
        }
    }

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    private static void checkMaskable(int signal) {
        if (signal < 1 || signal > MAX_SIGNAL) {
            throw new IllegalArgumentException("signal number must be 1.." + MAX_SIGNAL + ", got " + signal);
        }
    }

    /** The {@code struct sigaction} of {@code signal}, read into {@code arena}. */
    private static MemorySegment disposition(int signal, Arena arena) {
        checkSignal(signal);
        Libc.ensureAvailability();
        MemorySegment old = arena.allocate(SIGACTION_SIZE, 8);
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Disposition.SIGACTION.invokeExact(state, signal, MemorySegment.NULL, old);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "sigaction", "signal " + signal);
        }
        return old;
    }

    private static boolean caught(MemorySegment action) {
        long handler = action.get(JAVA_LONG, 0);
        return handler != SIG_DFL && handler != SIG_IGN;
    }

    private static int checkId(long id, String what) {
        if (id < 1 || id > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " must be 1.." + Integer.MAX_VALUE + " (0 and negative values "
                    + "address whole groups of processes in kill(2)), got " + id);
        }
        return (int) id;
    }

    private static void checkSignal(int signal) {
        if (signal < 0 || signal > MAX_SIGNAL) {
            throw new IllegalArgumentException("signal number must be 0.." + MAX_SIGNAL + ", got " + signal);
        }
    }
}
