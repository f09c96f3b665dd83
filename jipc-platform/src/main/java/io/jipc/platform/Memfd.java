package io.jipc.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Anonymous memory files: {@code memfd_create(2)} and file seals ({@code fcntl(F_ADD_SEALS)}).
 *
 * <p>A memory file has no name in any file system: it is reachable only through file descriptors
 * (of the processes holding one, and through {@code /proc/<pid>/fd} of those processes by whoever
 * may ptrace them) and mappings, and it is freed when the last of them goes. Seals make promises
 * every holder can rely on: after {@link #SEAL_SHRINK} nobody can truncate the file, so a mapping
 * of it can never fault with {@code SIGBUS}.
 */
public final class Memfd {
    /** Seal: no further seals may be added. */
    public static final int SEAL_SEAL = 0x1;
    /** Seal: the file may not shrink. */
    public static final int SEAL_SHRINK = 0x2;
    /** Seal: the file may not grow. */
    public static final int SEAL_GROW = 0x4;

    private static final int MFD_CLOEXEC = 0x1;
    private static final int MFD_ALLOW_SEALING = 0x2;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;

    private static final class Create {
        static final MethodHandle H = Libc.errno("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    }

    private static final class Fcntl {
        static final MethodHandle H = Libc.errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    }

    private Memfd() {
    }

    /**
     * Creates an empty memory file that allows sealing, closed on {@code exec}; returns its
     * descriptor. {@code name} only labels it in {@code /proc/<pid>/fd} and {@code maps}
     * ({@code /memfd:<name>}).
     */
    public static int create(String name) {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.captureState();
            int fd;
            try {
                fd = (int) Create.H.invokeExact(state, arena.allocateFrom(name), MFD_CLOEXEC | MFD_ALLOW_SEALING);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (fd < 0) {
                throw Errno.exception(Libc.errno(state), "memfd_create", name);
            }
            return fd;
        }
    }

    /** Adds {@code seals} (a combination of the {@code SEAL_*} constants) to the memory file {@code fd}. */
    public static void addSeals(int fd, int seals) {
        fcntl(fd, F_ADD_SEALS, seals, "add seals");
    }

    /** The seals of the memory file {@code fd}. */
    public static int seals(int fd) {
        return fcntl(fd, F_GET_SEALS, 0, "get seals");
    }

    private static int fcntl(int fd, int command, int argument, String what) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Fcntl.H.invokeExact(state, fd, command, argument);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc < 0) {
            throw Errno.exception(Libc.errno(state), "fcntl (" + what + ")", "fd " + fd);
        }
        return rc;
    }
}
