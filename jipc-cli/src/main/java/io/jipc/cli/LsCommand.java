package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.RowFormat;
import io.jipc.segment.JipcRoot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

    @Option(names = "--kind", description = "only objects of this kind: mailbox, unbounded, region, circular-buffer, "
            + "sync, group, name, mq, fifo, anonymous-region, handoff")
    String kind;

    @Spec
    CommandSpec spec;

    @Option(names = "--stale", description = "only stale objects")
    boolean staleOnly;

    @Override
    public Integer call() {
        checkKind(spec, kind);
        List<ObjectRow> rows = select(ObjectInventory.list(), kind, staleOnly);
        System.out.print(json ? RowFormat.json(rows) : "jipc root: " + JipcRoot.path() + "\n" + RowFormat.table(rows));
        return 0;
    }

    /** A {@code --kind} that names no kind of object is a usage error (exit code 2). */
    static void checkKind(CommandSpec spec, String kind) {
        if (kind != null) {
            try {
                ObjectInventory.checkKind(kind);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }

    static List<ObjectRow> select(List<ObjectRow> rows, String kind, boolean staleOnly) {
        return rows.stream().filter(r -> kind == null || r.kind().equalsIgnoreCase(kind))
                .filter(r -> !staleOnly || r.stale()).toList();
    }
}
