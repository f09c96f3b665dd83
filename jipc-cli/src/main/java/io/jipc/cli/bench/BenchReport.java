package io.jipc.cli.bench;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Renders the reports of the benchmarks ({@link MailboxBench.Report}, {@link SocketBench.Report}) as aligned tables or as JSON. */
public final class BenchReport {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};

    private BenchReport() {
    }

    /** The human-readable table with ratios. */
    public static String table(MailboxBench.Report report) {
        StringBuilder out = new StringBuilder();
        MailboxBench.Settings s = report.settings();
        out.append(String.format(Locale.ROOT, "jipc bench mailbox: %d-byte messages between two processes%n", s.size()));
        out.append("machine: ").append(report.machine()).append('\n');
        out.append(String.format(Locale.ROOT, "ping-pong: %s s warm-up (%s s at most) + %s s measured per mechanism;"
                        + " one-way: %,d messages through a mailbox of %,d bytes%n%n", seconds(s.warmup()),
                seconds(s.maxWarmup()), seconds(s.measure()), s.messages(), s.oneWayCapacity()));
        appendRows(out, report.results());
        BenchResult pipe = find(report.results(), "pipe");
        if (pipe != null) {
            out.append('\n');
            String label = "%-" + labelWidth(report.results()) + "s";
            for (BenchResult r : report.results()) {
                if (r == pipe || r.roundTrip() == null) {
                    continue;
                }
                double ratio = r.roundTripMicros(50) / pipe.roundTripMicros(50);
                out.append(String.format(Locale.ROOT, label + " RTT p50 = %.3f x the pipe's (%s)",
                        r.mechanism(), ratio, comparison(ratio)));
                double mean = meanRoundTripRatio(r, pipe);
                if (!Double.isNaN(mean)) {
                    out.append(String.format(Locale.ROOT, "; mean RTT = %.3f x the pipe's", mean));
                }
                out.append('\n');
            }
        }
        MailboxBench.PipePairing pairing = report.pipePairing();
        if (pairing != null) {
            out.append(String.format(Locale.ROOT, "%n%s and the pipe were measured in alternating slices of %.0f ms "
                            + "(%d of each): %s%n", pairing.mechanism(), pairing.slice().toNanos() / 1e6, pairing.pairs(),
                    pairingOutcome(pairing)));
        }
        if (!Double.isNaN(report.idleCpu())) {
            out.append(String.format(Locale.ROOT, "%nidle: a process whose receiver is blocked in take() (spin-then-futex) used %.3f %% of a CPU%n",
                    report.idleCpu()));
        }
        return out.toString();
    }

    /**
     * A ratio of round trips (a mechanism's over the pipe's) in words: {@code "4.1 x faster"} below 1,
     * {@code "33.6 x slower"} above (not {@code "0.0 x faster"}), {@code "as fast"} where the
     * factor rounds to 1.0, {@code "not comparable"} if it is not a positive number.
     */
    static String comparison(double ratio) {
        if (!(ratio > 0) || Double.isInfinite(ratio)) {
            return "not comparable";
        }
        double factor = ratio < 1 ? 1 / ratio : ratio;
        String figure = String.format(Locale.ROOT, "%.1f", factor);
        if (figure.equals("1.0")) {
            return "as fast";
        }
        return figure + " x " + (ratio < 1 ? "faster" : "slower");
    }

    /** "the mailbox's median round trip was the lower in 7 of 10 pairs of slices, the pipe's in 3". */
    static String pairingOutcome(MailboxBench.PipePairing pairing) {
        int equal = pairing.pairs() - pairing.mailboxLower() - pairing.pipeLower();
        return String.format(Locale.ROOT, "the mailbox's median round trip was the lower in %d of %d pairs of slices, "
                        + "the pipe's in %d%s", pairing.mailboxLower(), pairing.pairs(), pairing.pipeLower(),
                equal == 0 ? "" : " (" + equal + " equal)");
    }

    /**
     * {@code r}'s mean round trip over {@code pipe}'s (the inverse ratio of their round trips per
     * second; one message in flight each way), or NaN if either has no rate. Beside the p50 ratio
     * because the pipe's round trips on a small VM can be bimodal: a low median with a long tail.
     */
    static double meanRoundTripRatio(BenchResult r, BenchResult pipe) {
        if (r.roundTripsPerSecond() <= 0 || pipe.roundTripsPerSecond() <= 0) {
            return Double.NaN;
        }
        return pipe.roundTripsPerSecond() / r.roundTripsPerSecond();
    }

    /** The same figures as JSON, with the ratios to the pipe that the table states ({@code pipeRatios}). */
    public static String json(MailboxBench.Report report) {
        MailboxBench.Settings s = report.settings();
        StringBuilder out = jsonHeader("mailbox", report.machine(), s.size(), s.warmup(), s.maxWarmup(), s.measure(),
                s.messages());
        out.append("  \"capacity\": ").append(s.oneWayCapacity()).append(",\n");
        out.append("  \"idleCpuPercent\": ").append(number(report.idleCpu())).append(",\n");
        MailboxBench.PipePairing pairing = report.pipePairing();
        if (pairing != null) {
            out.append("  \"pipePairing\": {\"mechanism\": ").append(quote(pairing.mechanism()))
                    .append(", \"sliceSeconds\": ").append(number(pairing.slice().toNanos() / 1e9))
                    .append(", \"pairs\": ").append(pairing.pairs())
                    .append(", \"mailboxLower\": ").append(pairing.mailboxLower())
                    .append(", \"pipeLower\": ").append(pairing.pipeLower()).append("},\n");
        }
        appendJsonPipeRatios(out, report.results());
        appendJsonResults(out, report.results());
        out.append("}\n");
        return out.toString();
    }

    /**
     * {@code "pipeRatios"}: for each mechanism with round trips, its RTT p50 and mean RTT over the
     * pipe's, as the table's ratio lines give them ({@code null} where not comparable); nothing
     * without a pipe in the run. Until 2026-12-07 the JSON had only the raw figures.
     */
    private static void appendJsonPipeRatios(StringBuilder out, List<BenchResult> results) {
        BenchResult pipe = find(results, "pipe");
        if (pipe == null || pipe.roundTrip() == null) {
            return;
        }
        out.append("  \"pipeRatios\": [");
        String separator = "\n";
        for (BenchResult r : results) {
            if (r == pipe || r.roundTrip() == null) {
                continue;
            }
            out.append(separator).append("    {\"mechanism\": ").append(quote(r.mechanism()))
                    .append(", \"rttP50\": ").append(number(r.roundTripMicros(50) / pipe.roundTripMicros(50)))
                    .append(", \"meanRtt\": ").append(number(meanRoundTripRatio(r, pipe))).append("}");
            separator = ",\n";
        }
        out.append(separator.equals("\n") ? "],\n" : "\n  ],\n");
    }

    /** The opening of a JSON report: what ran, where, with which settings. */
    private static StringBuilder jsonHeader(String benchmark, String machine, int size, Duration warmup,
                                            Duration maxWarmup, Duration measure, long messages) {
        StringBuilder out = new StringBuilder("{\n");
        out.append("  \"benchmark\": ").append(quote(benchmark)).append(",\n");
        out.append("  \"machine\": ").append(quote(machine)).append(",\n");
        out.append("  \"messageSize\": ").append(size).append(",\n");
        out.append("  \"warmupSeconds\": ").append(number(warmup.toMillis() / 1000.0)).append(",\n");
        out.append("  \"maxWarmupSeconds\": ").append(number(maxWarmup.toMillis() / 1000.0)).append(",\n");
        out.append("  \"measureSeconds\": ").append(number(measure.toMillis() / 1000.0)).append(",\n");
        out.append("  \"messages\": ").append(messages).append(",\n");
        return out;
    }

    /** The table's column headers and one row per result. */
    public static void appendRows(StringBuilder out, List<BenchResult> results) {
        String label = "%-" + labelWidth(results) + "s";
        out.append(String.format(Locale.ROOT, label + " %9s %9s %9s %9s %9s %12s %14s %10s%n", "",
                "RTT p50", "p90", "p99", "p99.9", "max", "round", "one-way", "one-way"));
        out.append(String.format(Locale.ROOT, label + " %9s %9s %9s %9s %9s %12s %14s %10s%n", "mechanism",
                "(µs)", "(µs)", "(µs)", "(µs)", "(µs)", "trips/s", "msgs/s", "MB/s"));
        for (BenchResult r : results) {
            out.append(String.format(Locale.ROOT, label, r.mechanism()));
            if (r.roundTrip() == null) {
                out.append(String.format(Locale.ROOT, " %9s %9s %9s %9s %9s %12s", "-", "-", "-", "-", "-", "-"));
            } else {
                for (double p : PERCENTILES) {
                    out.append(String.format(Locale.ROOT, " %9.2f", r.roundTripMicros(p)));
                }
                out.append(String.format(Locale.ROOT, " %9.2f", r.roundTrip().getMaxValue() / 1000.0));
                out.append(String.format(Locale.ROOT, " %,12.0f", r.roundTripsPerSecond()));
            }
            out.append(r.messagesPerSecond() > 0 ? String.format(Locale.ROOT, " %,14.0f", r.messagesPerSecond())
                    : String.format(Locale.ROOT, " %14s", "-"));
            out.append(r.megabytesPerSecond() > 0 ? String.format(Locale.ROOT, " %,10.1f", r.megabytesPerSecond())
                    : String.format(Locale.ROOT, " %10s", "-"));
            out.append('\n');
        }
    }

    /**
     * The width of the mechanism column of {@code results}' table: 22, or the longest label's length
     * if longer ({@code mailbox spin-then-futex}), so that every row and ratio line stays aligned.
     */
    static int labelWidth(List<BenchResult> results) {
        return Math.max(22, results.stream().mapToInt(r -> r.mechanism().length()).max().orElse(0));
    }

    /** The {@code "results"} array of the JSON form. */
    public static void appendJsonResults(StringBuilder out, List<BenchResult> results) {
        out.append("  \"results\": [\n");
        for (int i = 0; i < results.size(); i++) {
            BenchResult r = results.get(i);
            out.append("    {\"mechanism\": ").append(quote(r.mechanism()));
            if (r.roundTrip() != null) {
                out.append(", \"rttMicros\": {");
                out.append("\"p50\": ").append(number(r.roundTripMicros(50)));
                out.append(", \"p90\": ").append(number(r.roundTripMicros(90)));
                out.append(", \"p99\": ").append(number(r.roundTripMicros(99)));
                out.append(", \"p99.9\": ").append(number(r.roundTripMicros(99.9)));
                out.append(", \"max\": ").append(number(r.roundTrip().getMaxValue() / 1000.0));
                out.append("}, \"roundTripsPerSecond\": ").append(number(r.roundTripsPerSecond()));
            }
            if (r.messagesPerSecond() > 0) {
                out.append(", \"messagesPerSecond\": ").append(number(r.messagesPerSecond()));
                out.append(", \"megabytesPerSecond\": ").append(number(r.megabytesPerSecond()));
            }
            out.append(i + 1 < results.size() ? "},\n" : "}\n");
        }
        out.append("  ]\n");
    }

    /** The table of {@code jipc bench sockets}, with the share of datagrams lost. */
    public static String table(SocketBench.Report report) {
        StringBuilder out = new StringBuilder();
        SocketBench.Settings s = report.settings();
        out.append(String.format(Locale.ROOT, "jipc bench sockets: %d-byte messages between two processes%n", s.size()));
        out.append("machine: ").append(report.machine()).append('\n');
        out.append(String.format(Locale.ROOT, "ping-pong: %s s measured per transport; one-way: %,d messages "
                + "(rate of messages delivered)%n%n", seconds(s.measure()), s.messages()));
        appendRows(out, report.results());
        report.lostShare().forEach((label, share) -> out.append(String.format(Locale.ROOT,
                "%n%-22s one-way datagrams lost: %.2f %%", label, 100 * share)));
        return out.append('\n').toString();
    }

    /** The same figures as JSON. */
    public static String json(SocketBench.Report report) {
        SocketBench.Settings s = report.settings();
        StringBuilder out = jsonHeader("sockets", report.machine(), s.size(), s.warmup(), s.maxWarmup(), s.measure(),
                s.messages());
        out.append("  \"lostShare\": {");
        String separator = "";
        for (var e : report.lostShare().entrySet()) {
            out.append(separator).append(quote(e.getKey())).append(": ").append(share(e.getValue()));
            separator = ", ";
        }
        out.append("},\n");
        appendJsonResults(out, report.results());
        out.append("}\n");
        return out.toString();
    }

    private static BenchResult find(List<BenchResult> results, String prefix) {
        for (BenchResult r : results) {
            if (r.mechanism().startsWith(prefix)) {
                return r;
            }
        }
        return null;
    }

    /**
     * {@code duration} in seconds for the tables, to the millisecond without trailing zeros (at least
     * one decimal): {@code 0.25}, {@code 1.0}, {@code 1.5}; the JSON's {@link #number} of the same
     * duration reads the same.
     */
    public static String seconds(Duration duration) {
        BigDecimal s = BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros();
        return s.scale() < 1 ? s.setScale(1).toPlainString() : s.toPlainString();
    }

    /**
     * A share 0..1 in JSON with the precision of the tables' percentages (two decimals of a percent):
     * {@code 0.0004} where a table says {@code 0.04 %}, which {@link #number} rounded to {@code 0.000}.
     */
    static String share(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.4f", value);
    }

    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /** {@code s} as a JSON string literal. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
