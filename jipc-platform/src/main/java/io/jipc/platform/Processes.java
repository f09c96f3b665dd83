package io.jipc.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Downcalls for starting and reaping child processes: {@code posix_spawnp} with file actions,
 * {@code waitpid}, {@code pidfd_open} and {@code kill}. Used by {@code io.jipc.pipe.Command}.
 *
 * <p>glibc's {@code posix_spawnp} starts the child with {@code clone(CLONE_VM|CLONE_VFORK)}, which is
 * safe in a multi-threaded JVM (no {@code fork} of the heap), and reports a failed {@code exec}
 * (such as a missing program) as its result. The child gets exactly the descriptors the
 * {@linkplain SpawnAction actions} give it, and this JVM's 0, 1 and 2 where no action replaces them;
 * every other descriptor of this JVM is closed in the child ({@code posix_spawn_file_actions_addclosefrom_np},
 * glibc 2.34+, else one close action per descriptor open at the time of the call). Its signal mask
 * is empty and every signal has its default disposition.
 */
public final class Processes {
    public static final int SIGTERM = 15;
    public static final int SIGKILL = 9;

    private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int WNOHANG = 1;
    private static final long SYS_PIDFD_OPEN = 434; // the same number on x86-64 and aarch64
    /** Generous sizes for glibc's opaque structures (80 and 336 bytes on 64-bit Linux). */
    private static final long FILE_ACTIONS_SIZE = 256;
    private static final long ATTRIBUTES_SIZE = 512;
    private static final long SIGSET_SIZE = 128;

    private Processes() {
    }

    /** What the child's descriptor table gets before {@code exec}. */
    public sealed interface SpawnAction {
    }

    /** {@code dup2(source, target)} in the child (the target is not close-on-exec). */
    public record Dup2(int source, int target) implements SpawnAction {
    }

    /** {@code open(path, flags, mode)} onto {@code target} in the child. */
    public record OpenFile(int target, String path, int flags, int mode) implements SpawnAction {
    }

    private static final class Spawn {
        static final MethodHandle SPAWNP = Libc.plain("posix_spawnp",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle ACTIONS_INIT = Libc.plain("posix_spawn_file_actions_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ACTIONS_DESTROY = Libc.plain("posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ADD_DUP2 = Libc.plain("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle ADD_OPEN = Libc.plain("posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle ADD_CLOSE = Libc.plain("posix_spawn_file_actions_addclose",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ADD_CLOSEFROM = Libc.optional("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ADD_CHDIR = Libc.optional("posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle ATTR_INIT = Libc.plain("posix_spawnattr_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ATTR_DESTROY = Libc.plain("posix_spawnattr_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ATTR_FLAGS = Libc.plain("posix_spawnattr_setflags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        static final MethodHandle ATTR_SIGMASK = Libc.plain("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle ATTR_SIGDEFAULT = Libc.plain("posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SIGEMPTYSET = Libc.plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SIGFILLSET = Libc.plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class Wait {
        static final MethodHandle WAITPID = Libc.errno("waitpid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle KILL = Libc.errno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        static final MethodHandle SYSCALL = Libc.errno("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }

    /** Whether {@link #spawn} can set the child's working directory (glibc 2.29+). */
    public static boolean canChangeDirectory() {
        Libc.ensureAvailability();
        return Spawn.ADD_CHDIR != null;
    }

    /**
     * Starts {@code argv[0]} (searched in {@code PATH} when it has no slash) with {@code argv} and the
     * environment {@code environment} ({@code NAME=value} strings) and returns its pid.
     *
     * @param directory the child's working directory, or {@code null} for this process's
     * @param actions   applied in order; a source that is also a target means what an earlier action put
     *                  there (as in {@code 2>&1}), so other sources must be numbered above every target
     * @throws io.jipc.ErrnoException naming the program, e.g. {@code ENOENT} when it does not exist
     */
    public static int spawn(List<String> argv, List<String> environment, String directory,
                            List<SpawnAction> actions) {
        Libc.ensureAvailability();
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("no program to start");
        }
        String program = argv.getFirst();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fileActions = arena.allocate(FILE_ACTIONS_SIZE, 16);
            MemorySegment attributes = arena.allocate(ATTRIBUTES_SIZE, 16);
            check(invoke(Spawn.ACTIONS_INIT, fileActions), "posix_spawn_file_actions_init", program);
            try {
                check(invoke(Spawn.ATTR_INIT, attributes), "posix_spawnattr_init", program);
                try {
                    BitSet targets = new BitSet();
                    targets.set(0, 3);
                    for (SpawnAction action : actions) {
                        targets.set(addAction(arena, fileActions, action, program));
                    }
                    int highestTarget = targets.length() - 1;
                    for (int gap = targets.nextClearBit(3); gap < highestTarget; gap = targets.nextClearBit(gap + 1)) {
                        // a descriptor between the targets that the child was not given
                        check(invoke(Spawn.ADD_CLOSE, fileActions, gap), "posix_spawn_file_actions_addclose", program);
                    }
                    closeFrom(fileActions, highestTarget + 1, program);
                    if (directory != null) {
                        if (Spawn.ADD_CHDIR == null) {
                            throw new UnsupportedOperationException(
                                    "setting a child's working directory needs glibc 2.29 or later");
                        }
                        check(invoke(Spawn.ADD_CHDIR, fileActions, arena.allocateFrom(directory)),
                                "posix_spawn_file_actions_addchdir_np", directory);
                    }
                    defaultSignals(arena, attributes, program);
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int rc;
                    try {
                        rc = (int) Spawn.SPAWNP.invokeExact(pid, arena.allocateFrom(program), fileActions,
                                attributes, strings(arena, argv), strings(arena, environment));
                    } catch (Throwable t) {
                        throw Libc.rethrow(t);
                    }
                    check(rc, "posix_spawnp", program);
                    return pid.get(JAVA_INT, 0);
                } finally {
                    invoke(Spawn.ATTR_DESTROY, attributes);
                }
            } finally {
                invoke(Spawn.ACTIONS_DESTROY, fileActions);
            }
        }
    }

    private static int addAction(Arena arena, MemorySegment fileActions, SpawnAction action, String program) {
        int rc;
        int target;
        try {
            switch (action) {
                case Dup2(int source, int to) -> {
                    target = to;
                    rc = (int) Spawn.ADD_DUP2.invokeExact(fileActions, source, to);
                }
                case OpenFile(int to, String path, int flags, int mode) -> {
                    target = to;
                    rc = (int) Spawn.ADD_OPEN.invokeExact(fileActions, to, arena.allocateFrom(path), flags, mode);
                }
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        check(rc, "posix_spawn_file_actions_add", program);
        return target;
    }

    /** Closes every descriptor from {@code first} on in the child, but leaves 0..first-1 alone. */
    private static void closeFrom(MemorySegment fileActions, int first, String program) {
        if (Spawn.ADD_CLOSEFROM != null) {
            check(invoke(Spawn.ADD_CLOSEFROM, fileActions, first), "posix_spawn_file_actions_addclosefrom_np",
                    program);
            return;
        }
        List<Integer> open;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            open = fds.map(p -> Integer.parseInt(p.getFileName().toString())).filter(fd -> fd >= first).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
        for (int fd : open) {
            // a descriptor closed meanwhile makes the child's close fail with EBADF, which glibc ignores
            check(invoke(Spawn.ADD_CLOSE, fileActions, fd), "posix_spawn_file_actions_addclose", program);
        }
    }

    private static void defaultSignals(Arena arena, MemorySegment attributes, String program) {
        MemorySegment empty = arena.allocate(SIGSET_SIZE, 8);
        MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
        invoke(Spawn.SIGEMPTYSET, empty);
        invoke(Spawn.SIGFILLSET, all);
        check(invoke(Spawn.ATTR_SIGMASK, attributes, empty), "posix_spawnattr_setsigmask", program);
        check(invoke(Spawn.ATTR_SIGDEFAULT, attributes, all), "posix_spawnattr_setsigdefault", program);
        int rc;
        try {
            rc = (int) Spawn.ATTR_FLAGS.invokeExact(attributes, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        check(rc, "posix_spawnattr_setflags", program);
    }

    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a NUL character in argument or variable: " + value);
            }
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(value));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static int invoke(MethodHandle handle, MemorySegment first) {
        try {
            return (int) handle.invokeExact(first);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static int invoke(MethodHandle handle, MemorySegment first, MemorySegment second) {
        try {
            return (int) handle.invokeExact(first, second);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static int invoke(MethodHandle handle, MemorySegment first, int second) {
        try {
            return (int) handle.invokeExact(first, second);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The posix_spawn family returns an error number instead of setting errno. */
    private static void check(int rc, String call, String subject) {
        if (rc != 0) {
            throw Errno.exception(rc, call, subject);
        }
    }

    /**
     * {@code waitpid(pid, WNOHANG)}: reaps the child if it has ended and returns its raw wait status
     * (see {@link #exitCode}, {@link #terminatingSignal}); returns -1 while it runs.
     */
    public static int reapIfExited(int pid) {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment state = Libc.captureState();
            while (true) {
                int rc;
                try {
                    rc = (int) Wait.WAITPID.invokeExact(state, pid, status, WNOHANG);
                } catch (Throwable t) {
                    throw Libc.rethrow(t);
                }
                if (rc == pid) {
                    return status.get(JAVA_INT, 0);
                }
                if (rc == 0) {
                    return -1;
                }
                int errno = Libc.errno(state);
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "waitpid", "pid " + pid);
                }
            }
        }
    }

    /** The exit code of a raw wait status, or -1 if the process was killed by a signal. */
    public static int exitCode(int status) {
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1;
    }

    /** The signal that killed the process of a raw wait status, or 0 if it exited. */
    public static int terminatingSignal(int status) {
        return (status & 0x7f) == 0 ? 0 : status & 0x7f;
    }

    /**
     * {@code pidfd_open(2)} (Linux 5.3+): a close-on-exec descriptor that polls readable
     * ({@link Pipes#POLLIN}) once the process has ended; -1 where the kernel lacks the call.
     */
    public static int pidfdOpen(int pid) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        long rc;
        try {
            rc = (long) Wait.SYSCALL.invokeExact(state, SYS_PIDFD_OPEN, (long) pid, 0L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc >= 0) {
            return (int) rc;
        }
        int errno = Libc.errno(state);
        if (errno == Errno.ENOSYS || errno == Errno.EPERM) {
            return -1;
        }
        throw Errno.exception(errno, "pidfd_open", "pid " + pid);
    }

    /** {@code kill(2)}: sends {@code signal} to {@code pid}; returns false if no such process exists. */
    public static boolean kill(int pid, int signal) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Wait.KILL.invokeExact(state, pid, signal);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc == 0) {
            return true;
        }
        int errno = Libc.errno(state);
        if (errno == Errno.ESRCH) {
            return false;
        }
        throw Errno.exception(errno, "kill", "pid " + pid);
    }
}
