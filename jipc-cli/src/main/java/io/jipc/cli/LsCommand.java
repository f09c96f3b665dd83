package io.jipc.cli;

import io.jipc.cli.bench.BenchReport;
import io.jipc.cli.ls.Catalog;
import io.jipc.cli.ls.IpcObject;
import io.jipc.segment.JipcRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code jipc ls}: the live IPC objects, like {@code ipcs}. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List live IPC objects: jipc regions, circular buffers and mailboxes (under the jipc root),",
                "POSIX shared memory (/dev/shm) and anonymous regions in use, with size, owner, mode,",
                "creator and the processes that map them (those this user may inspect)."})
final class LsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print a JSON array")
    boolean json;

    @Option(names = "--kind", description = "only objects of this kind, e.g. region, circular-buffer, mailbox")
    String kind;

    @Override
    public Integer call() {
        List<IpcObject> objects = Catalog.list().stream()
                .filter(o -> kind == null || o.kind().equals(kind)).toList();
        System.out.print(json ? json(objects) : table(objects));
        return 0;
    }

    static String table(List<IpcObject> objects) {
        StringBuilder out = new StringBuilder();
        out.append("jipc root: ").append(JipcRoot.path()).append('\n');
        String row = "%-17s %-28s %12s %-9s %-5s %-18s %-16s %s%n";
        out.append(String.format(Locale.ROOT, row, "KIND", "NAME", "SIZE", "OWNER", "MODE", "CREATOR", "ATTACHED",
                "FORMAT"));
        for (IpcObject o : objects) {
            String attached = o.attached().isEmpty() ? "-"
                    : o.attached().stream().map(String::valueOf).collect(Collectors.joining(","));
            out.append(String.format(Locale.ROOT, row, o.kind(), o.name(), String.format(Locale.ROOT, "%,d", o.size()),
                    o.owner(), o.mode(), o.creator(), attached, o.format()));
        }
        if (objects.isEmpty()) {
            out.append("(none)\n");
        }
        return out.toString();
    }

    static String json(List<IpcObject> objects) {
        StringBuilder out = new StringBuilder("[\n");
        for (int i = 0; i < objects.size(); i++) {
            IpcObject o = objects.get(i);
            out.append("  {\"kind\": ").append(BenchReport.quote(o.kind()))
                    .append(", \"name\": ").append(BenchReport.quote(o.name()))
                    .append(", \"path\": ").append(BenchReport.quote(o.path()))
                    .append(", \"size\": ").append(o.size())
                    .append(", \"owner\": ").append(BenchReport.quote(o.owner()))
                    .append(", \"mode\": ").append(BenchReport.quote(o.mode()))
                    .append(", \"creator\": ").append(BenchReport.quote(o.creator()))
                    .append(", \"attached\": ").append(o.attached())
                    .append(", \"format\": ").append(BenchReport.quote(o.format()))
                    .append(i + 1 < objects.size() ? "},\n" : "}\n");
        }
        return out.append("]\n").toString();
    }
}
