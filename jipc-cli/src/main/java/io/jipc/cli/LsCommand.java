package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.RowFormat;
import io.jipc.segment.JipcRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code jipc ls}: every IPC object this user can see, like {@code ipcs} but with owners and liveness. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List IPC objects with their owners and the processes that use them.",
                "Objects: jipc mailboxes (also unbounded ones), regions, circular buffers, sync objects and names, "
                + "POSIX shared memory and message queues, FIFOs under the jipc root, anonymous regions in "
                + "use; with owner pid and whether it lives, the processes using each (those this user may "
                + "inspect), capacity, depth and mode. STALE: the owner is dead and nothing uses it (jipc "
                + "gc removes those)."})
final class LsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print a JSON array")
    boolean json;

    @Option(names = "--kind", description = "only objects of this kind: mailbox, unbounded, region, circular-buffer, sync, name, mq, fifo, anonymous-region")
    String kind;

    @Option(names = "--stale", description = "only stale objects")
    boolean staleOnly;

    @Override
    public Integer call() {
        List<ObjectRow> rows = select(ObjectInventory.list(), kind, staleOnly);
        System.out.print(json ? RowFormat.json(rows) : "jipc root: " + JipcRoot.path() + "\n" + RowFormat.table(rows));
        return 0;
    }

    static List<ObjectRow> select(List<ObjectRow> rows, String kind, boolean staleOnly) {
        return rows.stream().filter(r -> kind == null || r.kind().equals(kind))
                .filter(r -> !staleOnly || r.stale()).toList();
    }
}
