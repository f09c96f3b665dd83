package io.jipc.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleBiFunction;
import java.util.function.ToDoubleFunction;

/**
 * The summary of several runs of {@code jipc bench mailbox} ({@code --rounds N}): for each
 * mechanism, the median of each figure over the runs and its range, and the ratios to the pipe
 * that each run had. On a machine where the scheduler's placement of the two processes changes a
 * round trip severalfold from one run to the next, one run can mislead; the medians and ranges say
 * how far a figure moves.
 */
public final class RoundsReport {
    private RoundsReport() {
    }

    /** One figure of one mechanism: its column in the table, its key in the JSON, how it is read and printed. */
    private record Figure(String column, String key, ToDoubleFunction<BenchResult> value, String format) {
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("RTT p50 (µs)", "rttP50Micros", r -> r.roundTripMicros(50), "%.2f"),
            new Figure("RTT p99 (µs)", "rttP99Micros", r -> r.roundTripMicros(99), "%.2f"),
            new Figure("round trips/s", "roundTripsPerSecond",
                    r -> r.roundTrip() == null ? Double.NaN : r.roundTripsPerSecond(), "%,.0f"),
            new Figure("one-way msgs/s", "messagesPerSecond",
                    r -> r.messagesPerSecond() > 0 ? r.messagesPerSecond() : Double.NaN, "%,.0f"));

    /** The summary table, after the runs' own tables. */
    public static String table(List<MailboxBench.Report> rounds) {
        requireRounds(rounds);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "jipc bench mailbox: medians of %d runs [lowest - highest]%n%n", rounds.size()));
        List<String> mechanisms = mechanisms(rounds);
        String[][] cells = new String[mechanisms.size()][FIGURES.size()];
        int[] widths = new int[FIGURES.size()];
        for (int f = 0; f < FIGURES.size(); f++) {
            Figure figure = FIGURES.get(f);
            widths[f] = figure.column().length();
            for (int m = 0; m < mechanisms.size(); m++) {
                double[] values = values(rounds, mechanisms.get(m), figure.value());
                String format = figure.format();
                cells[m][f] = values.length == 0 ? "-" : String.format(Locale.ROOT, format + " [" + format + " - "
                        + format + "]", median(values), values[0], values[values.length - 1]);
                widths[f] = Math.max(widths[f], cells[m][f].length());
            }
        }
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-24s", "mechanism"));
        for (int f = 0; f < FIGURES.size(); f++) {
            header.append("  ").append(pad(FIGURES.get(f).column(), widths[f]));
        }
        out.append(header.toString().stripTrailing()).append('\n');
        for (int m = 0; m < mechanisms.size(); m++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-24s", mechanisms.get(m)));
            for (int f = 0; f < FIGURES.size(); f++) {
                row.append("  ").append(pad(cells[m][f], widths[f]));
            }
            out.append(row.toString().stripTrailing()).append('\n');
        }
        Map<String, double[]> ratios = pipeRatios(rounds, (r, pipe) -> r.roundTripMicros(50) / pipe.roundTripMicros(50));
        Map<String, double[]> meanRatios = pipeRatios(rounds, BenchReport::meanRoundTripRatio);
        if (!ratios.isEmpty()) {
            out.append('\n');
            ratios.forEach((mechanism, perRun) -> {
                out.append(String.format(Locale.ROOT, "%-24s RTT p50 / the pipe's, per run:", mechanism));
                appendRatios(out, perRun);
                double[] means = meanRatios.get(mechanism);
                if (Arrays.stream(means).noneMatch(Double::isNaN)) {
                    out.append("; mean RTT / the pipe's:");
                    appendRatios(out, means);
                }
                out.append('\n');
            });
        }
        List<MailboxBench.PipePairing> pairings = rounds.stream().map(MailboxBench.Report::pipePairing)
                .filter(Objects::nonNull).toList();
        if (!pairings.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%n%s against the pipe in alternating slices, pairs of slices in which "
                    + "the mailbox's median was the lower, per run:", pairings.getFirst().mechanism()));
            int lower = 0;
            int pairs = 0;
            for (MailboxBench.PipePairing pairing : pairings) {
                out.append(String.format(Locale.ROOT, " %d/%d", pairing.mailboxLower(), pairing.pairs()));
                lower += pairing.mailboxLower();
                pairs += pairing.pairs();
            }
            out.append(String.format(Locale.ROOT, "; in all %d of %d%n", lower, pairs));
        }
        double[] idle = rounds.stream().mapToDouble(MailboxBench.Report::idleCpu).filter(v -> !Double.isNaN(v))
                .sorted().toArray();
        if (idle.length > 0) {
            out.append(String.format(Locale.ROOT, "%nidle: a blocked receiver used %.3f %% of a CPU (median; %.3f - %.3f)%n",
                    median(idle), idle[0], idle[idle.length - 1]));
        }
        return out.toString();
    }

    /** Every run's JSON report and the medians, as one JSON object. */
    public static String json(List<MailboxBench.Report> rounds) {
        requireRounds(rounds);
        StringBuilder out = new StringBuilder("{\n  \"benchmark\": \"mailbox\",\n  \"rounds\": [\n");
        for (int i = 0; i < rounds.size(); i++) {
            out.append(BenchReport.json(rounds.get(i)).strip().indent(4).stripTrailing())
                    .append(i + 1 < rounds.size() ? ",\n" : "\n");
        }
        out.append("  ],\n  \"medians\": [\n");
        List<String> mechanisms = mechanisms(rounds);
        for (int m = 0; m < mechanisms.size(); m++) {
            String mechanism = mechanisms.get(m);
            out.append("    {\"mechanism\": ").append(BenchReport.quote(mechanism));
            for (Figure figure : FIGURES) {
                appendMedian(out, figure.key(), values(rounds, mechanism, figure.value()));
            }
            out.append(m + 1 < mechanisms.size() ? "},\n" : "}\n");
        }
        out.append("  ]\n}\n");
        return out.toString();
    }

    private static void appendMedian(StringBuilder out, String name, double[] values) {
        if (values.length > 0) {
            out.append(", \"").append(name).append("\": ").append(BenchReport.number(median(values)));
        }
    }

    private static void requireRounds(List<MailboxBench.Report> rounds) {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("no runs to summarize");
        }
    }

    /** The mechanisms in the order of their first appearance. */
    private static List<String> mechanisms(List<MailboxBench.Report> rounds) {
        List<String> names = new ArrayList<>();
        for (MailboxBench.Report report : rounds) {
            for (BenchResult r : report.results()) {
                if (!names.contains(r.mechanism())) {
                    names.add(r.mechanism());
                }
            }
        }
        return names;
    }

    /** The measured values of one figure of {@code mechanism} over the runs, sorted (NaN left out). */
    private static double[] values(List<MailboxBench.Report> rounds, String mechanism, ToDoubleFunction<BenchResult> figure) {
        return rounds.stream().flatMap(report -> report.results().stream())
                .filter(r -> r.mechanism().equals(mechanism)).mapToDouble(figure)
                .filter(v -> !Double.isNaN(v)).sorted().toArray();
    }

    /** Appends {@code perRun} and their median: {@code " a b c; median m"}. */
    private static void appendRatios(StringBuilder out, double[] perRun) {
        for (double ratio : perRun) {
            out.append(String.format(Locale.ROOT, " %.3f", ratio));
        }
        double[] sorted = perRun.clone();
        Arrays.sort(sorted);
        out.append(String.format(Locale.ROOT, "; median %.3f", median(sorted)));
    }

    /** Per mechanism with round trips, {@code ratio} of it to the pipe in each run that measured both. */
    private static Map<String, double[]> pipeRatios(List<MailboxBench.Report> rounds,
                                                    ToDoubleBiFunction<BenchResult, BenchResult> ratio) {
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (MailboxBench.Report report : rounds) {
            BenchResult pipe = report.results().stream().filter(r -> r.mechanism().startsWith("pipe"))
                    .findFirst().orElse(null);
            if (pipe == null) {
                continue;
            }
            for (BenchResult r : report.results()) {
                if (r != pipe && r.roundTrip() != null) {
                    ratios.computeIfAbsent(r.mechanism(), k -> new ArrayList<>()).add(ratio.applyAsDouble(r, pipe));
                }
            }
        }
        Map<String, double[]> result = new LinkedHashMap<>();
        ratios.forEach((k, v) -> result.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
        return result;
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }

    /** The median of sorted {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
