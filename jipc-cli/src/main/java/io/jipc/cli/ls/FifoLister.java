package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * FIFOs anywhere under the jipc root ({@code fifo:PATH}), in it or in a directory at most {@value #DEPTH}
 * directories deep ({@code <root>/a/b/c/d/FIFO}),
 * except in a directory whose entries are objects of one kind ({@code mailbox/}, {@code region/}, ...):
 * there a FIFO is that kind's error row ({@link ObjectFile#rowsOf}), which {@code jipc rm} removes by
 * that kind's URI or as {@code fifo:PATH} ({@link #probe}); so is one in {@code <root>/names} where a
 * name's file belongs (a {@code name:NAME} error row, {@link NameLister}). FIFOs elsewhere are the file system's business. Users are the processes holding one open; a FIFO
 * records no creator, so its owner is unknown and {@code jipc gc} leaves it alone.
 */
final class FifoLister implements Lister {
    /** How many directories below the root are walked: a FIFO lies one level below the deepest. */
    static final int DEPTH = 4;

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        ObjectInventory.checkRoot(); // never walk a planted root
        List<ObjectRow> rows = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(JipcRoot.path(), DEPTH + 1)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                FileStatus status;
                try {
                    status = Libc.lstat(path.toString());
                } catch (ErrnoException gone) {
                    continue;
                }
                if (status.isFifo() && !ObjectInventory.inFileDirectory(path) // there: an error row of its kind
                        && NameLister.nameOf(path) == null) { // a name's entry: a name error row
                    rows.add(row(path, status, scan));
                }
            }
        } catch (IOException | RuntimeException missing) {
            // no root yet
        }
        return rows;
    }

    /**
     * The row of the FIFO at {@code path}, wherever it is (for {@code jipc rm fifo:PATH} outside the jipc
     * root, which the listing does not walk); empty if there is none (or it is another kind of file).
     */
    static Optional<ObjectRow> probe(Path path, ProcessScan scan) {
        try {
            FileStatus status = Libc.lstat(path.toString());
            return status.isFifo() ? Optional.of(row(path, status, scan)) : Optional.empty();
        } catch (ErrnoException gone) {
            return Optional.empty();
        }
    }

    /**
     * Why {@code path} is no FIFO to remove when a file is there all the same ({@code jipc rm fifo:PATH}
     * of a regular file, a directory, a symbolic link: not followed): the words {@code jipc fifo remove}
     * says; empty if nothing is there or it is a FIFO.
     */
    static Optional<String> notAFifo(Path path) {
        try {
            FileStatus status = Libc.lstat(path.toString());
            return status.isFifo() ? Optional.empty() : Optional.of(path
                    + (status.isSymbolicLink() ? " is a symbolic link (not followed)" : " is not a FIFO") + "; not removed");
        } catch (ErrnoException gone) {
            return Optional.empty();
        }
    }

    private static ObjectRow row(Path path, FileStatus status, ProcessScan scan) {
        ObjectFile file = new ObjectFile("fifo:" + path, path, status, scan.users(status.device(), status.inode()));
        return file.row("fifo", null, List.of(), -1, -1, "", -1, "named pipe");
    }
}
