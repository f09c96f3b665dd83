package io.jipc.naming.local;

import io.jipc.ErrnoException;
import io.jipc.naming.CorruptNameEntryException;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameServiceBusyException;
import io.jipc.naming.NamingException;
import io.jipc.naming.spi.NameEntryCodec;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.platform.Errno;
import io.jipc.platform.FileLocks;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The directory of the local name service: one file per name, holding its {@link NameEntryCodec
 * stored entry}.
 *
 * <h2>Protocol</h2>
 * <ul>
 * <li><b>Publish</b> (lock-free): write the complete entry to a private temporary file
 *     ({@code .tmp-<pid>-<start>-<random>}), then {@code link(2)} it to the name's file. The link
 *     either creates the name, atomically and with complete contents, or fails with {@code EEXIST}:
 *     of any number of racing processes exactly one links. Readers never see a partial entry.</li>
 * <li><b>Remove</b> (under the directory's {@code flock}): re-read the file, check it is still the
 *     entry the caller judged (same serial) and may remove, then unlink it. Every removal of a file
 *     goes through this lock, so between the re-read and the unlink no other remover can replace the
 *     file: two processes reclaiming one dead owner's name can never delete the entry of a process
 *     that registered in between. Registration does not take the lock, so a stopped process that
 *     holds the lock delays removals, never registrations: a removal waits for it at most
 *     {@link #LOCK_WAIT_MILLIS} and then fails with a {@code NameServiceBusyException}.</li>
 * <li><b>Temporary files</b> of a process killed between writing and linking are removed by the
 *     next {@link #sweepTemporaryFiles() sweep} once their pid and start time show it dead.</li>
 * </ul>
 */
final class NameDirectory {
    private static final String TEMPORARY = ".tmp-";

    private final Path dir;
    /** Makes {@link #dir} (with the jipc root) if missing, and checks it: owner, mode 0700, no link. */
    private final Runnable make;
    /** Whether {@link #make} has run since this process opened the directory. */
    private volatile boolean checked;

    /**
     * @param dir  the directory of the names; it need not exist: a missing directory has no names,
     *             and the first publish or watch makes it
     * @param make makes {@code dir} (with the jipc root) if it does not exist, and checks it (owned
     *             by this user, mode 0700, not a link); run before the directory is first used, and
     *             again when it has been removed while this process runs (e.g. the whole jipc root
     *             was deleted)
     */
    NameDirectory(Path dir, Runnable make) {
        this.dir = dir;
        this.make = make;
    }

    Path path() {
        return dir;
    }

    /**
     * Whether the directory exists, checked once by {@link #make} (which throws if it is not this
     * user's own directory, or cannot be looked at); false if nothing exists at its path, which then
     * has no names, if the jipc root there is one passes the checks that {@code jipc ls} makes
     * ({@link JipcRoot#checkExisting}: a directory of this user's, mode 0700, not a link): a root that
     * is a regular file, a link, another user's, or below a regular file ({@code ENOTDIR}, which the JDK
     * reports as no such file) is refused, not an empty name service.
     */
    boolean usable() {
        if (checked) {
            return true;
        }
        try {
            Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            JipcRoot.checkExisting(); // throws for a root the other tools refuse; creates nothing
            return false;
        } catch (IOException e) {
            // e.g. another user's jipc root, closed to this one, or a root that cannot be looked at
            // (EACCES above it, ELOOP): refused as ls refuses it, before the check below would mkdir
            JipcRoot.checkExisting();
        }
        makeChecked();
        return true;
    }

    /** Makes the directory if it does not exist, and checks it (before a publish, and for a watch). */
    void ensureMade() {
        if (!checked || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            makeChecked();
        }
    }

    private void makeChecked() {
        make.run();
        checked = true;
    }

    Path fileOf(String name) {
        return dir.resolve(NameSyntax.toStorageName(name));
    }

    /**
     * The stored entry of {@code name} (liveness not judged), or empty if there is none. Read with
     * {@code open(2)} and {@code read(2)}, so that a Java interrupt of the caller cannot cut it short
     * and the errno of a failure is known.
     *
     * @throws CorruptNameEntryException if the file is not a valid entry of this name (not a regular
     *                                   file, a symbolic link, unreadable to this user, malformed)
     * @throws ErrnoException            if this process cannot read it for want of a resource
     *                                   ({@code EMFILE}, {@code ENFILE}, {@code ENOMEM}): that says
     *                                   nothing of the entry, which is neither free nor corrupt
     */
    Optional<NameEntry> read(String name) {
        if (!usable()) {
            return Optional.empty();
        }
        Path file = fileOf(name);
        String path = file.toString();
        try { // a link, FIFO or directory is refused before any open
            if (!Libc.lstat(path).isRegularFile()) {
                throw new CorruptNameEntryException("unreadable name entry " + file + ": not a regular file");
            }
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw unreadable(file, e);
        }
        int fd;
        try {
            // O_NOFOLLOW, O_NONBLOCK and the fstat below: for a file replaced since the lstat
            fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW | Libc.O_NONBLOCK, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw unreadable(file, e);
        }
        byte[] bytes;
        try {
            if (!Libc.fstat(fd, path).isRegularFile()) {
                throw new CorruptNameEntryException("unreadable name entry " + file + ": not a regular file");
            }
            bytes = Libc.readUpTo(fd, NameEntryCodec.MAX_BYTES + 1, path); // the end, or one byte past the limit
        } catch (ErrnoException e) {
            throw unreadable(file, e);
        } finally {
            Libc.close(fd);
        }
        NameEntry entry = NameEntryCodec.decode(bytes, file.toString());
        if (!entry.name().equals(name)) {
            throw new CorruptNameEntryException("unreadable name entry " + file + ": it holds the name '"
                    + entry.name() + "'");
        }
        return Optional.of(entry);
    }

    /** {@code e} itself when this process lacks a resource to read; otherwise the entry is corrupt (or foreign). */
    private static RuntimeException unreadable(Path file, ErrnoException e) {
        return lacksResource(e) ? e
                : new CorruptNameEntryException("unreadable name entry " + file + ": " + e.getMessage());
    }

    /**
     * Whether {@code e} says this process lacks a resource ({@code EMFILE}, {@code ENFILE},
     * {@code ENOMEM}): that says nothing of the directory or its entries, and is thrown as it is.
     */
    static boolean lacksResource(ErrnoException e) {
        return e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE || e.errno() == Errno.ENOMEM;
    }

    /**
     * Creates the file of {@code name} with {@code bytes}, atomically.
     *
     * @return false if the name already has a file (nothing was changed)
     * @throws NamingException if the file cannot be written or linked (a full file system:
     *                         {@code No space left on device}; permissions), naming the name, the
     *                         directory and the reason
     * @throws ErrnoException  if this process lacks a resource to write it ({@code EMFILE},
     *                         {@code ENFILE}, {@code ENOMEM}); nothing was changed
     */
    boolean publish(String name, byte[] bytes) {
        ensureMade();
        try {
            return publishIn(name, bytes);
        } catch (NoSuchFileException | ErrnoException e) {
            if (e instanceof ErrnoException failed && failed.errno() != Errno.ENOENT
                    || Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw cannotRegister(name, e);
            }
            makeChecked(); // removed under this process: make it again, once
            try {
                return publishIn(name, bytes);
            } catch (IOException | ErrnoException again) {
                throw cannotRegister(name, again);
            }
        } catch (IOException e) {
            throw cannotRegister(name, e);
        }
    }

    /** {@code e} itself when this process lacks a resource; otherwise a NamingException saying why. */
    private RuntimeException cannotRegister(String name, Exception e) {
        if (e instanceof ErrnoException failed && lacksResource(failed)) {
            return failed;
        }
        return new NamingException("cannot register '" + name + "' in " + dir + ": " + reason(e), e);
    }

    /** What went wrong, as the kernel said it ({@code No space left on device}), with the file. */
    private static String reason(Exception e) {
        if (e instanceof FileSystemException failed && failed.getReason() != null) {
            return failed.getReason() + " (" + failed.getFile() + ")";
        }
        if (e instanceof ErrnoException failed) {
            return Errno.description(failed.errno()) + " (" + failed.subject() + ")";
        }
        return e.toString();
    }

    /**
     * Writes the temporary file through {@code open(2)} and {@code write(2)}: one descriptor, an errno
     * for every failure (the JDK's channel says "Too many open files" in a FileSystemException, and
     * closes itself when its thread is interrupted: a registration is a short local write, done whole
     * whatever the caller's interrupt status).
     */
    private boolean publishIn(String name, byte[] bytes) throws IOException {
        ProcessIdentity self = ProcessIdentity.current();
        Path temporary = dir.resolve(TEMPORARY + self.pid() + "-" + self.startTime() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        String path = temporary.toString();
        int fd = Libc.open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0600);
        try {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(Math.max(1, bytes.length));
                MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
                for (long done = 0; done < bytes.length; ) {
                    done += Libc.write(fd, buffer.address() + done, bytes.length - done, path);
                }
            } finally {
                Libc.close(fd);
            }
            try {
                Files.createLink(fileOf(name), temporary);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        } finally {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // swept later by any process, as a dead process's file would be
            }
        }
    }

    /**
     * Removes the file of {@code name} (a link or another entry that is no regular file is removed
     * itself, never followed; a directory only if empty); the caller holds the {@link #locked lock}.
     *
     * @throws CorruptNameEntryException if the entry is a directory that is not empty (nothing jipc made:
     *                                   what it holds is left for a person to look at)
     * @throws NamingException           if the kernel refuses the removal
     */
    boolean unlinkLocked(String name) {
        Path file = fileOf(name);
        try {
            return Files.deleteIfExists(file);
        } catch (DirectoryNotEmptyException e) {
            throw new CorruptNameEntryException("not removing the name '" + name + "': its entry " + file
                    + " is a directory that is not empty (what it holds is nothing jipc made); look into it,"
                    + " and remove it with rm -r " + file);
        } catch (IOException e) {
            throw new NamingException("cannot remove the name '" + name + "' from " + dir + ": " + e, e);
        }
    }

    /**
     * At most this long a removal waits for the directory's lock, which jipc's holders keep for a few
     * system calls: one that waits longer meets a process stopped while it held it (or another user's).
     */
    static final long LOCK_WAIT_MILLIS = 5000;

    /**
     * Runs {@code step} holding the directory's exclusive lock ({@code flock} on the directory: released
     * by the kernel if this process dies). Excludes other threads of this process too. Returns
     * {@code ifGone} without running it if the directory was removed (no directory, no names). Waits
     * for the lock at most {@code waitMillis} ({@link #LOCK_WAIT_MILLIS} for a removal that must be
     * done, 0 for one that may be left for later), in sleeps between tries, so that a virtual thread
     * does not pin its carrier; an interrupt does not end the wait (the status is kept). (Until
     * 2026-12-07 it waited in a blocking {@code flock}, for as long as a stopped process held the lock:
     * a queue's {@code unlink} hung after the queue was gone.)
     *
     * @throws NameServiceBusyException if another process held the lock all that time; nothing was run
     */
    <T> T locked(T ifGone, long waitMillis, Supplier<T> step) {
        int fd;
        try {
            fd = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return ifGone;
            }
            throw e;
        }
        try {
            if (!FileLocks.flockExclusiveWithin(fd, dir.toString(), waitMillis)) {
                throw new NameServiceBusyException("the lock of the name directory " + dir + " was held by another "
                        + "process for " + (waitMillis < 1000 ? waitMillis + " ms" : waitMillis / 1000 + " s")
                        + " (one stopped while it removed a name?): nothing was removed; try again once it runs");
            }
            return step.get();
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * The names that have a file, unsorted; files whose names cannot be names are skipped. None if
     * the directory does not exist.
     *
     * @throws ErrnoException  if this process lacks a resource to read it ({@code EMFILE}, {@code ENFILE},
     *                         {@code ENOMEM})
     * @throws NamingException if the directory cannot be read otherwise, naming it and the reason
     */
    List<String> names() {
        if (!usable()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String storage : files()) {
            if (storage.startsWith(".")) {
                continue;
            }
            String name = NameSyntax.fromStorageName(storage);
            if (name == null) {
                LocalNameService.warnOnce("skipping " + dir.resolve(storage) + ": its file name is not a jipc name");
            } else {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * The file names in the directory, none if it was removed under this process: listed through
     * {@code open(2)} and {@code getdents64(2)} on one descriptor ({@link Libc#listDirectory}; the
     * JDK's listing took two, and said "Too many open files" in a FileSystemException).
     *
     * @throws ErrnoException  if this process lacks a resource to read it ({@code EMFILE}, {@code ENFILE},
     *                         {@code ENOMEM})
     * @throws NamingException if it cannot be read otherwise, naming it and the reason
     */
    private List<String> files() {
        try {
            return Libc.listDirectory(dir.toString());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return List.of(); // removed under this process
            }
            if (lacksResource(e)) {
                throw e;
            }
            throw new NamingException("cannot list the names in " + dir + ": " + reason(e), e);
        }
    }

    /**
     * Removes the temporary files of processes that died before they could link or remove them. An
     * entry that is no such file (a name that holds no pid and start time, a directory, a link) is
     * skipped and reported once per process ({@link LocalNameService#warnOnce}); one that cannot be
     * removed too, and the sweep goes on with the others.
     */
    void sweepTemporaryFiles() {
        if (!usable()) {
            return;
        }
        List<String> files;
        try {
            files = files();
        } catch (ErrnoException e) {
            return; // this process lacks a resource: the next sweep does it (and the listing says EMFILE)
        } catch (NamingException e) {
            LocalNameService.warnOnce("cannot sweep temporary files of " + dir + ": " + e.getMessage());
            return;
        }
        for (String file : files) {
            if (file.startsWith(TEMPORARY)) {
                sweep(dir.resolve(file));
            }
        }
    }

    /** Removes {@code file}, a {@code .tmp-} entry, if it is a temporary file of a dead process. */
    private static void sweep(Path file) {
        String[] parts = file.getFileName().toString().substring(TEMPORARY.length()).split("-");
        ProcessIdentity writer;
        try {
            writer = new ProcessIdentity(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            LocalNameService.warnOnce("skipping unknown file " + file);
            return;
        }
        try {
            if (!Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
                LocalNameService.warnOnce("skipping " + file + ": not a regular file, so no temporary file of jipc");
            } else if (!writer.isAlive()) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException e) {
            // removed meanwhile (linked and removed by its writer, or swept by another process)
        } catch (IOException | ErrnoException e) {
            LocalNameService.warnOnce("cannot sweep the temporary file " + file + ": " + e);
        }
    }
}
