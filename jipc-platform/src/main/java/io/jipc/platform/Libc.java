package io.jipc.platform;

import io.jipc.ErrnoException;
import io.jipc.JipcException;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Every downcall jipc makes into the C library, in one place.
 *
 * <p>Each method either succeeds or throws an {@link ErrnoException} that names the errno (captured
 * with {@link Linker.Option#captureCallState(String...)}, never read from a stale thread-local), the
 * call and its subject. {@code EINTR} is retried where the call is restartable. Methods are safe to
 * call from any thread, including virtual threads (a call that may block for long, such as
 * {@link #futexWait}, pins the carrier; {@link Futex} avoids that).
 *
 * <p>Supported platforms are Linux on x86-64 and aarch64 with glibc; elsewhere
 * {@link #isAvailable()} is false, {@link #unavailabilityCause()} says why and every call throws
 * {@link UnsupportedOperationException}.
 */
public final class Libc {
    // ---- open(2) flags; the ones that differ between architectures are chosen at class init ----
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    /** Open for naming only: no read or write, never blocks (a FIFO, a socket file); see {@link #chmodOpened}. */
    public static final int O_PATH = 010000000;
    public static final int O_NOFOLLOW;
    public static final int O_DIRECTORY;

    // ---- st_mode bits ----
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int MAP_POPULATE = 0x8000;
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final int FUTEX_CMP_REQUEUE = 4;
    private static final long SYS_FUTEX;
    private static final long SYS_MEMBARRIER;
    private static final long SYS_GETDENTS64;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    static final AddressLayout C_STRING = ADDRESS.withTargetLayout(
            MemoryLayout.sequenceLayout(Long.MAX_VALUE, java.lang.foreign.ValueLayout.JAVA_BYTE));

    /** Per-thread scratch: the errno capture state at 0, a struct timespec at 16. */
    private static final long SCRATCH_TIMESPEC = 16;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(32, 16));

    /** The soname of glibc on x86-64 and aarch64. */
    private static final String C_LIBRARY = "libc.so.6";
    private static final String UNAVAILABLE;
    /** The JDK's default lookup, or that and {@link #C_LIBRARY} when the default one is empty; null when unavailable. */
    private static final SymbolLookup SYMBOLS;

    static {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String unavailable = null;
        if (!os.startsWith("linux")) {
            unavailable = "jipc needs Linux; this is " + System.getProperty("os.name");
        }
        switch (arch) {
            case "aarch64", "arm64" -> {
                O_NOFOLLOW = 0100000;
                O_DIRECTORY = 040000;
                SYS_FUTEX = 98;
                SYS_MEMBARRIER = 283;
                SYS_GETDENTS64 = 61;
            }
            case "amd64", "x86_64" -> {
                O_NOFOLLOW = 0400000;
                O_DIRECTORY = 0200000;
                SYS_FUTEX = 202;
                SYS_MEMBARRIER = 324;
                SYS_GETDENTS64 = 217;
            }
            default -> {
                O_NOFOLLOW = 0400000;
                O_DIRECTORY = 0200000;
                SYS_FUTEX = -1;
                SYS_MEMBARRIER = -1;
                SYS_GETDENTS64 = -1;
                if (unavailable == null) {
                    unavailable = "jipc supports x86-64 and aarch64; this is " + arch;
                }
            }
        }
        SymbolLookup symbols = null;
        if (unavailable == null) {
            symbols = LINKER.defaultLookup();
            if (symbols.find("open").isEmpty()) {
                // The JDK makes its default lookup once per JVM by loading a library of its own, and
                // keeps it empty for good if that load failed: it does when the first lookup of the JVM
                // comes with no file descriptor free. The C library itself is loaded already (the JVM
                // runs on it), and loading a loaded library opens no file. (Until 2026-12-07 jipc took
                // the empty lookup for a C library without 'open' and stayed unavailable for the life of
                // the JVM: "glibc 2.28 or later is needed".)
                try {
                    symbols = symbols.or(SymbolLookup.libraryLookup(C_LIBRARY, Arena.global()));
                } catch (IllegalArgumentException | IllegalCallerException e) {
                    unavailable = "the JDK's default lookup of C functions finds none (it stays empty for the"
                            + " life of the JVM if it was first made with no file descriptor free), and "
                            + C_LIBRARY + " cannot be loaded: " + e.getMessage();
                }
            }
        }
        SYMBOLS = unavailable == null ? symbols : null;
        if (unavailable == null) {
            for (String name : new String[] {"open", "close", "fchmod", "fallocate", "posix_fallocate", "ftruncate",
                    "statx", "mmap", "munmap", "mkdir", "unlink", "rmdir", "mkfifo", "chmod", "read", "pread", "write",
                    "geteuid", "sysconf", "syscall"}) {
                if (SYMBOLS.find(name).isEmpty()) {
                    unavailable = "the C library has no symbol '" + name + "' (glibc 2.28 or later is needed)";
                    break;
                }
            }
        }
        UNAVAILABLE = unavailable;
    }

    /*
     * Each downcall handle lives in a holder class, linked on first use: linking all of them up
     * front cost about 200 ms of start-up in every process, and a static final handle is a
     * constant the JIT inlines through.
     */
    private static final class Open {
        static final MethodHandle H = errno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    }

    private static final class Close {
        static final MethodHandle H = errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    }

    private static final class Fchmod {
        static final MethodHandle H = errno("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    }

    private static final class Fallocate {
        static final MethodHandle H = errno("fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), -1);
        static final MethodHandle POSIX = plain("posix_fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    private static final class Ftruncate {
        static final MethodHandle H = errno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), -1);
    }

    private static final class Statx {
        static final MethodHandle H = errno("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), -1);
    }

    private static final class Mmap {
        static final MethodHandle H = errno("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), -1);
        static final MethodHandle MUNMAP = errno("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), -1);
    }

    private static final class PathCalls {
        static final MethodHandle MKDIR = errno("mkdir", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle UNLINK = errno("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS), -1);
        static final MethodHandle RMDIR = errno("rmdir", FunctionDescriptor.of(JAVA_INT, ADDRESS), -1);
        static final MethodHandle MKFIFO = errno("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle CHMOD = errno("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    }

    private static final class ReadWrite {
        static final MethodHandle READ = errno("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), -1);
        static final MethodHandle WRITE = errno("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), -1);
        static final MethodHandle PREAD = errno("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG), -1);
    }

    private static final class Ioctl {
        static final MethodHandle H = errno("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    }

    /** {@code FIONREAD} (= {@code SIOCINQ}) of Linux. */
    private static final long FIONREAD = 0x541B;
    /** {@code TIOCOUTQ} (= {@code SIOCOUTQ}) of Linux. */
    private static final long TIOCOUTQ = 0x5411;

    /**
     * Bytes the kernel holds for {@code fd} to be read ({@code ioctl(FIONREAD)}, which is a socket's
     * {@code SIOCINQ}): for a pipe or FIFO, a stream socket's receive queue. Only looks: nothing is
     * consumed. Any thread; does not block. For {@link Pipes#available} and {@link Sockets#unreadBytes}.
     *
     * @param call    the call's name in an error's message, e.g. {@code ioctl(SIOCINQ)}
     * @param subject names the descriptor in an error's message
     */
    static int unreadBytes(int fd, String call, String subject) {
        return ioctlCount(fd, FIONREAD, call, subject);
    }

    /**
     * Bytes a socket's send queue holds ({@code ioctl(SIOCOUTQ)}): for TCP those not yet acknowledged
     * by the peer (sent or not), for a Unix-domain stream socket those its peer has not yet read. Any
     * thread; does not block. For {@link Sockets#unsentBytes}.
     */
    static int queuedToSend(int fd, String subject) {
        return ioctlCount(fd, TIOCOUTQ, "ioctl(SIOCOUTQ)", subject);
    }

    /** An {@code ioctl} that fills an {@code int} count. */
    private static int ioctlCount(int fd, long request, String call, String subject) {
        ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            MemorySegment state = captureState();
            int rc;
            try {
                rc = (int) Ioctl.H.invokeExact(state, fd, request, count);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (rc != 0) {
                throw Errno.exception(errno(state), call, subject);
            }
            return count.get(JAVA_INT, 0);
        }
    }

    private static final class Ids {
        static final MethodHandle GETEUID = plain("geteuid", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle SYSCONF = plain("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    }

    private static final class Syscall {
        static final MethodHandle H = errno("syscall", FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }

    private static final class ErrnoNames {
        static final MethodHandle NAME = optional("strerrorname_np", FunctionDescriptor.of(C_STRING, JAVA_INT));
        static final MethodHandle DESCRIPTION = optional("strerrordesc_np", FunctionDescriptor.of(C_STRING, JAVA_INT));
    }

    private Libc() {
    }

    /*
     * Linking helpers, shared with the other native-call classes of this package (one class per
     * kernel facility: message queues, signals, sockets, ...). Each downcall of the project is linked
     * through these, so errno capture and availability checks work the same everywhere.
     */

    /** Links a C function whose errno must be captured; {@code firstVariadic} is -1 for none. */
    static MethodHandle errno(String name, FunctionDescriptor descriptor, int firstVariadic) {
        Linker.Option capture = Linker.Option.captureCallState("errno");
        return firstVariadic < 0
                ? link(name, descriptor, true, capture)
                : link(name, descriptor, true, capture, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** Links a C function that does not report through errno. */
    static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return link(name, descriptor, true);
    }

    /** Links a C function that may be missing (then {@code null}). */
    static MethodHandle optional(String name, FunctionDescriptor descriptor) {
        return link(name, descriptor, false);
    }

    /** Whether the C library has {@code name} (false when the native layer is unavailable). */
    static boolean hasSymbol(String name) {
        return SYMBOLS != null && SYMBOLS.find(name).isPresent();
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, boolean required,
                                     Linker.Option... options) {
        if (SYMBOLS == null) {
            return null;
        }
        Optional<MemorySegment> symbol = SYMBOLS.find(name);
        if (symbol.isEmpty()) {
            if (required) {
                throw new UnsupportedOperationException("the C library has no symbol '" + name + "'");
            }
            return null;
        }
        return LINKER.downcallHandle(symbol.get(), descriptor, options);
    }

    // ------------------------------------------------------------------ availability

    /** Whether the native layer works on this platform. */
    public static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** Why the native layer does not work here, or empty when it does. */
    public static Optional<String> unavailabilityCause() {
        return Optional.ofNullable(UNAVAILABLE);
    }

    /** Throws {@link UnsupportedOperationException} with the cause when unavailable. */
    public static void ensureAvailability() {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException("jipc native layer unavailable: " + UNAVAILABLE);
        }
    }

    // ------------------------------------------------------------------ files

    /** {@code open(2)}; returns the file descriptor. */
    public static int open(String path, int flags, int mode) {
        ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment cPath = arena.allocateFrom(path);
            while (true) {
                int fd;
                try {
                    fd = (int) Open.H.invokeExact(state, cPath, flags, mode);
                } catch (Throwable t) {
                    throw rethrow(t);
                }
                if (fd >= 0) {
                    return fd;
                }
                int errno = errno(state);
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "open", path);
                }
            }
        }
    }

    /** {@code close(2)}. An {@code EINTR} is not retried (the descriptor is released anyway on Linux). */
    public static void close(int fd) {
        ensureAvailability();
        MemorySegment state = captureState();
        int rc;
        try {
            rc = (int) Close.H.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        int errno = rc == 0 ? 0 : errno(state);
        if (rc != 0 && errno != Errno.EINTR) {
            throw Errno.exception(errno, "close", "fd " + fd);
        }
    }

    /** {@code fchmod(2)}: sets the permission bits exactly, whatever the umask was at creation. */
    public static void fchmod(int fd, int mode, String subject) {
        ensureAvailability();
        MemorySegment state = captureState();
        int rc;
        try {
            rc = (int) Fchmod.H.invokeExact(state, fd, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(errno(state), "fchmod", subject);
        }
    }

    /**
     * Sets the permission bits of the file that {@code pathFd} refers to — a descriptor opened with
     * {@link #O_PATH} (with {@link #O_NOFOLLOW}: never a link's target) — and of no other file, even
     * if its path now names another one. {@code fchmod} refuses such descriptors ({@code EBADF}), so
     * this is {@code chmod(2)} of {@code /proc/self/fd/<pathFd>}, a link to exactly that inode (needs
     * {@code /proc}). An errno is reported as from {@code chmod} of {@code subject}.
     */
    public static void chmodOpened(int pathFd, int mode, String subject) {
        pathCall(PathCalls.CHMOD, "chmod", "/proc/self/fd/" + pathFd, subject, mode, true);
    }

    /**
     * Reserves {@code length} bytes of storage for the file, so that a full file system is reported
     * here as {@code ENOSPC} rather than as a {@code SIGBUS} when a mapped page is first touched.
     * Uses {@code fallocate(2)}, falling back to {@code posix_fallocate(3)} where the file system
     * does not support it.
     */
    public static void allocate(int fd, long length, String subject) {
        ensureAvailability();
        MemorySegment state = captureState();
        int rc;
        while (true) {
            try {
                rc = (int) Fallocate.H.invokeExact(state, fd, 0, 0L, length);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (rc == 0) {
                return;
            }
            int errno = errno(state);
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno != Errno.EOPNOTSUPP) {
                throw Errno.exception(errno, "fallocate", subject);
            }
            break;
        }
        try {
            rc = (int) Fallocate.POSIX.invokeExact(fd, 0L, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(rc, "posix_fallocate", subject);
        }
    }

    /** {@code ftruncate(2)}. */
    public static void ftruncate(int fd, long length, String subject) {
        ensureAvailability();
        MemorySegment state = captureState();
        int rc;
        try {
            rc = (int) Ftruncate.H.invokeExact(state, fd, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(errno(state), "ftruncate", subject);
        }
    }

    /** {@code fstat} of an open descriptor (through {@code statx(2)}, whose layout is the same on every architecture). */
    public static FileStatus fstat(int fd, String subject) {
        ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            return statx(arena, fd, arena.allocateFrom(""), AT_EMPTY_PATH, subject, "fstat");
        }
    }

    /** {@code lstat} of a path: a symbolic link is described, not followed. */
    public static FileStatus lstat(String path) {
        ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            return statx(arena, AT_FDCWD, arena.allocateFrom(path), AT_SYMLINK_NOFOLLOW, path, "lstat");
        }
    }

    private static FileStatus statx(Arena arena, int dirFd, MemorySegment cPath, int flags, String subject,
                                    String call) {
        MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
        MemorySegment buf = arena.allocate(256, 8);
        int rc;
        try {
            rc = (int) Statx.H.invokeExact(state, dirFd, cPath, flags, STATX_BASIC_STATS, buf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(errno(state), call, subject);
        }
        int mode = Short.toUnsignedInt(buf.get(JAVA_SHORT, 28));
        int uid = buf.get(JAVA_INT, 20);
        int gid = buf.get(JAVA_INT, 24);
        long inode = buf.get(JAVA_LONG, 32);
        long size = buf.get(JAVA_LONG, 40);
        long device = ((long) buf.get(JAVA_INT, 136) << 32) | Integer.toUnsignedLong(buf.get(JAVA_INT, 140));
        int links = buf.get(JAVA_INT, 16);
        long mtimeSeconds = buf.get(JAVA_LONG, 112);
        long blocks = buf.get(JAVA_LONG, 48);
        return new FileStatus(device, inode, mode, uid, gid, size, links, mtimeSeconds, blocks);
    }

    /** {@code mkdir(2)}. */
    public static void mkdir(String path, int mode) {
        pathCall(PathCalls.MKDIR, "mkdir", path, path, mode, true);
    }

    /** {@code mkfifo(3)}. */
    public static void mkfifo(String path, int mode) {
        pathCall(PathCalls.MKFIFO, "mkfifo", path, path, mode, true);
    }

    /** {@code unlink(2)}. */
    public static void unlink(String path) {
        pathCall(PathCalls.UNLINK, "unlink", path, path, 0, false);
    }

    /** {@code rmdir(2)}. */
    public static void rmdir(String path) {
        pathCall(PathCalls.RMDIR, "rmdir", path, path, 0, false);
    }

    private static void pathCall(MethodHandle handle, String call, String path, String subject, int mode,
                                 boolean withMode) {
        ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment cPath = arena.allocateFrom(path);
            int rc;
            try {
                rc = withMode ? (int) handle.invokeExact(state, cPath, mode) : (int) handle.invokeExact(state, cPath);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (rc != 0) {
                throw Errno.exception(errno(state), call, subject);
            }
        }
    }

    /** The effective user id of this process. */
    public static int geteuid() {
        ensureAvailability();
        try {
            return (int) Ids.GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Clock ticks per second ({@code sysconf(_SC_CLK_TCK)}), the unit of times in {@code /proc/<pid>/stat}. */
    public static long clockTicksPerSecond() {
        ensureAvailability();
        try {
            long ticks = (long) Ids.SYSCONF.invokeExact(2 /* _SC_CLK_TCK */);
            return ticks > 0 ? ticks : 100;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ memory mapping

    /**
     * Maps {@code length} bytes of {@code fd} shared ({@code MAP_SHARED}) and returns them as a
     * segment of {@code arena}; closing the arena unmaps them. The descriptor may be closed right
     * after: the mapping keeps the file alive.
     *
     * @param populate pre-fault the pages ({@code MAP_POPULATE}) so the first accesses do not fault
     */
    public static MemorySegment mapShared(int fd, long length, boolean writable, boolean populate, Arena arena,
                                          String subject) {
        ensureAvailability();
        MemorySegment state = captureState();
        int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
        int flags = MAP_SHARED | (populate ? MAP_POPULATE : 0);
        long address;
        try {
            address = (long) Mmap.H.invokeExact(state, 0L, length, prot, flags, fd, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (address == -1L) {
            throw Errno.exception(errno(state), "mmap", subject);
        }
        final long mapped = address;
        return MemorySegment.ofAddress(address).reinterpret(length, arena, ignored -> munmap(mapped, length));
    }

    /** {@code munmap(2)}; failures are impossible for a range jipc mapped, and are ignored. */
    static void munmap(long address, long length) {
        MemorySegment state = captureState();
        try {
            int ignored = (int) Mmap.MUNMAP.invokeExact(state, address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Bytes of {@code struct linux_dirent64} records one {@code getdents64} call may fill. */
    private static final int DIRENT_BUFFER = 32 * 1024;
    /** Offsets in a {@code struct linux_dirent64} (the same on every architecture). */
    private static final long DIRENT_RECLEN = 16;
    private static final long DIRENT_NAME = 19;

    /**
     * The names in the directory {@code path}, without {@code .} and {@code ..}, in the kernel's order:
     * {@code open(2)} and {@code getdents64(2)} on one descriptor. For a listing whose errno matters
     * (the JDK's listing opens two descriptors and gives no errno: a process short of descriptors gets
     * a {@code FileSystemException} saying "Too many open files"). A name that is not UTF-8 has its
     * bad bytes replaced. Any thread; blocks only in the system calls.
     *
     * @throws ErrnoException from {@code open(2)} ({@code ENOENT}, {@code ENOTDIR}, {@code EACCES},
     *                        {@code EMFILE} in a process out of descriptors) or {@code getdents64(2)},
     *                        naming {@code path}
     */
    public static List<String> listDirectory(String path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(DIRENT_BUFFER, 8);
            MemorySegment state = captureState();
            List<String> names = new ArrayList<>();
            while (true) {
                long filled;
                try {
                    filled = (long) Syscall.H.invokeExact(state, SYS_GETDENTS64, (long) fd, buffer.address(),
                            (long) DIRENT_BUFFER, 0L, 0L, 0L);
                } catch (Throwable t) {
                    throw rethrow(t);
                }
                if (filled == 0) {
                    return names;
                }
                if (filled < 0) {
                    int errno = errno(state);
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    throw Errno.exception(errno, "getdents64", path);
                }
                for (long at = 0; at < filled; at += Short.toUnsignedInt(buffer.get(JAVA_SHORT, at + DIRENT_RECLEN))) {
                    String name = buffer.getString(at + DIRENT_NAME);
                    if (!name.equals(".") && !name.equals("..")) {
                        names.add(name);
                    }
                }
            }
        } finally {
            close(fd);
        }
    }

    // ------------------------------------------------------------------ read / write

    /**
     * Reads {@code fd} from where it is until its end or {@code limit} bytes, whichever comes first
     * ({@link #read} until it returns 0), into a new array: a small file of {@code /proc} or of a jipc
     * directory whose errno matters (the JDK's file API does not give it). Any caller; blocks as
     * {@code read(2)} does on that descriptor.
     *
     * @throws ErrnoException from {@code read(2)}, naming {@code subject}
     */
    public static byte[] readUpTo(int fd, int limit, String subject) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, limit));
            long length = 0;
            while (length < limit) {
                long n = read(fd, buffer.address() + length, limit - length, subject);
                if (n == 0) {
                    break;
                }
                length += n;
            }
            return buffer.asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    /** {@code read(2)} into native memory at {@code address}; returns bytes read, 0 at end of file. */
    public static long read(int fd, long address, long length, String subject) {
        ensureAvailability();
        MemorySegment state = captureState();
        while (true) {
            long n;
            try {
                n = (long) ReadWrite.READ.invokeExact(state, fd, address, length);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = errno(state);
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, "read", subject);
            }
        }
    }

    /**
     * {@code pread(2)} into native memory at {@code address} from file offset {@code offset} (the
     * descriptor's own offset is untouched); returns bytes read, 0 at end of file.
     */
    public static long pread(int fd, long address, long length, long offset, String subject) {
        ensureAvailability();
        MemorySegment state = captureState();
        while (true) {
            long n;
            try {
                n = (long) ReadWrite.PREAD.invokeExact(state, fd, address, length, offset);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = errno(state);
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, "pread", subject);
            }
        }
    }

    /** {@code write(2)} from native memory at {@code address}; returns bytes written. */
    public static long write(int fd, long address, long length, String subject) {
        ensureAvailability();
        MemorySegment state = captureState();
        while (true) {
            long n;
            try {
                n = (long) ReadWrite.WRITE.invokeExact(state, fd, address, length);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = errno(state);
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, "write", subject);
            }
        }
    }

    // ------------------------------------------------------------------ futex

    /** Result of {@link #futexWait}: woken by {@code FUTEX_WAKE} (or spuriously). */
    public static final int FUTEX_WOKEN = 0;

    /**
     * {@code futex(FUTEX_WAIT)} on the 32-bit word at {@code address}, which must lie in a
     * {@code MAP_SHARED} mapping (the non-private operation, so waiters and wakers may be in
     * different processes). Sleeps only if the word still holds {@code expected}.
     *
     * <p>Blocks the calling OS thread. An unmapped {@code address} fails cleanly with {@code EFAULT}.
     *
     * @param timeoutNanos relative timeout, or a negative value to wait without one
     * @return {@link #FUTEX_WOKEN}, or {@link Errno#EAGAIN} (the word did not hold {@code expected}),
     *         {@link Errno#ETIMEDOUT}, {@link Errno#EINTR} or {@link Errno#EFAULT} (not mapped)
     */
    public static int futexWait(long address, int expected, long timeoutNanos) {
        ensureAvailability();
        MemorySegment scratch = SCRATCH.get();
        long timeout = 0L;
        if (timeoutNanos >= 0) {
            scratch.set(JAVA_LONG, SCRATCH_TIMESPEC, timeoutNanos / 1_000_000_000L);
            scratch.set(JAVA_LONG, SCRATCH_TIMESPEC + 8, timeoutNanos % 1_000_000_000L);
            timeout = scratch.address() + SCRATCH_TIMESPEC;
        }
        long rc;
        try {
            rc = (long) Syscall.H.invokeExact(scratch, SYS_FUTEX, address, (long) FUTEX_WAIT,
                    Integer.toUnsignedLong(expected), timeout, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc == 0) {
            return FUTEX_WOKEN;
        }
        int errno = errno(scratch);
        if (errno == Errno.EAGAIN || errno == Errno.ETIMEDOUT || errno == Errno.EINTR || errno == Errno.EFAULT) {
            return errno;
        }
        throw Errno.exception(errno, "futex wait", "0x" + Long.toHexString(address));
    }

    /**
     * {@code futex(FUTEX_WAKE)}: wakes up to {@code count} waiters on the word at {@code address}, in
     * any process. Returns the number woken.
     */
    public static int futexWake(long address, int count) {
        ensureAvailability();
        MemorySegment scratch = SCRATCH.get();
        long rc;
        try {
            rc = (long) Syscall.H.invokeExact(scratch, SYS_FUTEX, address, (long) FUTEX_WAKE, (long) count, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc < 0) {
            throw Errno.exception(errno(scratch), "futex wake", "0x" + Long.toHexString(address));
        }
        return (int) rc;
    }

    /** A word nobody waits on, the requeue target of {@link #futexHolds}. */
    private static final class RequeueTarget {
        static final MemorySegment WORD = Arena.global().allocate(4, 4);
    }

    /**
     * Whether the 32-bit word at {@code address} holds {@code expected}, read by the kernel, so an
     * unmapped {@code address} answers {@code false} ({@code EFAULT}) instead of crashing the process.
     * Never sleeps and wakes nobody: {@code futex(FUTEX_CMP_REQUEUE)} with no waiter to wake or move
     * (onto a private word), which compares the word first ({@code EAGAIN} when it differs); the word
     * may lie in a read-only mapping. A
     * {@code FUTEX_WAIT} with a zero timeout would answer the same but sleeps until its timer fires,
     * which the timer slack puts up to 50 µs later.
     */
    public static boolean futexHolds(long address, int expected) {
        // the target is a word of our own: the kernel wants write access to a requeue target, and the
        // word compared may lie in a read-only mapping (nothing is ever moved to the target)
        ensureAvailability();
        MemorySegment scratch = SCRATCH.get();
        long rc;
        try {
            rc = (long) Syscall.H.invokeExact(scratch, SYS_FUTEX, address, (long) FUTEX_CMP_REQUEUE, 0L, 0L,
                    RequeueTarget.WORD.address(), Integer.toUnsignedLong(expected));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc >= 0) {
            return true;
        }
        int errno = errno(scratch);
        if (errno == Errno.EAGAIN || errno == Errno.EFAULT) {
            return false;
        }
        throw Errno.exception(errno, "futex compare", "0x" + Long.toHexString(address));
    }

    // ------------------------------------------------------------------ membarrier

    /**
     * {@code membarrier(cmd, 0)}: returns the call's result (for {@code MEMBARRIER_CMD_QUERY} the
     * bit mask of supported commands), or {@code -errno} on failure (it is expected to fail where
     * the kernel or a seccomp filter does not allow it, so no exception is thrown).
     */
    public static long membarrier(int command) {
        ensureAvailability();
        MemorySegment scratch = SCRATCH.get();
        long rc;
        try {
            rc = (long) Syscall.H.invokeExact(scratch, SYS_MEMBARRIER, (long) command, 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return rc < 0 ? -errno(scratch) : rc;
    }

    // ------------------------------------------------------------------ errno names

    static String errnoName(int errno) {
        return errnoString(ErrnoNames.NAME, errno);
    }

    static String errnoDescription(int errno) {
        return errnoString(ErrnoNames.DESCRIPTION, errno);
    }

    private static String errnoString(MethodHandle handle, int errno) {
        if (handle == null) {
            return null;
        }
        try {
            MemorySegment s = (MemorySegment) handle.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? null : s.getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** This thread's errno capture buffer, the first argument of every errno-capturing handle. */
    static MemorySegment captureState() {
        return SCRATCH.get();
    }

    /** The errno a call left in {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO_HANDLE.get(state, 0L);
    }

    /** Rethrows what a {@code MethodHandle.invokeExact} threw, wrapping checked throwables. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new JipcException("unexpected exception from a native call", t);
    }
}
