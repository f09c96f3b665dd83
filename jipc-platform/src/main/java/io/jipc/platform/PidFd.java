package io.jipc.platform;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.OptionalInt;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Process file descriptors ({@code pidfd_open(2)}, Linux 5.3 and later): a descriptor that refers
 * to one process, not to a pid number, and becomes readable ({@link Readiness#POLLIN}) when that process has
 * exited. Any process may open one for any other process of the same pid namespace; no parent-child
 * relation and no signal is needed. Waiting on it in {@link Readiness} is how jipc learns of a death
 * without polling {@code /proc}.
 */
public final class PidFd {
    /** {@code __NR_pidfd_open}: the same on x86-64 and aarch64 (new system calls share one table). */
    private static final long SYS_PIDFD_OPEN = 434;

    private static final class Syscall {
        static final MethodHandle H = Libc.errno("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }

    private PidFd() {
    }

    /**
     * Opens a descriptor for the process {@code identity} names (close-on-exec), or returns empty if
     * that process no longer runs: the pid is gone, is a zombie, or belongs to a later process (its
     * start time differs). Checking the identity <em>after</em> opening makes this exact: a pid cannot
     * be reused while the process the descriptor refers to still exists.
     */
    public static OptionalInt open(ProcessIdentity identity) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        long fd;
        try {
            fd = (long) Syscall.H.invokeExact(state, SYS_PIDFD_OPEN, identity.pid(), 0L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            int errno = Libc.errno(state);
            if (errno == Errno.ESRCH) {
                return OptionalInt.empty();
            }
            throw Errno.exception(errno, "pidfd_open", "pid " + identity.pid());
        }
        if (!identity.isAlive()) {
            Libc.close((int) fd);
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) fd);
    }
}
