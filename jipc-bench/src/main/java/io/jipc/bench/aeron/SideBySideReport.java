package io.jipc.bench.aeron;

import io.jipc.cli.bench.BenchResult;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The results of one {@link SideBySide} invocation, rendered as an aligned table or as JSON.
 *
 * @param size        payload bytes of each message
 * @param warmup      minimum warm-up of each ping-pong
 * @param measure     measured time of each ping-pong
 * @param messages    messages of each measured one-way run
 * @param aeronConfig a one-line description of the Aeron configuration
 * @param machine     the machine line ({@code io.jipc.cli.bench.Machine})
 * @param load        the load average when the run started
 * @param started     when the run started (ISO-8601)
 * @param jipc        the jipc mailbox figures
 * @param aeron       the Aeron IPC figures
 */
public record SideBySideReport(int size, Duration warmup, Duration measure, long messages, String aeronConfig,
                               String machine, String load, String started, BenchResult jipc, BenchResult aeron) {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final String ROW = "%-22s %9s %9s %9s %9s %9s %12s %14s %10s%n";

    /** The human-readable table: both mechanisms and the ratio jipc / Aeron of every figure. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "jipc-bench aeron: %d-byte messages between two processes, jipc mailbox vs Aeron IPC%n", size));
        out.append("machine: ").append(machine).append('\n');
        out.append("started: ").append(started).append(", load average ").append(load).append('\n');
        out.append(String.format(Locale.ROOT, "ping-pong: %.1f s warm-up (or more, until stable) + %.1f s measured per mechanism; "
                        + "one-way: %,d messages after a warm-up run of %,d%n",
                warmup.toMillis() / 1000.0, measure.toMillis() / 1000.0, messages, Math.max(100_000, messages / 4)));
        out.append("jipc:  single-sender mailboxes, SPIN wait strategy (busy spin)\n");
        out.append("aeron: ").append(aeronConfig).append("\n\n");
        out.append(String.format(Locale.ROOT, ROW, "", "RTT p50", "p90", "p99", "p99.9", "max", "round", "one-way", "one-way"));
        out.append(String.format(Locale.ROOT, ROW, "mechanism", "(µs)", "(µs)", "(µs)", "(µs)", "(µs)", "trips/s", "msgs/s", "MB/s"));
        for (BenchResult r : List.of(jipc, aeron)) {
            out.append(String.format(Locale.ROOT, "%-22s", r.mechanism()));
            for (double p : PERCENTILES) {
                out.append(String.format(Locale.ROOT, " %9.2f", r.roundTripMicros(p)));
            }
            out.append(String.format(Locale.ROOT, " %9.2f", maxMicros(r)));
            out.append(String.format(Locale.ROOT, " %,12.0f", r.roundTripsPerSecond()));
            out.append(String.format(Locale.ROOT, " %,14.0f", r.messagesPerSecond()));
            out.append(String.format(Locale.ROOT, " %,10.1f", r.megabytesPerSecond()));
            out.append('\n');
        }
        out.append(String.format(Locale.ROOT, "%-22s", "jipc / aeron"));
        for (double p : PERCENTILES) {
            out.append(String.format(Locale.ROOT, " %9s", ratio(jipc.roundTripMicros(p), aeron.roundTripMicros(p))));
        }
        out.append(String.format(Locale.ROOT, " %9s", ratio(maxMicros(jipc), maxMicros(aeron))));
        out.append(String.format(Locale.ROOT, " %12s", ratio(jipc.roundTripsPerSecond(), aeron.roundTripsPerSecond())));
        out.append(String.format(Locale.ROOT, " %14s", ratio(jipc.messagesPerSecond(), aeron.messagesPerSecond())));
        out.append(String.format(Locale.ROOT, " %10s", ratio(jipc.megabytesPerSecond(), aeron.megabytesPerSecond())));
        out.append('\n');
        out.append("(ratios: below 1 for the RTT columns and above 1 for the rates favour jipc)\n");
        return out.toString();
    }

    /** The same figures as JSON. */
    public String json() {
        StringBuilder out = new StringBuilder("{\n");
        out.append("  \"benchmark\": \"jipc-vs-aeron\",\n");
        out.append("  \"machine\": ").append(quote(machine)).append(",\n");
        out.append("  \"loadAverage\": ").append(quote(load)).append(",\n");
        out.append("  \"started\": ").append(quote(started)).append(",\n");
        out.append("  \"messageSize\": ").append(size).append(",\n");
        out.append("  \"warmupSeconds\": ").append(number(warmup.toMillis() / 1000.0)).append(",\n");
        out.append("  \"measureSeconds\": ").append(number(measure.toMillis() / 1000.0)).append(",\n");
        out.append("  \"messages\": ").append(messages).append(",\n");
        out.append("  \"aeronConfig\": ").append(quote(aeronConfig)).append(",\n");
        out.append("  \"results\": [\n");
        out.append(result(jipc, "jipc")).append(",\n");
        out.append(result(aeron, "aeron")).append("\n");
        out.append("  ],\n");
        out.append("  \"ratiosJipcToAeron\": {");
        out.append("\"rttP50\": ").append(number(jipc.roundTripMicros(50) / aeron.roundTripMicros(50)));
        out.append(", \"rttP99\": ").append(number(jipc.roundTripMicros(99) / aeron.roundTripMicros(99)));
        out.append(", \"roundTripsPerSecond\": ").append(number(jipc.roundTripsPerSecond() / aeron.roundTripsPerSecond()));
        out.append(", \"messagesPerSecond\": ").append(number(jipc.messagesPerSecond() / aeron.messagesPerSecond()));
        out.append("}\n}\n");
        return out.toString();
    }

    private static String result(BenchResult r, String id) {
        StringBuilder out = new StringBuilder("    {\"id\": ").append(quote(id));
        out.append(", \"mechanism\": ").append(quote(r.mechanism()));
        out.append(", \"rttMicros\": {");
        out.append("\"p50\": ").append(number(r.roundTripMicros(50)));
        out.append(", \"p90\": ").append(number(r.roundTripMicros(90)));
        out.append(", \"p99\": ").append(number(r.roundTripMicros(99)));
        out.append(", \"p99.9\": ").append(number(r.roundTripMicros(99.9)));
        out.append(", \"max\": ").append(number(maxMicros(r)));
        out.append("}, \"roundTrips\": ").append(r.roundTrip() == null ? 0 : r.roundTrip().getTotalCount());
        out.append(", \"roundTripsPerSecond\": ").append(number(r.roundTripsPerSecond()));
        out.append(", \"messagesPerSecond\": ").append(number(r.messagesPerSecond()));
        out.append(", \"megabytesPerSecond\": ").append(number(r.megabytesPerSecond()));
        return out.append('}').toString();
    }

    private static double maxMicros(BenchResult r) {
        return r.roundTrip() == null ? Double.NaN : r.roundTrip().getMaxValue() / 1000.0;
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

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
