package io.jipc.bench.aeron;

import io.jipc.cli.bench.BenchReport;
import io.jipc.cli.bench.BenchResult;
import io.jipc.cli.bench.MailboxBench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The results of one {@link SideBySide} invocation, rendered as an aligned table or as JSON.
 *
 * @param size        payload bytes of each message
 * @param warmup      minimum warm-up of each ping-pong
 * @param maxWarmup   maximum warm-up of each ping-pong and one-way run
 * @param measure     measured time of each ping-pong
 * @param messages    messages of each measured one-way run
 * @param aeronConfig a one-line description of the Aeron configuration
 * @param machine     the machine line ({@code io.jipc.cli.bench.Machine})
 * @param load        the load average when the run started
 * @param started     when the run started (ISO-8601)
 * @param rounds      the rounds, in order (at least one)
 */
public record SideBySideReport(int size, Duration warmup, Duration maxWarmup, Duration measure, long messages, String aeronConfig,
                               String machine, String load, String started, List<Round> rounds) {

    /** One measurement of both mechanisms; {@code jipcFirst} tells which ran first. */
    public record Round(int number, boolean jipcFirst, BenchResult jipc, BenchResult aeron) {
    }

    /**
     * One mechanism measured twice in a row: the second measurement of round {@code earlier} and the
     * first of round {@code later}, which run back to back when the order alternates (jipc, Aeron |
     * Aeron, jipc | ...). Their RTT p50 ratio shows how far apart two measurements of the same code
     * come out on this machine, against which a round's jipc / Aeron ratio can be read.
     */
    public record BackToBack(String mechanism, int earlier, int later, double p50Ratio) {
    }

    /** The figures of one table row. */
    private record Figures(String label, double[] rtt, double max, double roundTrips, double messages, double megabytes) {
        static Figures of(BenchResult r) {
            double[] rtt = new double[PERCENTILES.length];
            for (int i = 0; i < rtt.length; i++) {
                rtt[i] = r.roundTripMicros(PERCENTILES[i]);
            }
            return new Figures(r.mechanism(), rtt, r.roundTrip() == null ? Double.NaN : r.roundTrip().getMaxValue() / 1000.0,
                    r.roundTripsPerSecond(), r.messagesPerSecond(), r.megabytesPerSecond());
        }

        /** The median of each figure over {@code all}. */
        static Figures median(String label, List<Figures> all) {
            double[] rtt = new double[PERCENTILES.length];
            for (int i = 0; i < rtt.length; i++) {
                int p = i;
                rtt[i] = SideBySideReport.median(all, f -> f.rtt[p]);
            }
            return new Figures(label, rtt, SideBySideReport.median(all, Figures::max),
                    SideBySideReport.median(all, Figures::roundTrips), SideBySideReport.median(all, Figures::messages),
                    SideBySideReport.median(all, Figures::megabytes));
        }
    }

    static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final String ROW = "%-26s %9s %9s %9s %9s %9s %12s %14s %10s%n";

    public SideBySideReport {
        rounds = List.copyOf(rounds);
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("no rounds");
        }
    }

    /** The human-readable table: both mechanisms and the ratio jipc / Aeron of every figure. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "jipc-bench aeron: %d-byte messages between two processes, jipc mailbox vs Aeron IPC%n", size));
        out.append("machine: ").append(machine).append('\n');
        out.append("started: ").append(started).append(", load average ").append(load).append('\n');
        out.append(String.format(Locale.ROOT, "ping-pong: %s s warm-up (or more, until stable, at most %s s) + %s s"
                        + " measured per mechanism; one-way: %,d messages after warm-up rounds of %,d (until the rate"
                        + " settles)%n", BenchReport.seconds(warmup), BenchReport.seconds(maxWarmup),
                BenchReport.seconds(measure), messages, MailboxBench.warmMessages(messages, size)));
        out.append("jipc:  single-sender mailboxes with bound sender and receiver, SPIN wait strategy (busy spin),"
                + " one-way mailbox as large as the Aeron term\n");
        out.append("aeron: ").append(aeronConfig).append('\n');
        if (rounds.size() > 1) {
            out.append(String.format(Locale.ROOT, "%d rounds; the order alternates (jipc first in odd rounds, Aeron first in even ones)%n",
                    rounds.size()));
        }
        out.append('\n');
        out.append(String.format(Locale.ROOT, ROW, "", "RTT p50", "p90", "p99", "p99.9", "max", "round", "one-way", "one-way"));
        out.append(String.format(Locale.ROOT, ROW, "mechanism", "(µs)", "(µs)", "(µs)", "(µs)", "(µs)", "trips/s", "msgs/s", "MB/s"));
        if (rounds.size() == 1) {
            Round r = rounds.getFirst();
            appendTriple(out, Figures.of(r.jipc()), Figures.of(r.aeron()), "jipc / aeron");
        } else {
            for (Round r : rounds) {
                String suffix = " #" + r.number();
                Figures j = Figures.of(r.jipc());
                Figures a = Figures.of(r.aeron());
                appendTriple(out, new Figures(j.label() + suffix, j.rtt(), j.max(), j.roundTrips(), j.messages(), j.megabytes()),
                        new Figures(a.label() + suffix, a.rtt(), a.max(), a.roundTrips(), a.messages(), a.megabytes()),
                        "jipc / aeron" + suffix);
                out.append('\n');
            }
            appendTriple(out, medianJipc(), medianAeron(), "jipc / aeron, medians");
            appendBackToBack(out);
        }
        out.append("(ratios: below 1 for the RTT columns and above 1 for the rates favour jipc)\n");
        return out.toString();
    }

    /**
     * The back-to-back pairs of one mechanism (see {@link BackToBack}), in round order: one per pair of
     * consecutive rounds whose order differs.
     */
    public List<BackToBack> backToBack() {
        List<BackToBack> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < rounds.size(); i++) {
            Round a = rounds.get(i);
            Round b = rounds.get(i + 1);
            if (a.jipcFirst() == b.jipcFirst()) {
                continue;
            }
            // a ends with the mechanism that b starts with
            boolean aeron = a.jipcFirst();
            BenchResult first = aeron ? a.aeron() : a.jipc();
            BenchResult second = aeron ? b.aeron() : b.jipc();
            pairs.add(new BackToBack(aeron ? "aeron" : "jipc", a.number(), b.number(),
                    second.roundTripMicros(50) / first.roundTripMicros(50)));
        }
        return pairs;
    }

    private void appendBackToBack(StringBuilder out) {
        List<BackToBack> pairs = backToBack();
        if (pairs.isEmpty()) {
            return;
        }
        out.append("\nthe same mechanism twice in a row (the last of one round, the first of the next), RTT p50 later / earlier:\n");
        StringBuilder line = new StringBuilder();
        for (BackToBack p : pairs) {
            line.append(line.isEmpty() ? "  " : ", ").append(String.format(Locale.ROOT, "%s #%d|#%d %.2fx",
                    p.mechanism(), p.earlier(), p.later(), p.p50Ratio()));
        }
        out.append(line).append('\n');
        out.append(String.format(Locale.ROOT, "  (same code measured twice: %.2fx-%.2fx; "
                        + "the rounds' jipc / aeron p50 ratios: %.2fx-%.2fx)%n",
                pairs.stream().mapToDouble(BackToBack::p50Ratio).min().orElseThrow(),
                pairs.stream().mapToDouble(BackToBack::p50Ratio).max().orElseThrow(),
                rounds.stream().mapToDouble(SideBySideReport::p50Ratio).min().orElseThrow(),
                rounds.stream().mapToDouble(SideBySideReport::p50Ratio).max().orElseThrow()));
    }

    private static double p50Ratio(Round r) {
        return r.jipc().roundTripMicros(50) / r.aeron().roundTripMicros(50);
    }

    private Figures medianJipc() {
        return Figures.median("jipc, median of " + rounds.size(), rounds.stream().map(r -> Figures.of(r.jipc())).toList());
    }

    private Figures medianAeron() {
        return Figures.median("aeron, median of " + rounds.size(), rounds.stream().map(r -> Figures.of(r.aeron())).toList());
    }

    private static void appendTriple(StringBuilder out, Figures jipc, Figures aeron, String ratioLabel) {
        for (Figures f : List.of(jipc, aeron)) {
            out.append(String.format(Locale.ROOT, "%-26s", f.label()));
            for (double v : f.rtt()) {
                out.append(String.format(Locale.ROOT, " %9.2f", v));
            }
            out.append(String.format(Locale.ROOT, " %9.2f", f.max()));
            out.append(String.format(Locale.ROOT, " %,12.0f", f.roundTrips()));
            out.append(String.format(Locale.ROOT, " %,14.0f", f.messages()));
            out.append(String.format(Locale.ROOT, " %,10.1f", f.megabytes()));
            out.append('\n');
        }
        out.append(String.format(Locale.ROOT, "%-26s", ratioLabel));
        for (int i = 0; i < PERCENTILES.length; i++) {
            out.append(String.format(Locale.ROOT, " %9s", ratio(jipc.rtt()[i], aeron.rtt()[i])));
        }
        out.append(String.format(Locale.ROOT, " %9s", ratio(jipc.max(), aeron.max())));
        out.append(String.format(Locale.ROOT, " %12s", ratio(jipc.roundTrips(), aeron.roundTrips())));
        out.append(String.format(Locale.ROOT, " %14s", ratio(jipc.messages(), aeron.messages())));
        out.append(String.format(Locale.ROOT, " %10s", ratio(jipc.megabytes(), aeron.megabytes())));
        out.append('\n');
    }

    /** The same figures as JSON; the ratios are those of the medians over the rounds (of the round, if one). */
    public String json() {
        StringBuilder out = new StringBuilder("{\n");
        out.append("  \"benchmark\": \"jipc-vs-aeron\",\n");
        out.append("  \"machine\": ").append(BenchReport.quote(machine)).append(",\n");
        out.append("  \"loadAverage\": ").append(BenchReport.quote(load)).append(",\n");
        out.append("  \"started\": ").append(BenchReport.quote(started)).append(",\n");
        out.append("  \"messageSize\": ").append(size).append(",\n");
        out.append("  \"warmupSeconds\": ").append(number(warmup.toMillis() / 1000.0)).append(",\n");
        out.append("  \"maxWarmupSeconds\": ").append(number(maxWarmup.toMillis() / 1000.0)).append(",\n");
        out.append("  \"measureSeconds\": ").append(number(measure.toMillis() / 1000.0)).append(",\n");
        out.append("  \"messages\": ").append(messages).append(",\n");
        out.append("  \"rounds\": ").append(rounds.size()).append(",\n");
        out.append("  \"aeronConfig\": ").append(BenchReport.quote(aeronConfig)).append(",\n");
        out.append("  \"results\": [\n");
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            out.append(result(r.jipc(), "jipc", r.number(), r.jipcFirst() ? 1 : 2)).append(",\n");
            out.append(result(r.aeron(), "aeron", r.number(), r.jipcFirst() ? 2 : 1));
            out.append(i + 1 < rounds.size() ? ",\n" : "\n");
        }
        out.append("  ],\n");
        out.append("  \"backToBack\": [");
        List<BackToBack> pairs = backToBack();
        for (int i = 0; i < pairs.size(); i++) {
            BackToBack p = pairs.get(i);
            out.append(i == 0 ? "\n" : ",\n").append("    {\"mechanism\": ").append(BenchReport.quote(p.mechanism()))
                    .append(", \"rounds\": [").append(p.earlier()).append(", ").append(p.later())
                    .append("], \"rttP50Ratio\": ").append(number(p.p50Ratio())).append('}');
        }
        out.append(pairs.isEmpty() ? "],\n" : "\n  ],\n");
        Figures j = medianJipc();
        Figures a = medianAeron();
        out.append("  \"ratiosJipcToAeron\": {");
        out.append("\"rttP50\": ").append(number(j.rtt()[0] / a.rtt()[0]));
        out.append(", \"rttP99\": ").append(number(j.rtt()[2] / a.rtt()[2]));
        out.append(", \"roundTripsPerSecond\": ").append(number(j.roundTrips() / a.roundTrips()));
        out.append(", \"messagesPerSecond\": ").append(number(j.messages() / a.messages()));
        out.append("}\n}\n");
        return out.toString();
    }

    private static String result(BenchResult r, String id, int round, int order) {
        Figures f = Figures.of(r);
        StringBuilder out = new StringBuilder("    {\"id\": ").append(BenchReport.quote(id));
        out.append(", \"round\": ").append(round).append(", \"order\": ").append(order);
        out.append(", \"mechanism\": ").append(BenchReport.quote(r.mechanism()));
        out.append(", \"rttMicros\": {");
        out.append("\"p50\": ").append(number(f.rtt()[0]));
        out.append(", \"p90\": ").append(number(f.rtt()[1]));
        out.append(", \"p99\": ").append(number(f.rtt()[2]));
        out.append(", \"p99.9\": ").append(number(f.rtt()[3]));
        out.append(", \"max\": ").append(number(f.max()));
        out.append("}, \"roundTrips\": ").append(r.roundTrip() == null ? 0 : r.roundTrip().getTotalCount());
        out.append(", \"roundTripsPerSecond\": ").append(number(r.roundTripsPerSecond()));
        out.append(", \"messagesPerSecond\": ").append(number(r.messagesPerSecond()));
        out.append(", \"megabytesPerSecond\": ").append(number(r.megabytesPerSecond()));
        return out.append('}').toString();
    }

    private static <T> double median(List<T> values, ToDoubleFunction<T> figure) {
        double[] v = values.stream().mapToDouble(figure).toArray();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static String ratio(double a, double b) {
        double r = a / b;
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2fx", r) : "-";
    }

    private static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

}
