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
import java.util.stream.Stream;

/**
 * FIFOs anywhere under the jipc root ({@code fifo:PATH}), at most {@value #DEPTH} directories deep.
 * FIFOs elsewhere are the file system's business. Users are the processes holding one open; a FIFO
 * records no creator, so its owner is unknown and {@code jipc gc} leaves it alone.
 */
final class FifoLister implements Lister {
    static final int DEPTH = 4;

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        List<ObjectRow> rows = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(JipcRoot.path(), DEPTH)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                FileStatus status;
                try {
                    status = Libc.lstat(path.toString());
                } catch (ErrnoException gone) {
                    continue;
                }
                if (status.isFifo()) {
                    ObjectFile file = new ObjectFile("fifo:" + path, path, status,
                            scan.users(status.device(), status.inode()));
                    rows.add(file.row("fifo", null, List.of(), -1, -1, "", -1, "named pipe"));
                }
            }
        } catch (IOException | RuntimeException missing) {
            // no root yet
        }
        return rows;
    }
}
