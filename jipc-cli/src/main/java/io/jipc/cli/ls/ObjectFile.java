package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
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
     * The rows of the files of {@code dir} that {@code accept} takes (by their {@code lstat}), named
     * by {@code uriOf(file name)}; an unreadable file is a row with its error, a missing directory
     * no row. A directory under the jipc root is read only after the root and the kind directories
     * passed {@link ObjectInventory#checkRoot} (else {@link InsecureFileException}).
     */
    static List<ObjectRow> rowsOf(Path dir, java.util.function.Predicate<FileStatus> accept,
                                  Function<String, String> uriOf, String kind, ProcessScan scan, Describer describer) {
        return rowsOf(dir, name -> true, accept, uriOf, kind, scan, describer);
    }

    /** The same for the files of {@code dir} whose names {@code names} takes (others are parts of an object). */
    static List<ObjectRow> rowsOf(Path dir, java.util.function.Predicate<String> names,
                                  java.util.function.Predicate<FileStatus> accept, Function<String, String> uriOf,
                                  String kind, ProcessScan scan, Describer describer) {
        if (dir.startsWith(JipcRoot.path())) {
            ObjectInventory.checkRoot(); // again, right before reading: never through a planted root
        }
        List<ObjectRow> rows = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, path -> names.test(path.getFileName().toString()))) {
            for (Path path : files) {
                FileStatus status;
                try {
                    status = Libc.lstat(path.toString());
                } catch (ErrnoException gone) {
                    continue;
                }
                if (!accept.test(status)) {
                    continue;
                }
                ObjectFile file = new ObjectFile(uriOf.apply(path.getFileName().toString()), path, status,
                        scan.users(status.device(), status.inode()));
                try {
                    rows.add(describer.describe(file));
                } catch (RuntimeException unreadable) {
                    rows.add(file.error(kind, unreadable));
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
                Integer.toUnsignedLong(status.uid()));
    }

    /** The row of a file that could not be read as its kind: owner unknown, so never stale. */
    ObjectRow error(String kind, RuntimeException e) {
        return row(kind, null, List.of(), -1, -1, "", -1, "error: " + e.getMessage());
    }

    /** Permission bits in octal. */
    String mode() {
        return FileStatus.octal(status.permissions());
    }

    /** The owning user's name, or the uid. */
    String user() {
        try {
            return Files.getOwner(path).getName();
        } catch (IOException | RuntimeException e) {
            return String.valueOf(status.uid());
        }
    }
}
