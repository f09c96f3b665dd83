package io.jipc.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders an {@link AllBench.Report} as an aligned table, with each figure's ratio to the best of
 * its column, or as JSON. The ratios read "times slower than the fastest": 1.0x is the fastest;
 * for round trips the value over the smallest, for rates the largest over the value.
 */
public final class AllBenchReport {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};

    private AllBenchReport() {
    }

    /** The smallest RTT p50 of the report, in µs; NaN if none. */
    static double bestRtt(AllBench.Report report) {
        double best = Double.NaN;
        for (MechanismResult r : report.results()) {
            double v = r.rttMicros(50);
            if (!Double.isNaN(v) && !(v >= best)) {
                best = v;
            }
        }
        return best;
    }

    /** The largest one-way rate (messages/s) for {@code size}; NaN if none. */
    static double bestRate(AllBench.Report report, int size) {
        double best = Double.NaN;
        for (MechanismResult r : report.results()) {
            Throughput t = r.throughput(size);
            if (t != null && !(t.messagesPerSecond() <= best)) {
                best = t.messagesPerSecond();
            }
        }
        return best;
    }

    /** The table. */
    public static String table(AllBench.Report report) {
        AllBench.Settings s = report.settings();
        List<Integer> sizes = s.throughputSizes();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "jipc bench: every mechanism between two processes (%.0f s)%n",
                report.seconds()));
        out.append("machine: ").append(report.machine()).append('\n');
        out.append(String.format(Locale.ROOT, "ping-pong: %d-byte messages, %s s measured each; one-way: %s%n",
                s.size(), BenchReport.seconds(s.timing().pingMeasure()),
                String.join(", ", sizes.stream().map(AllBench::sizeName).toList())));
        out.append("x: times slower than the fastest of the column (1.0x = fastest)\n\n");

        StringBuilder head1 = new StringBuilder(String.format(Locale.ROOT, "%-22s %10s %10s %10s %10s %6s", "",
                "RTT p50", "p90", "p99", "p99.9", ""));
        StringBuilder head2 = new StringBuilder(String.format(Locale.ROOT, "%-22s %10s %10s %10s %10s %6s", "mechanism",
                "(µs)", "(µs)", "(µs)", "(µs)", "x"));
        for (int i = 0; i < sizes.size(); i++) {
            String name = AllBench.sizeName(sizes.get(i)) + " one-way";
            if (i == 0) {
                head1.append(String.format(Locale.ROOT, " | %-29s", name));
                head2.append(String.format(Locale.ROOT, " | %12s %9s %6s", "msgs/s", "MB/s", "x"));
            } else {
                head1.append(String.format(Locale.ROOT, " | %-16s", name));
                head2.append(String.format(Locale.ROOT, " | %9s %6s", "MB/s", "x"));
            }
        }
        int measuredWidth = head1.length() - 22;
        head1.append(String.format(Locale.ROOT, " | %-22s %-15s %s", "kernel", "copies", "persistence"));
        head2.append(String.format(Locale.ROOT, " | %-22s %-15s %s", "involvement", "per message", ""));
        out.append(head1.toString().stripTrailing()).append('\n').append(head2.toString().stripTrailing()).append('\n');

        double bestRtt = bestRtt(report);
        List<String> notes = new ArrayList<>();
        for (MechanismResult r : report.results()) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-22s", r.mechanism().label()));
            if (r.pingPong() == null && r.oneWay().isEmpty()) {
                String why = r.problem() == null ? "" : r.problem();
                String shown = " (" + (why.startsWith("failed") ? "failed, see below" : "not measured, see below") + ")";
                row.append(String.format(Locale.ROOT, "%-" + measuredWidth + "s", shown));
            } else {
                for (double p : PERCENTILES) {
                    row.append(String.format(Locale.ROOT, " %10s", fixed(r.rttMicros(p), 2)));
                }
                row.append(String.format(Locale.ROOT, " %6s", ratio(r.rttMicros(50) / bestRtt)));
                for (int i = 0; i < sizes.size(); i++) {
                    Throughput t = r.throughput(sizes.get(i));
                    double x = t == null ? Double.NaN : bestRate(report, sizes.get(i)) / t.messagesPerSecond();
                    if (i == 0) {
                        row.append(String.format(Locale.ROOT, " | %12s %9s %6s",
                                t == null ? "-" : String.format(Locale.ROOT, "%,.0f", t.messagesPerSecond()),
                                t == null ? "-" : fixed(t.megabytesPerSecond(), 1), ratio(x)));
                    } else {
                        row.append(String.format(Locale.ROOT, " | %9s %6s",
                                t == null ? "-" : fixed(t.megabytesPerSecond(), 1), ratio(x)));
                    }
                }
            }
            Mechanism.Traits q = r.mechanism().traits();
            row.append(String.format(Locale.ROOT, " | %-22s %-15s %s", q.kernel(), q.copies(), q.persistence()));
            out.append(row.toString().stripTrailing()).append('\n');
            if (r.problem() != null) {
                notes.add(r.mechanism().label() + ": " + r.problem());
            }
            for (String skip : r.skipped()) {
                notes.add(r.mechanism().label() + ": not measured: " + skip);
            }
            for (Throughput t : r.oneWay()) {
                if (t.lostShare() > 0) {
                    notes.add(String.format(Locale.ROOT, "%s: %.2f %% of the %s one-way messages were lost (rates are of those delivered)",
                            r.mechanism().label(), 100 * t.lostShare(), AllBench.sizeName(t.size())));
                }
            }
        }
        if (!notes.isEmpty()) {
            out.append('\n');
            notes.forEach(n -> out.append(n).append('\n'));
        }
        return out.toString();
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String ratio(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return "-";
        }
        return String.format(Locale.ROOT, x < 10 ? "%.1fx" : "%.0fx", x);
    }

    /** The same as JSON. */
    public static String json(AllBench.Report report) {
        AllBench.Settings s = report.settings();
        StringBuilder out = new StringBuilder("{\n");
        out.append("  \"benchmark\": \"all\",\n");
        out.append("  \"machine\": ").append(BenchReport.quote(report.machine())).append(",\n");
        out.append("  \"seconds\": ").append(BenchReport.number(report.seconds())).append(",\n");
        out.append("  \"messageSize\": ").append(s.size()).append(",\n");
        out.append("  \"throughputSizes\": ").append(s.throughputSizes()).append(",\n");
        out.append("  \"pingPongSeconds\": ").append(BenchReport.number(s.timing().pingMeasure().toMillis() / 1000.0))
                .append(",\n");
        out.append("  \"results\": [");
        String separator = "\n";
        for (MechanismResult r : report.results()) {
            out.append(separator);
            separator = ",\n";
            Mechanism m = r.mechanism();
            out.append("    {\"id\": ").append(BenchReport.quote(m.id()));
            out.append(", \"mechanism\": ").append(BenchReport.quote(m.label()));
            out.append(", \"available\": ").append(m.unavailable() == null);
            out.append(", \"problem\": ").append(r.problem() == null ? "null" : BenchReport.quote(r.problem()));
            out.append(",\n     \"kernel\": ").append(BenchReport.quote(m.traits().kernel()));
            out.append(", \"copies\": ").append(BenchReport.quote(m.traits().copies()));
            out.append(", \"persistence\": ").append(BenchReport.quote(m.traits().persistence()));
            out.append(",\n     \"rttMicros\": ");
            if (r.pingPong() == null) {
                out.append("null");
            } else {
                out.append("{\"p50\": ").append(BenchReport.number(r.rttMicros(50)));
                out.append(", \"p90\": ").append(BenchReport.number(r.rttMicros(90)));
                out.append(", \"p99\": ").append(BenchReport.number(r.rttMicros(99)));
                out.append(", \"p99.9\": ").append(BenchReport.number(r.rttMicros(99.9)));
                out.append(", \"max\": ").append(BenchReport.number(r.pingPong().roundTrip().getMaxValue() / 1000.0));
                out.append("}, \"roundTripsPerSecond\": ").append(BenchReport.number(r.pingPong().roundTripsPerSecond()));
            }
            out.append(",\n     \"oneWay\": [");
            String comma = "";
            for (Throughput t : r.oneWay()) {
                out.append(comma).append("{\"size\": ").append(t.size());
                out.append(", \"messagesPerSecond\": ").append(BenchReport.number(t.messagesPerSecond()));
                out.append(", \"megabytesPerSecond\": ").append(BenchReport.number(t.megabytesPerSecond()));
                out.append(", \"lostShare\": ").append(BenchReport.share(t.lostShare())).append('}');
                comma = ", ";
            }
            out.append("],\n     \"skipped\": [");
            out.append(String.join(", ", r.skipped().stream().map(BenchReport::quote).toList()));
            out.append("]}");
        }
        out.append("\n  ]\n}\n");
        return out.toString();
    }
}
