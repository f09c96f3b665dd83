package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A file that holds (or stands for) an IPC object, with what {@code lstat} and the process scan say
 * about it; {@link #row} turns what a lister read from its bytes into an {@link ObjectRow}.
 *
 * @param uri    the object's URI
 * @param path   the file
 * @param status its {@code lstat}
 * @param users  processes that map it or hold it open
 */
record ObjectFile(String uri, Path path, FileStatus status, List<Long> users) {
    /** How a lister describes one file. */
    @FunctionalInterface
    interface Describer {
        ObjectRow describe(ObjectFile file);
    }

    /**
     * The rows of the files of {@code dir}, named by {@code uriOf(file name)}: a regular file (by its
     * {@code lstat}) is described, and one that cannot be read is a row with its error (unless it is
     * gone by then: removed since, it is skipped as one gone before its {@code lstat}). An entry that
     * is not a regular file — a symbolic link, a socket, a FIFO, a directory, a device — is, in a
     * directory under the jipc root (a kind directory: jipc puts only regular files there), an error
     * row with {@link FileSnapshot#notRegular}'s words, made from its {@code lstat} alone (never
     * opened, a link never followed); elsewhere ({@code /dev/shm}, which every program shares and
     * which holds the jipc root itself) it is skipped. A missing directory has no rows. A directory
     * under the jipc root is read only after the root and the kind directories passed
     * {@link ObjectInventory#checkRoot} (else {@link InsecureFileException}). Does not block.
     */
    static List<ObjectRow> rowsOf(Path dir, Function<String, String> uriOf, String kind, ProcessScan scan,
                                  Describer describer) {
        return rowsOf(dir, name -> true, uriOf, kind, scan, describer);
    }

    /**
     * The same where only the regular files whose names {@code names} takes are objects (others are
     * parts of one); an entry that is not a regular file is an error row whatever its name.
     */
    static List<ObjectRow> rowsOf(Path dir, java.util.function.Predicate<String> names, Function<String, String> uriOf,
                                  String kind, ProcessScan scan, Describer describer) {
        boolean underRoot = dir.startsWith(JipcRoot.path());
        if (underRoot) {
            ObjectInventory.checkRoot(); // again, right before reading: never through a planted root
        }
        List<ObjectRow> rows = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path path : files) {
                FileStatus status;
                try {
                    status = Libc.lstat(path.toString());
                } catch (ErrnoException gone) {
                    continue;
                }
                boolean regular = status.isRegularFile();
                if (regular ? !names.test(path.getFileName().toString()) : !underRoot) {
                    continue;
                }
                ObjectFile file = new ObjectFile(uriOf.apply(path.getFileName().toString()), path, status,
                        scan.users(status.device(), status.inode()));
                if (!regular) {
                    rows.add(file.error(kind, FileSnapshot.notRegular(status)));
                    continue;
                }
                try {
                    rows.add(describer.describe(file));
                } catch (RuntimeException unreadable) {
                    if (!gone(path)) { // else removed since its lstat: no object, no row
                        rows.add(file.error(kind, unreadable));
                    }
                }
            }
        } catch (InsecureFileException refused) {
            throw refused;
        } catch (IOException | RuntimeException missing) {
            // no such directory (nothing created yet) or not readable
        }
        return rows;
    }

    /**
     * Whether {@code path} is gone now ({@code lstat}: ENOENT): an object removed between the listing's
     * {@code lstat} and its reading, which until 2026-12-07 made an error row ({@code unreadable: ENOENT
     * ... from open}) of an object that no longer existed.
     */
    private static boolean gone(Path path) {
        try {
            Libc.lstat(path.toString());
            return false;
        } catch (ErrnoException e) {
            return e.errno() == Errno.ENOENT;
        }
    }

    /**
     * The row of this file: its owner from {@code creator} (null = unknown), more users from its header;
     * its counter (if any) read just now.
     */
    ObjectRow row(String kind, ProcessIdentity creator, List<Long> headerUsers, long capacity, long depth,
                  String unit, long counter, String details) {
        return row(kind, creator, headerUsers, capacity, depth, unit, counter, System.nanoTime(), details);
    }

    /** The same with a counter read at {@code counterNanos} ({@link System#nanoTime()}). */
    ObjectRow row(String kind, ProcessIdentity creator, List<Long> headerUsers, long capacity, long depth,
                  String unit, long counter, long counterNanos, String details) {
        List<Long> all = new ArrayList<>(users);
        headerUsers.stream().filter(pid -> !all.contains(pid)).forEach(all::add);
        all.sort(null);
        OwnerState owner = creator == null ? OwnerState.UNKNOWN
                : creator.isAlive() ? OwnerState.ALIVE : OwnerState.DEAD;
        return new ObjectRow(kind, uri, path.toString(), creator == null ? 0 : creator.pid(), owner, all, capacity,
                depth, unit, counter, mode(), user(), details, false, false, "", counterNanos,
                Integer.toUnsignedLong(status.uid()), new ObjectRow.FileId(status.device(), status.inode()));
    }

    /** The row of a file that could not be read as its kind: owner unknown, so never stale. */
    ObjectRow error(String kind, RuntimeException e) {
        return error(kind, e.getMessage());
    }

    /** The same for the reason {@code why}. */
    ObjectRow error(String kind, String why) {
        return row(kind, null, List.of(), -1, -1, "", -1, "error: " + why);
    }

    /** Permission bits in octal. */
    String mode() {
        return FileStatus.octal(status.permissions());
    }

    /** The owning user's name, or the uid: of the file itself (a symbolic link's, not its target's). */
    String user() {
        try {
            return Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
        } catch (IOException | RuntimeException e) {
            return String.valueOf(status.uid());
        }
    }
}
