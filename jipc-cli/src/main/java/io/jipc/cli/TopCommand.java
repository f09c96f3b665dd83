package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.RateSampler;
import io.jipc.cli.ls.RowFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jipc top}: the inventory of {@code jipc ls}, redrawn every interval with each object's
 * message rate. On a terminal it redraws in place and quits on {@code q} (or Ctrl-C), restoring the
 * terminal; otherwise, or with {@code --once}, it prints one frame, measured over one interval.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"Live view of IPC objects (as jipc ls) with messages delivered per second.",
                "The rates come from the counters in the objects' shared headers. q or Ctrl-C quits. "
                + "Without a terminal, or with --once, prints one frame measured over one interval."})
final class TopCommand implements Callable<Integer> {
    private static final String CLEAR = "\033[H\033[2J";

    @Option(names = "--interval", description = "time between frames, e.g. 1s, 500ms (default: ${DEFAULT-VALUE})")
    String interval = "1s";

    @Option(names = "--once", description = "print one frame and exit")
    boolean once;

    @Option(names = "--kind", description = "only objects of this kind (as jipc ls --kind)")
    String kind;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        LsCommand.checkKind(spec, kind);
        Duration every = Durations.cappedToMostNanos(Durations.parse(interval));
        if (every.isNegative() || every.isZero()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--interval must be positive: " + Timeouts.text(every));
        }
        RateSampler sampler = new RateSampler();
        sampler.sample(rows());
        TerminalKeys keys = once ? null : TerminalKeys.open();
        if (keys == null) {
            Thread.sleep(every);
            List<ObjectRow> rows = rows();
            System.out.print(frame(rows, sampler.sample(rows), every));
            return 0;
        }
        try (keys) {
            while (true) {
                if (waitForQuit(keys, every)) {
                    return 0;
                }
                List<ObjectRow> rows = rows();
                System.out.print(CLEAR + frame(rows, sampler.sample(rows), every)
                        + "q quits\n");
                System.out.flush();
            }
        }
    }

    /** Waits one interval, watching for q; true if it was pressed. */
    private static boolean waitForQuit(TerminalKeys keys, Duration every) throws IOException, InterruptedException {
        long end = System.nanoTime() + every.toNanos();
        while (System.nanoTime() < end) {
            if (keys.pressed().indexOf('q') >= 0) {
                return true;
            }
            Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
        return false;
    }

    private List<ObjectRow> rows() {
        return LsCommand.select(ObjectInventory.list(), kind, false);
    }

    static String frame(List<ObjectRow> rows, Map<String, String> rates, Duration every) {
        StringBuilder out = new StringBuilder("jipc top - " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS)
                + ", rates over " + io.jipc.Timeouts.text(every) + ", " + rows.size() + " objects\n");
        int uriWidth = RowFormat.uriWidth(rows);
        out.append(RowFormat.heading(true, uriWidth).stripTrailing()).append('\n');
        rows.forEach(r -> out.append(RowFormat.line(r, rates.getOrDefault(r.uri(), "-"), uriWidth).stripTrailing())
                .append('\n'));
        return out.toString();
    }
}
