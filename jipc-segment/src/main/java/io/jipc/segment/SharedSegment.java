package io.jipc.segment;

import io.jipc.CorruptSegmentException;
import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.Uninterruptibly;
import io.jipc.platform.CreatedFile;
import io.jipc.platform.Errno;
import io.jipc.platform.FileIdentity;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.MemoryBudget;
import io.jipc.platform.ProcessIdentity;
import io.jipc.platform.SparseFiles;
import io.jipc.ring.FaultInjection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jipc.segment.SegmentHeaderDescriptor.CREATED_AT_OFFSET;
import static io.jipc.segment.SegmentHeaderDescriptor.CREATOR_PID_OFFSET;
import static io.jipc.segment.SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET;
import static io.jipc.segment.SegmentHeaderDescriptor.FILE_LENGTH_OFFSET;
import static io.jipc.segment.SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET;
import static io.jipc.segment.SegmentHeaderDescriptor.LENGTH;
import static io.jipc.segment.SegmentHeaderDescriptor.MAGIC_OFFSET;
import static io.jipc.segment.SegmentHeaderDescriptor.OBJECT_ID_OFFSET;
import static io.jipc.segment.SegmentHeaderDescriptor.VERSION_OFFSET;

/**
 * A jipc file mapped into this process: a {@link SegmentHeaderDescriptor common header} followed by
 * kind-specific data.
 *
 * <h2>Creating</h2>
 * {@link #create} opens the file with {@code O_CREAT|O_EXCL|O_NOFOLLOW}, sets its permission bits
 * exactly with {@code fchmod} (whatever the umask), reserves its storage with {@code fallocate} (a
 * full {@code /dev/shm} fails here with {@code ENOSPC}, never later as a {@code SIGBUS}; a length
 * beyond what {@link MemoryBudget} allows this process, whose cgroup the pages are charged to, is
 * refused before with {@code ENOMEM} rather than meet the OOM killer), maps it
 * and writes the header except the version. The caller writes its kind-specific data and then
 * calls {@link #publish}, which stores the version with release semantics: from then on openers
 * accept the file. If creation fails the file is removed, if its name still names it (not another
 * file created under the name since its own was condemned and removed). A creator whose unready file another
 * process may {@linkplain #condemn condemn} (take for a dead creator's and remove) publishes with
 * {@link #tryPublish} instead, which fails if the file was condemned first. From its exclusive
 * create until it publishes (or closes this handle, or its create fails) the creator holds the
 * file's {@linkplain CreationLock creation lock}, which the kernel releases if it dies.
 *
 * <h2>Opening</h2>
 * {@link #open} refuses a symbolic link, a file that is not regular, owned by another user or with
 * other permission bits than expected; waits (bounded) for the creator to publish, longer while the
 * creator is known to be alive and still making the file (holds its creation lock); and checks
 * magic, major version, header length and file length before handing out the mapping. A file
 * mapped while it was shorter than its header says (a process {@linkplain #condemn condemning} it
 * gave it the header's length, then its creator, publishing first, its full length) is mapped
 * again at its size now rather than called damaged.
 *
 * <h2>Lifetime</h2>
 * The mapping stays valid after the file is {@link #unlink unlinked} (POSIX semantics) until
 * {@link #close()}. Closing unmaps; a thread that touches the memory afterwards gets an
 * {@link IllegalStateException} from the closed arena, never a crash.
 */
public final class SharedSegment implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long READY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Path path;
    private final Arena arena;
    private final MemorySegment memory;
    private final long device;
    private final long inode;
    /** The creator's descriptor that holds the file's creation lock until it publishes; -1 if none. */
    private final AtomicInteger creationLockFd;

    private SharedSegment(Path path, Arena arena, MemorySegment memory, FileStatus status, int creationLockFd) {
        this.path = path;
        this.arena = arena;
        this.memory = memory;
        this.device = status.device();
        this.inode = status.inode();
        this.creationLockFd = new AtomicInteger(creationLockFd);
    }

    /**
     * Creates the file exclusively and maps it; the version is left 0 until {@link #publish}. Takes
     * the file's {@linkplain CreationLock creation lock} right after the exclusive create and holds
     * it (a descriptor of the file stays open) until {@link #publish}, {@link #tryPublish} or
     * {@link #close}; a failed create releases it once it has removed the file. Blocks in the
     * system calls (the lock: while an opener looks whether it is held).
     *
     * @param permissions permission bits, e.g. {@code 0600}
     * @throws ErrnoException {@code EEXIST} if the file exists, {@code ENOSPC} if there is no room,
     *                        {@code ENOMEM} if the length exceeds {@link MemoryBudget#available()}
     * @throws IllegalArgumentException if {@code permissions} are not permission bits (0 to 0777), before
     *                                  anything is made (until 2026-12-07 -1 made a file of mode 07777)
     */
    public static SharedSegment create(Path path, long magic, long fileLength, int permissions) {
        permissionBits(permissions);
        if (fileLength < LENGTH) {
            throw new IllegalArgumentException("file length " + fileLength + " < header " + LENGTH);
        }
        String name = path.toString();
        int fd = Libc.open(name, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC,
                permissions);
        Arena arena = null;
        boolean done = false;
        try {
            CreationLock.take(fd, name);
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.AFTER_FILE_CREATED);
            }
            Libc.fchmod(fd, permissions, name);
            // pages of /dev/shm are charged to this process's cgroup: more than it may take would not
            // fail with ENOSPC but call in its OOM killer (the file is removed below when refused)
            MemoryBudget.check(fileLength, name);
            try {
                Libc.allocate(fd, fileLength, name);
            } catch (ErrnoException e) {
                throw new ErrnoException(e.errno(), e.errnoName(),
                        Errno.description(e.errno()) + "; " + fileLength + " bytes were asked", e.call(), name);
            }
            FileStatus status = Libc.fstat(fd, name);
            arena = Arena.ofShared();
            MemorySegment memory = Libc.mapShared(fd, fileLength, true, true, arena, name);
            ProcessIdentity self = ProcessIdentity.current();
            memory.set(ValueLayout.JAVA_LONG, MAGIC_OFFSET, magic);
            memory.set(ValueLayout.JAVA_INT, HEADER_LENGTH_OFFSET, LENGTH);
            memory.set(ValueLayout.JAVA_LONG, FILE_LENGTH_OFFSET, fileLength);
            memory.set(ValueLayout.JAVA_LONG, CREATOR_PID_OFFSET, self.pid());
            memory.set(ValueLayout.JAVA_LONG, CREATOR_START_TIME_OFFSET, self.startTime());
            memory.set(ValueLayout.JAVA_LONG, CREATED_AT_OFFSET, System.currentTimeMillis());
            memory.set(ValueLayout.JAVA_LONG, OBJECT_ID_OFFSET, ThreadLocalRandom.current().nextLong());
            SharedSegment segment = new SharedSegment(path, arena, memory, status, fd);
            done = true;
            return segment;
        } finally {
            if (!done) {
                if (arena != null) {
                    arena.close();
                }
                unlinkOwnQuietly(fd, path);
                try {
                    CreationLock.release(fd, name); // after the removal
                } finally {
                    Libc.close(fd);
                }
            }
        }
    }

    /**
     * Opens and maps an existing file after checking it, waiting for a creator that is still making
     * it for {@code readyTimeout}, and on while the creator is known to be alive and still making it
     * (it holds the file's {@linkplain CreationLock creation lock}) until
     * {@link CreationLock#liveCreatorTimeout CreationLock.liveCreatorTimeout(readyTimeout)}
     * (30 s, or {@code readyTimeout} if that is longer or zero). Any thread; sleeps while it waits,
     * which an interrupt does not end (it is kept).
     *
     * @param magic        the magic the file must start with
     * @param major        the only major version accepted
     * @param permissions  the permission bits the file must have
     * @param readyTimeout how long to wait for a creator that is still initialising the file
     *                     (zero: not at all)
     * @throws ErrnoException          {@code ENOENT} if there is no such file
     * @throws InsecureFileException   if the file is a link, not regular, foreign or has other permissions
     * @throws CorruptSegmentException if the header is wrong, or the file never became ready
     *                                 ({@link SegmentNotReadyException}: still empty, or version 0,
     *                                 when the wait is over; its message says whether the creator
     *                                 was still making it, and only if not to remove the file)
     * @throws IllegalArgumentException if {@code permissions} are not permission bits (0 to 0777), before
     *                                 the file is looked at (until 2026-12-07 -1 was compared with the
     *                                 file's mode: {@link InsecureFileException} "expected 037777777777")
     */
    public static SharedSegment open(Path path, long magic, int major, int permissions, Duration readyTimeout) {
        return open(path, magic, major, permissions, readyTimeout, CreationLock.liveCreatorTimeout(readyTimeout));
    }

    /**
     * Opens the file as {@link #open(Path, long, int, int, Duration)} does, waiting for a creator
     * known to be alive and still making it (it holds the file's creation lock) until
     * {@code liveCreatorTimeout} rather than the default: for openers that do something else with
     * a file whose creator is slow (jipc's unbounded mailbox {@linkplain #condemn condemns} it,
     * which its creator's {@link #tryPublish} survives).
     *
     * @param liveCreatorTimeout how long in all to wait while the creator holds its creation lock;
     *                           at least {@code readyTimeout} is waited in any case
     */
    public static SharedSegment open(Path path, long magic, int major, int permissions, Duration readyTimeout,
                                     Duration liveCreatorTimeout) {
        permissionBits(permissions);
        String name = path.toString();
        Wait wait = new Wait(name, readyTimeout, liveCreatorTimeout);
        int fd;
        try {
            fd = Libc.open(name, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ELOOP) {
                throw new InsecureFileException("refusing " + name + ": it is a symbolic link");
            }
            if (e.errno() == Errno.EISDIR) {
                throw new InsecureFileException("refusing " + name + ": not a regular file (a directory)");
            }
            if (e.errno() == Errno.ENXIO) { // open(2) of a Unix-domain socket's file, or of a device with no driver
                throw new InsecureFileException("refusing " + name + ": not a regular file (a socket or a device)");
            }
            throw e;
        }
        Arena arena = null;
        boolean done = false;
        try {
            FileStatus status = checkFile(fd, name);
            while (status.size() == 0) {
                if (wait.isOver(fd)) {
                    status = Libc.fstat(fd, name); // its creator may have sized it and let go meanwhile
                    if (status.size() != 0) {
                        break;
                    }
                    throw new SegmentNotReadyException(name + " is empty: its creator never initialised it"
                            + " (it died during creation); remove the file");
                }
                if (wait.creatorTooSlow()) {
                    throw new SegmentNotReadyException(name + " is still empty: its creator is alive but has not"
                            + " finished making it (held up for " + wait.waitedSeconds()
                            + " s: stopped, or the machine is overloaded); try again later");
                }
                sleepBriefly();
                status = Libc.fstat(fd, name);
            }
            boolean remapped = false;
            while (true) {
                // only now: the creator sets the exact mode (fchmod) before it gives the file its size,
                // so until then the mode is still the umask-reduced one of its open(2)
                checkPermissions(status, name, permissions);
                if (status.size() < LENGTH) {
                    throw new CorruptSegmentException(name + " is truncated: " + status.size()
                            + " bytes, shorter than the " + LENGTH + "-byte header");
                }
                // a copy with holes (cp --sparse=always of a durable mailbox, say) on a full file system:
                // ENOSPC here, not a SIGBUS at the first access of a hole (jipc's own files have none)
                SparseFiles.backHoles(fd, path, status, true, name,
                        "a sparse file: a copy made with cp --sparse=always, rsync -S or tar -S, say");
                arena = Arena.ofShared();
                MemorySegment memory = Libc.mapShared(fd, status.size(), true, false, arena, name);
                SharedSegment segment = new SharedSegment(path, arena, memory, status, -1);
                String problem = segment.awaitReady(magic, major, status.size(), wait, fd);
                if (problem == null) {
                    done = true;
                    return segment;
                }
                // The mapping may be older than the file: a process condemning the file while it
                // was empty gave it the header's length, and its creator, which then made it ready
                // first, sized it fully after this process mapped it. Mapped again at its size now
                // (once, and then as long as the ready timeout lasts), never called damaged for that.
                FileStatus now = Libc.fstat(fd, name);
                if (now.size() == status.size() || (remapped && wait.readyTimeoutPassed())) {
                    throw new CorruptSegmentException(name + " " + problem);
                }
                arena.close();
                arena = null;
                status = now;
                remapped = true;
            }
        } finally {
            Libc.close(fd);
            if (!done && arena != null) {
                arena.close();
            }
        }
    }

    private static FileStatus checkFile(int fd, String name) {
        FileStatus status = Libc.fstat(fd, name);
        if (!status.isRegularFile()) {
            throw new InsecureFileException("refusing " + name + ": not a regular file");
        }
        int euid = Libc.geteuid();
        if (status.uid() != euid) {
            throw new InsecureFileException("refusing " + name + ": owned by uid "
                    + Integer.toUnsignedString(status.uid()) + ", not by this user (uid "
                    + Integer.toUnsignedString(euid) + ")");
        }
        return status;
    }

    /**
     * {@code permissions} if they are permission bits (0 to 0777: no set-id or sticky bit, nothing else),
     * with the message of a mailbox's and a synchronization object's open.
     */
    private static int permissionBits(int permissions) {
        if (permissions < 0 || permissions > 0777) {
            throw new IllegalArgumentException("permissions must be permission bits (0 to 0777): 0"
                    + Integer.toOctalString(permissions));
        }
        return permissions;
    }

    private static void checkPermissions(FileStatus status, String name, int permissions) {
        if (status.permissions() != permissions) {
            throw new InsecureFileException("refusing " + name + ": mode " + FileStatus.octal(status.permissions())
                    + ", expected " + FileStatus.octal(permissions));
        }
    }

    /**
     * Waits (as long as {@code wait} allows; {@code fd} is the opener's descriptor of the file) for
     * the file to be made ready; returns what is wrong with its header for a mapping of
     * {@code size} bytes, or null if nothing.
     *
     * @throws CorruptSegmentException if it has another magic, or never became ready
     *                                 ({@link SegmentNotReadyException}, also if condemned)
     */
    private String awaitReady(long expectedMagic, int expectedMajor, long size, Wait wait, int fd) {
        String name = path.toString();
        int version;
        while (true) {
            long magic = memory.get(ValueLayout.JAVA_LONG, MAGIC_OFFSET);
            if (magic != 0 && magic != expectedMagic) {
                throw new CorruptSegmentException(name + " has magic '" + SegmentHeaderDescriptor.tag(magic)
                        + "', expected '" + SegmentHeaderDescriptor.tag(expectedMagic) + "'");
            }
            version = (int) INT.getAcquire(memory, (long) VERSION_OFFSET);
            if (version == SegmentHeaderDescriptor.CONDEMNED) {
                throw new SegmentNotReadyException(name + " was condemned: it was never made ready, and a process"
                        + " that took its creator for dead is removing it");
            }
            if (version != 0) {
                break;
            }
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.SEGMENT_NOT_READY);
            }
            if (wait.isOver(fd)) {
                if ((int) INT.getAcquire(memory, (long) VERSION_OFFSET) != 0) {
                    continue; // its creator published it and let go meanwhile: looked at again
                }
                throw new SegmentNotReadyException(name + " was never made ready by its " + creatorState()
                        + "; remove the file if its creator died");
            }
            if (wait.creatorTooSlow()) {
                throw new SegmentNotReadyException(name + " is not ready yet: its " + creatorState() + " is still"
                        + " making it (held up for " + wait.waitedSeconds()
                        + " s: stopped, or the machine is overloaded); try again later");
            }
            sleepBriefly();
        }
        return SegmentHeader.of(memory, version).problem(size, expectedMagic, expectedMajor);
    }

    /** The creator as its header names it, and whether it lives. */
    private String creatorState() {
        long pid = memory.get(ValueLayout.JAVA_LONG, CREATOR_PID_OFFSET);
        long start = memory.get(ValueLayout.JAVA_LONG, CREATOR_START_TIME_OFFSET);
        return pid == 0 ? "unknown creator"
                : "creator pid " + pid + (new ProcessIdentity(pid, start).isAlive() ? " (alive)" : " (dead)");
    }

    /**
     * One opener's wait for a file's creator: until the ready timeout, then on while the creator
     * holds the file's {@linkplain CreationLock creation lock}, until the live-creator deadline.
     * Confined to the opening thread.
     */
    private static final class Wait {
        private final String name;
        private final long start = System.nanoTime();
        private final long readyDeadline;
        private final long liveCreatorDeadline;
        private boolean creatorHeldUp;

        Wait(String name, Duration readyTimeout, Duration liveCreatorTimeout) {
            this.name = name;
            this.readyDeadline = start + readyTimeout.toNanos();
            this.liveCreatorDeadline = start + liveCreatorTimeout.toNanos();
        }

        boolean readyTimeoutPassed() {
            return System.nanoTime() - readyDeadline >= 0;
        }

        /**
         * Whether the wait is over because the creator is not making the file (any more): the
         * ready timeout passed and the creation lock of the file {@code fd} refers to is free
         * (the creator finished, failed or died, so the caller looks once more and then gives up).
         */
        boolean isOver(int fd) {
            if (!readyTimeoutPassed()) {
                return false;
            }
            creatorHeldUp = CreationLock.isHeld(fd, name);
            return !creatorHeldUp;
        }

        /** After {@link #isOver} said no: whether the wait for a live creator is over too. */
        boolean creatorTooSlow() {
            return creatorHeldUp && System.nanoTime() - liveCreatorDeadline >= 0;
        }

        long waitedSeconds() {
            return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        }
    }

    /**
     * A pause of the wait for a creator, which its ready timeout bounds: an interrupt does not end it
     * and is kept (until 2026-12-06 it ended the open with a ClosedException, though nothing was closed).
     */
    private static void sleepBriefly() {
        Uninterruptibly.sleepNanos(READY_POLL_NANOS);
    }

    /**
     * Makes the file visible to openers: stores {@code major.minor} with release semantics, then
     * releases the file's creation lock. For the creator, once.
     */
    public void publish(int major, int minor) {
        INT.setRelease(memory, (long) VERSION_OFFSET, SegmentHeaderDescriptor.version(major, minor));
        releaseCreationLock();
    }

    /**
     * Releases the file's creation lock and closes the creator's descriptor that held it (once; a
     * no-op for an opener). The release is explicit: this handle's mapping, made through that
     * descriptor, would keep the lock held after the close.
     */
    private void releaseCreationLock() {
        int fd = creationLockFd.getAndSet(-1);
        if (fd >= 0) {
            try {
                CreationLock.release(fd, path.toString());
            } finally {
                Libc.close(fd);
            }
        }
    }

    /**
     * Makes the file visible to openers unless another process {@linkplain #condemn condemned} it
     * first: a compare-and-set of the version word from 0 (not ready) to {@code major.minor}
     * (volatile semantics, so a release of everything written before); then releases the file's
     * creation lock. Exactly one of this call and
     * a {@code condemn} of the file succeeds. For the creator, once; never blocks.
     *
     * @return true if the file is ready now; false if it was condemned: it is being removed (or
     *         was), and no opener will ever accept it
     * @throws IllegalStateException if the file was made ready already
     */
    public boolean tryPublish(int major, int minor) {
        int witness = (int) INT.compareAndExchange(memory, (long) VERSION_OFFSET, 0,
                SegmentHeaderDescriptor.version(major, minor));
        releaseCreationLock();
        if (witness == 0) {
            return true;
        }
        if (witness == SegmentHeaderDescriptor.CONDEMNED) {
            return false;
        }
        throw new IllegalStateException(path + " was made ready already (version word 0x"
                + Integer.toHexString(witness) + ")");
    }

    /**
     * Condemns and removes the file at {@code path} if it is still the file {@code identity}
     * ({@link FileIdentity#of}) and was never made ready: a compare-and-set of its
     * version word from 0 to {@link SegmentHeaderDescriptor#CONDEMNED}, then an unlink. Its creator,
     * if it still lives (stopped, say, for longer than a ready timeout), then fails its
     * {@link #tryPublish} and knows that the file is not its to use; if the creator's publish came
     * first, the file is ready and left alone. A file still shorter than the header (its creator
     * has not sized it yet) is first given the mode {@code permissions} (its creator sets that
     * before the size, see {@link #open}) and the header's length, so that the word exists; a
     * creator that goes on sizes it further.
     *
     * <p>The caller makes sure that no two processes remove files under that name at once (jipc's
     * unbounded mailbox holds its control file's {@code flock}); the file's creator takes no part
     * in that. Blocks only in the system calls; any thread.
     *
     * @return false if the file is ready (its creator published it first), true otherwise: it was
     *         condemned and removed by this call, had been condemned before (removed now), is gone,
     *         or its name now names another file
     * @throws ErrnoException e.g. {@code ENOSPC} if there is no room for its header
     * @throws IllegalArgumentException if {@code permissions} are not permission bits (0 to 0777), before
     *                                  the file is looked at
     */
    public static boolean condemn(Path path, Object identity, int permissions) {
        permissionBits(permissions);
        String name = path.toString();
        int fd;
        try {
            fd = Libc.open(name, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return true;
            }
            throw e;
        }
        try (Arena arena = Arena.ofConfined()) {
            FileStatus status = Libc.fstat(fd, name);
            FileStatus named;
            try {
                named = Libc.lstat(name);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    return true;
                }
                throw e;
            }
            if (named.device() != status.device() || named.inode() != status.inode()
                    || !identity.equals(FileIdentity.of(path))) {
                return true; // not the file the caller found unready
            }
            if (status.size() < LENGTH) {
                Libc.fchmod(fd, permissions, name);
                Libc.allocate(fd, LENGTH, name);
            }
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.BEFORE_CONDEMNED);
            }
            MemorySegment header = Libc.mapShared(fd, LENGTH, true, false, arena, name);
            int witness = (int) INT.compareAndExchange(header, (long) VERSION_OFFSET, 0,
                    SegmentHeaderDescriptor.CONDEMNED);
            if (witness != 0 && witness != SegmentHeaderDescriptor.CONDEMNED) {
                return false; // made ready first: its creator uses it
            }
            unlink(path);
            return true;
        } finally {
            Libc.close(fd);
        }
    }

    /** The whole mapped file, header included. */
    public MemorySegment memory() {
        return memory;
    }

    public Path path() {
        return path;
    }

    /** Identifies the file (device and inode), across handles and paths. */
    public String fileKey() {
        return Long.toHexString(device) + ":" + Long.toHexString(inode);
    }

    public int version() {
        return (int) INT.getAcquire(memory, (long) VERSION_OFFSET);
    }

    public long objectId() {
        return memory.get(ValueLayout.JAVA_LONG, OBJECT_ID_OFFSET);
    }

    public long creatorPid() {
        return memory.get(ValueLayout.JAVA_LONG, CREATOR_PID_OFFSET);
    }

    public ProcessIdentity creator() {
        return new ProcessIdentity(creatorPid(), memory.get(ValueLayout.JAVA_LONG, CREATOR_START_TIME_OFFSET));
    }

    public long createdAtMillis() {
        return memory.get(ValueLayout.JAVA_LONG, CREATED_AT_OFFSET);
    }

    /**
     * Unmaps the file (and releases its creation lock if this creator's handle still holds it);
     * idempotent. Other threads touching the memory afterwards get an {@link IllegalStateException}.
     */
    @Override
    public void close() {
        releaseCreationLock();
        if (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                // a concurrent close won
            }
        }
    }

    /** Whether the mapping is still open. */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Removes the file; returns false if it did not exist. Existing mappings stay valid. */
    public static boolean unlink(Path path) {
        try {
            Libc.unlink(path.toString());
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Removes this file's name if the name still refers to this file, not to another one created
     * under the same name since; returns false otherwise or if the name is gone. Existing mappings
     * stay valid.
     */
    public boolean unlinkIfSame() {
        return isStillNamed() && unlink(path);
    }

    /**
     * Undoes a create that failed with {@code failure} after this file was made (its format, its
     * publication): removes the name if it still refers to this file ({@link #unlinkIfSame}: another
     * process may have removed it and made its own under the name meanwhile), then closes this handle.
     * A failure to remove it is suppressed in {@code failure}, which the caller throws.
     */
    public void discardCreated(Throwable failure) {
        try {
            unlinkIfSame();
        } catch (RuntimeException notRemoved) {
            failure.addSuppressed(notRemoved);
        } finally {
            close();
        }
    }

    /**
     * Whether this file's name still refers to this file: false once the name is gone or names
     * another file created under it since (one {@code lstat}). Any thread.
     */
    public boolean isStillNamed() {
        FileStatus status;
        try {
            status = Libc.lstat(path.toString());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
        return status.device() == device && status.inode() == inode;
    }

    /**
     * While failing creation: removes {@code path} only if it still names the file {@code fd} (open,
     * so its inode cannot be reused) refers to, as {@link #unlinkIfSame} does. A creator that was
     * slow (stopped) before it sized its file may find it {@linkplain #condemn condemned}, removed
     * and the name taken by another process's file, which may be a ready, used one by then: its
     * removal by name lost that file's messages. Best effort: nothing is thrown.
     */
    private static void unlinkOwnQuietly(int fd, Path path) {
        CreatedFile.unlinkQuietlyIfStillNamed(fd, path.toString());
    }
}
