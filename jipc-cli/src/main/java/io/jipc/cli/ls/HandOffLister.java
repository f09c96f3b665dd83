package io.jipc.cli.ls;

import io.jipc.ErrnoException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sockets of anonymous-region hand-offs under {@code <jipc root>/handoff} ({@code handoff:FILE}),
 * named {@code <pid>-<start time>-<random>.sock} after the process that listens
 * ({@code io.jipc.shm.RegionHandOff}). A hand-off removes its socket when it closes; a parent killed
 * before that (SIGKILL during {@code deliverTo}) leaves it, owner dead: stale, so {@code jipc gc}
 * removes it. A socket named otherwise (made before 2026-12-06, when the name held only the random
 * part) has no recorded owner and is left to {@code jipc rm}. An entry that is not a socket is an
 * error row, as in the other kind directories.
 */
final class HandOffLister implements Lister {
    static final String DIRECTORY = "handoff";
    private static final Pattern NAME = Pattern.compile("([1-9][0-9]{0,9})-([0-9]{1,19})-[0-9a-f]+\\.sock");

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        ObjectInventory.checkRoot(); // again, right before reading: never through a planted root
        List<ObjectRow> rows = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(JipcRoot.path(DIRECTORY))) {
            for (Path path : entries) {
                FileStatus status;
                try {
                    status = Libc.lstat(path.toString());
                } catch (ErrnoException gone) {
                    continue;
                }
                rows.add(describe(new ObjectFile("handoff:" + path.getFileName(), path, status,
                        scan.users(status.device(), status.inode()))));
            }
        } catch (IOException | RuntimeException missing) {
            // no hand-off made yet
        }
        return rows;
    }

    static ObjectRow describe(ObjectFile file) {
        if (!file.status().isSocket()) {
            return file.error("handoff", FileSnapshot.notRegular(file.status()));
        }
        Matcher m = NAME.matcher(file.path().getFileName().toString());
        ProcessIdentity creator = null;
        if (m.matches()) {
            try {
                creator = new ProcessIdentity(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
            } catch (NumberFormatException tooLarge) {
                // no owner recorded
            }
        }
        return file.row("handoff", creator, List.of(), -1, -1, "", -1,
                "anonymous-region hand-off socket" + (creator == null ? " (no creator in its name)" : ""));
    }
}
