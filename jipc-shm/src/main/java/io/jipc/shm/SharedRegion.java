package io.jipc.shm;

import io.jipc.CorruptSegmentException;
import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.Uninterruptibly;
import io.jipc.platform.CreatedFile;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.MemoryBudget;
import io.jipc.platform.Printable;
import io.jipc.platform.SparseFiles;
import io.jipc.ring.FaultInjection;
import io.jipc.segment.CreationLock;
import io.jipc.segment.JipcRoot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A named region of shared memory: a file in a memory file system ({@code tmpfs}) that any process
 * allowed by its permission bits maps by name, with the semantics of {@code shm_open(3)}: it
 * exists from {@link #create} until {@link #unlink}, independently of the processes that use it
 * (not across reboots), and keeps its contents meanwhile.
 *
 * <h2>Names and where the file is</h2>
 * <ul>
 * <li>A <b>jipc name</b> ({@code [A-Za-z0-9_][A-Za-z0-9._-]*}, at most 200 characters) is the file
 *     {@code <jipc root>/region/<name>}, by default {@code /dev/shm/jipc-<uid>/region/<name>}: in
 *     the user's private ({@code 0700}) directory, so only this user (and root) can reach it,
 *     whatever its mode. {@code shm_open(3)} cannot name a file in a subdirectory; a C program
 *     opens it with {@code open(2)} and {@code mmap(2)} of that path ({@link #path(String)}).</li>
 * <li>A <b>POSIX name</b> {@code "/name"} (one leading slash, no other) is what
 *     {@code shm_open("/name", ...)} opens: the file {@code /dev/shm/name}. Its permission bits
 *     decide who else may open it, as for any POSIX shared memory object.</li>
 * </ul>
 * The file holds exactly the region's bytes, with no jipc header, so that C programs share it as
 * is. (A {@link CircularBuffer} is a region whose bytes start with a jipc header; {@code jipc ls}
 * tells them apart by that header.)
 *
 * <h2>Creating and opening</h2>
 * {@link #create} opens the file with {@code O_CREAT|O_EXCL|O_NOFOLLOW}, sets its mode exactly
 * ({@code fchmod}, whatever the umask), reserves its memory ({@code fallocate}: a full
 * {@code /dev/shm} fails there with {@code ENOSPC}, not later as a {@code SIGBUS}; a size beyond
 * what {@link MemoryBudget} allows this process is refused with {@code ENOMEM} before any is
 * allocated) and maps it;
 * the region reads as zeros. {@link #open} maps an existing file read-only or read-write (the
 * kernel checks the permission bits: {@code EACCES}); a symbolic link is refused. A file of size 0
 * (its creator has not given it a size yet) is waited for, briefly. A sparse file (a C program's
 * {@code shm_open} and {@code ftruncate}) has its holes reserved by a read-write {@link #open}, so
 * that a full {@code /dev/shm} is {@code ENOSPC} there rather than a {@code SIGBUS} later (see
 * {@link #open(String, Access)} for the cost and the read-only case).
 *
 * <h2>When a peer dies or misbehaves</h2>
 * Nothing happens to the region when a process that maps it dies; its contents stay. A process
 * that <em>truncates</em> the file (a C program calling {@code ftruncate}) makes this process's
 * accesses beyond the new end fault with {@code SIGBUS}. HotSpot reports the fault of a plain,
 * volatile, get-and-add or get-and-set access as an {@link InternalError} thrown by the access ("a
 * fault occurred in an unsafe memory access operation"), but not always that of a
 * <em>compare-and-set</em> ({@link #compareAndSetInt}, {@link #compareAndSetLong}): one the JVM does
 * not run as compiled code (typically the first calls in a fresh JVM) faults inside the VM
 * ({@code Unsafe_CompareAndSetInt}/{@code Long}), and HotSpot aborts the whole process (exit 134,
 * an {@code hs_err} log). That is a JDK limitation that no Java code can catch; so only share named
 * regions with programs you trust not to truncate them (docs/shared-memory.md, limits).
 * ({@link AnonymousRegion}s are sealed against that.)
 *
 * <p>See {@link Region} for access and the memory-ordering effects of the atomic operations.
 */
public final class SharedRegion extends Region {
    /** Subdirectory of the jipc root that holds named regions. */
    public static final String DIRECTORY = "region";
    /** Directory of POSIX shared memory objects ({@code shm_open} names). */
    public static final Path POSIX_DIRECTORY = Path.of("/dev/shm");

    private static final Pattern JIPC_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");
    /** {@code "/"} and a file name of {@code /dev/shm}: at most NAME_MAX (255) characters, all ASCII here. */
    private static final Pattern POSIX_NAME = Pattern.compile("/[A-Za-z0-9_][A-Za-z0-9._-]{0,254}");
    private static final Duration SIZE_TIMEOUT = Duration.ofSeconds(2);

    private final String name;
    private final Path path;
    private final long device;
    private final long inode;
    private final int permissions;

    private SharedRegion(String name, Path path, Mapping mapping, FileStatus status) {
        super(mapping);
        this.name = name;
        this.path = path;
        this.device = status.device();
        this.inode = status.inode();
        this.permissions = status.permissions();
    }

    /**
     * Creates a region of {@code size} zero bytes with permission bits {@code mode} and maps it
     * read-write. A create that fails after making the file (no room for its size, a mapping
     * refused) removes the file, but only while the name still refers to it: a file another process
     * made under the name meanwhile (after removing this one) is left alone.
     *
     * @throws RegionExistsException    if the name is taken
     * @throws IllegalArgumentException if the name or size is invalid, or {@code mode} is not
     *                                  permission bits that include {@code 0600} (as a mailbox's)
     * @throws ErrnoException           {@code ENOMEM}, nothing allocated (the file removed), when
     *                                  {@code size} exceeds what {@link MemoryBudget} says this
     *                                  process could still take (the pages are charged to its
     *                                  cgroup: a {@code /dev/shm} larger than the cgroup's memory
     *                                  limit would let the OOM killer end this process rather than
     *                                  fail); {@code ENOSPC} when the memory file system is full
     */
    public static SharedRegion create(String name, long size, int mode) {
        if (size <= 0) {
            throw new IllegalArgumentException("region size must be positive: " + size);
        }
        if ((mode & ~0777) != 0 || (mode & 0600) != 0600) { // the creator's user must keep its own region
            throw new IllegalArgumentException("permissions must be within 0777 and include 0600: 0"
                    + Integer.toOctalString(mode));
        }
        Path path = resolve(name, JipcRoot::directory);
        String file = path.toString();
        int fd;
        try {
            fd = Libc.open(file, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, mode);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                throw new RegionExistsException("region '" + name + "' exists (" + file + ")", e);
            }
            throw e;
        }
        try {
            CreationLock.take(fd, file); // held until the file is sized (or removed): see awaitSize
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.AFTER_FILE_CREATED);
            }
            Libc.fchmod(fd, mode, file);
            // pages of /dev/shm are charged to this process's cgroup: more than it may take would not
            // fail with ENOSPC but call in its OOM killer (removed below when refused)
            MemoryBudget.check(size, file);
            Libc.allocate(fd, size, file);
            FileStatus status = Libc.fstat(fd, file);
            return new SharedRegion(name, path, Mapping.of(fd, size, true, file), status);
        } catch (RuntimeException e) {
            // only if the name still names this file: another process may have removed it and made
            // its own under the name meanwhile (until 2026-12-06 that file was removed by name)
            CreatedFile.unlinkQuietlyIfStillNamed(fd, file);
            throw e;
        } finally {
            try {
                CreationLock.release(fd, file); // explicitly: the mapping keeps the description open
            } finally {
                Libc.close(fd);
            }
        }
    }

    /** Creates a region of {@code size} bytes readable and writable by this user only ({@code 0600}). */
    public static SharedRegion create(String name, long size) {
        return create(name, size, 0600);
    }

    /**
     * Maps an existing region. A file with holes (a sparse file: a C program's {@code shm_open} and
     * {@code ftruncate}, never written in full) would fault with {@code SIGBUS} at the first access
     * of a hole once the memory file system is full (tmpfs allocates a page when a hole is touched,
     * read or written; a compare-and-set fault aborts the JVM). So a {@code READ_WRITE} open
     * reserves the holes with {@code fallocate} (the size stays): a full file system is
     * {@code ENOSPC} here. The cost: a deliberately sparse region becomes fully allocated, its whole
     * size taken from {@code /dev/shm} and charged to this process's memory cgroup. A
     * {@code READ_ONLY} open cannot reserve (a read-only descriptor); it refuses the region with
     * {@code ENOSPC} when the file system's free space is below the holes' size, and otherwise
     * leaves it sparse: that is an estimate of the moment, and a hole read after the file system
     * filled still faults. A file without holes (every region jipc created) costs neither.
     *
     * @throws RegionNotFoundException if there is none of that name
     * @throws ErrnoException          {@code EACCES} if its mode does not allow {@code access} to this user;
     *                                 {@code ENOSPC} if the file has holes that the memory file system
     *                                 has no room for (see above), {@code ENOMEM} if they exceed what
     *                                 {@link MemoryBudget} says this process could still take
     * @throws InsecureFileException   if the name is a symbolic link or not a regular file, or a
     *                                 jipc-named region belongs to another user, or (jipc names) the
     *                                 jipc root or its {@code region/} directory is a link, another
     *                                 user's, or open to others ({@link JipcRoot#existing})
     */
    public static SharedRegion open(String name, Access access) {
        Objects.requireNonNull(access, "access");
        Path path = resolve(name, JipcRoot::existing);
        String file = path.toString();
        boolean writable = access == Access.READ_WRITE;
        int fd = openFile(name, file, writable ? Libc.O_RDWR : Libc.O_RDONLY);
        try {
            FileStatus status = Libc.fstat(fd, file);
            if (!status.isRegularFile()) {
                throw new InsecureFileException("refusing region " + file + ": not a regular file");
            }
            if (!isPosixName(name) && status.uid() != Libc.geteuid()) {
                throw new InsecureFileException("refusing region " + file + ": owned by uid "
                        + Integer.toUnsignedString(status.uid()) + ", not by this user");
            }
            status = awaitSize(fd, file, status);
            backHoles(fd, path, status, writable);
            return new SharedRegion(name, path, Mapping.of(fd, status.size(), writable, file), status);
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * Sees that every page of a sparse file (one with holes: a C program's {@code shm_open} and
     * {@code ftruncate}, nothing written) can be backed ({@link SparseFiles#backHoles}).
     */
    private static void backHoles(int fd, Path path, FileStatus status, boolean writable) {
        SparseFiles.backHoles(fd, path, status, writable, "region " + path,
                "a sparse file, as shm_open and ftruncate make");
    }

    /** Maps an existing region read-write. */
    public static SharedRegion open(String name) {
        return open(name, Access.READ_WRITE);
    }

    private static int openFile(String name, String file, int flags) {
        try {
            // O_NONBLOCK: a FIFO planted under the name (a read-only open of one waits for a writer, for
            // ever and deaf to interrupts) opens at once and is refused below; a regular file ignores it
            return Libc.open(file, flags | Libc.O_NONBLOCK | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            switch (e.errno()) {
                case Errno.ENOENT -> throw new RegionNotFoundException("no region '" + name + "' (" + file + ")", e);
                case Errno.ELOOP -> throw new InsecureFileException("refusing region " + file + ": it is a symbolic link");
                case Errno.EISDIR -> throw new InsecureFileException("refusing region " + file + ": a directory");
                // open(2) of a Unix-domain socket's file, or of a device with no driver
                case Errno.ENXIO -> throw new InsecureFileException("refusing region " + file
                        + ": not a regular file (a socket or a device)");
                default -> throw e;
            }
        }
    }

    /**
     * A creator gives the file its size right after creating it; until then it is empty. Waits
     * {@code SIZE_TIMEOUT} for that, and on while the creator is known to be alive and still making
     * the file (it holds the file's {@linkplain CreationLock creation lock}) until
     * {@link CreationLock#LIVE_CREATOR_TIMEOUT}.
     */
    private static FileStatus awaitSize(int fd, String file, FileStatus status) {
        long start = System.nanoTime();
        long deadline = start + SIZE_TIMEOUT.toNanos();
        long liveCreatorDeadline = start + CreationLock.liveCreatorTimeout(SIZE_TIMEOUT).toNanos();
        while (status.size() == 0) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                if (!CreationLock.isHeld(fd, file)) {
                    status = Libc.fstat(fd, file); // its creator may have sized it and let go meanwhile
                    if (status.size() != 0) {
                        break;
                    }
                    throw new CorruptSegmentException("region " + file + " is empty (0 bytes): its creator never"
                            + " gave it a size (it died during creation); remove it");
                }
                if (now - liveCreatorDeadline >= 0) {
                    throw new CorruptSegmentException("region " + file + " is still empty (0 bytes): its creator is"
                            + " alive but has not given it a size (held up for "
                            + TimeUnit.NANOSECONDS.toSeconds(now - start)
                            + " s: stopped, or the machine is overloaded); try again later");
                }
            }
            // not ended by an interrupt, which is kept: SIZE_TIMEOUT bounds the wait (until 2026-12-06 an
            // interrupt ended the open with a ClosedException, though nothing was closed)
            Uninterruptibly.sleepNanos(TimeUnit.MILLISECONDS.toNanos(1));
            status = Libc.fstat(fd, file);
        }
        return status;
    }

    /**
     * Removes the region's name: later opens fail, mappings stay valid until closed, the memory
     * is freed when the last one goes. Returns false if there was no such region.
     *
     * @throws InsecureFileException for a jipc name, if the jipc root or its {@code region/} directory
     *                               is a link, another user's, or open to others (nothing removed)
     */
    public static boolean unlink(String name) {
        String file = resolve(name, JipcRoot::existing).toString();
        try {
            Libc.unlink(file);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** Whether a region of that name exists. */
    public static boolean exists(String name) {
        try {
            Libc.lstat(resolve(name, JipcRoot::existing).toString());
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /**
     * The file of a region name: {@code <jipc root>/region/<name>} for a jipc name,
     * {@code /dev/shm/<name>} for a POSIX name {@code "/<name>"}. Not created.
     */
    public static Path path(String name) {
        return resolve(name, JipcRoot::path);
    }

    /** Whether {@code name} is a POSIX ({@code shm_open}) name, {@code "/name"}. */
    public static boolean isPosixName(String name) {
        return name != null && name.startsWith("/");
    }

    /**
     * The file of {@code name}; for a jipc name in the directory {@code directory} gives for
     * {@value #DIRECTORY}: {@link JipcRoot#directory} (created and checked) for a create,
     * {@link JipcRoot#existing} (checked) for an open, unlink or existence test, {@link JipcRoot#path} for
     * the path alone.
     */
    private static Path resolve(String name, Function<String, Path> directory) {
        Objects.requireNonNull(name, "name");
        if (isPosixName(name)) {
            if (!POSIX_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid POSIX shared memory name " + Printable.quoted(name)
                        + ": one leading '/', then 1 to 255 letters, digits, '.', '_', '-' (no other '/'),"
                        + " not starting with '.' or '-'");
            }
            return POSIX_DIRECTORY.resolve(name.substring(1));
        }
        if (!JIPC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid region name " + Printable.quoted(name)
                    + ": letters, digits, '.', '_', '-', not starting with '.' or '-', at most 200 characters;"
                    + " or a POSIX name '/name'");
        }
        return directory.apply(DIRECTORY).resolve(name);
    }

    /**
     * Removes this region's name if it still names this region (not another one created under the
     * same name since); returns false otherwise.
     */
    public boolean unlink() {
        FileStatus status;
        try {
            status = Libc.lstat(path.toString());
        } catch (ErrnoException e) {
            return false;
        }
        return status.device() == device && status.inode() == inode && unlink(name);
    }

    /** The name given at creation or opening. */
    public String name() {
        return name;
    }

    /** The file that holds the region. */
    public Path path() {
        return path;
    }

    /**
     * The file's permission bits when this handle created or opened it ({@code fstat} of the
     * descriptor it mapped, after the creator gave the file its size, so after its {@code fchmod}).
     */
    int permissions() {
        return permissions;
    }

    @Override
    public String toString() {
        return "SharedRegion[" + name + ", " + size() + " bytes" + (isReadOnly() ? ", read-only" : "") + "]";
    }
}
