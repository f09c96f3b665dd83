package io.jipc.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders an {@link AllBench.Report} as one self-contained HTML page, readable offline: a
 * round-trip chart and a one-way throughput chart as inline SVG (logarithmic axes: the mechanisms
 * differ by orders of magnitude), the table of figures and the notes; inline CSS, no scripts, no
 * fonts or images to fetch. The page is well-formed XML (XHTML syntax), so tools can read it too.
 */
public final class HtmlReport {
    private static final String[] SIZE_COLOURS = {"#3b6ea8", "#d9822b", "#4f9a55", "#8e5ea2", "#b8474b"};
    private static final int WIDTH = 820;
    private static final int LEFT = 190;
    private static final int RIGHT = 80;
    private static final int ROW = 22;
    private static final int TOP = 30;

    private HtmlReport() {
    }

    /** The page. */
    public static String page(AllBench.Report report) {
        AllBench.Settings s = report.settings();
        StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>jipc bench</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}")
                .append("td.n{text-align:right;font-variant-numeric:tabular-nums}svg text{font-family:sans-serif;font-size:12px}")
                .append(".grid{stroke:#ddd}.axis{fill:#666}\n</style>\n</head>\n<body>\n");
        out.append("<h1>jipc bench: every mechanism between two processes</h1>\n");
        out.append("<p>").append(escape(report.machine())).append("<br/>")
                .append(escape(String.format(Locale.ROOT, "ping-pong with %d-byte messages; one-way with %s; the run took %.0f s",
                        s.size(), String.join(", ", s.throughputSizes().stream().map(AllBench::sizeName).toList()),
                        report.seconds()))).append("</p>\n");
        out.append("<h2>Round trip (ping-pong, ").append(escape(AllBench.sizeName(s.size()))).append(")</h2>\n");
        out.append(latencyChart(report));
        out.append("<h2>One-way throughput (MB/s)</h2>\n");
        out.append(throughputChart(report));
        out.append("<h2>Figures</h2>\n<pre>").append(escape(AllBenchReport.table(report))).append("</pre>\n");
        out.append("</body>\n</html>\n");
        return out.toString();
    }

    /** Bars of the RTT p50 per mechanism, with the p99 as a mark, on a logarithmic µs axis. */
    static String latencyChart(AllBench.Report report) {
        List<MechanismResult> rows = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (MechanismResult r : report.results()) {
            if (r.pingPong() != null) {
                rows.add(r);
                values.add(r.rttMicros(50));
                values.add(r.rttMicros(99));
            }
        }
        LogAxis axis = LogAxis.of(values);
        int height = TOP + rows.size() * ROW + 30;
        StringBuilder svg = svgStart("latency", height, "Round-trip time per mechanism: p50 bars, p99 marks, µs, log scale");
        axis.grid(svg, height, "µs");
        for (int i = 0; i < rows.size(); i++) {
            MechanismResult r = rows.get(i);
            int y = TOP + i * ROW;
            label(svg, y, r.mechanism().label());
            double p50 = r.rttMicros(50);
            double p99 = r.rttMicros(99);
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>\n",
                    LEFT, y + 3, axis.length(p50), ROW - 8, SIZE_COLOURS[0],
                    escape(String.format(Locale.ROOT, "%s: p50 %.2f µs, p99 %.2f µs", r.mechanism().label(), p50, p99))));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#b8474b\" stroke-width=\"2\"/>\n",
                    LEFT + axis.length(p99), LEFT + axis.length(p99), y + 1, y + ROW - 3));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
                    LEFT + axis.length(Math.max(p50, p99)) + 5, y + ROW - 8, escape(String.format(Locale.ROOT, "%.2f", p50))));
        }
        svg.append(String.format(Locale.ROOT, "<text class=\"axis\" x=\"%d\" y=\"%d\">bars: median (p50), figure in µs;"
                + " red marks: p99</text>\n", LEFT, height - 6));
        return svg.append("</svg>\n").toString();
    }

    /** Bars of the one-way MB/s per mechanism, one per message size, on a logarithmic axis. */
    static String throughputChart(AllBench.Report report) {
        List<Integer> sizes = report.settings().throughputSizes();
        List<MechanismResult> rows = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (MechanismResult r : report.results()) {
            if (!r.oneWay().isEmpty()) {
                rows.add(r);
                r.oneWay().forEach(t -> values.add(t.megabytesPerSecond()));
            }
        }
        LogAxis axis = LogAxis.of(values);
        int group = sizes.size() * 9 + 8;
        int height = TOP + rows.size() * group + 50;
        StringBuilder svg = svgStart("throughput", height, "One-way throughput per mechanism and message size, MB/s, log scale");
        axis.grid(svg, height - 20, "MB/s");
        for (int i = 0; i < rows.size(); i++) {
            MechanismResult r = rows.get(i);
            int y = TOP + i * group;
            label(svg, y + (group - ROW) / 2, r.mechanism().label());
            for (int k = 0; k < sizes.size(); k++) {
                Throughput t = r.throughput(sizes.get(k));
                if (t == null) {
                    continue;
                }
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"8\" fill=\"%s\"><title>%s</title></rect>\n",
                        LEFT, y + 4 + k * 9, axis.length(t.megabytesPerSecond()), SIZE_COLOURS[k % SIZE_COLOURS.length],
                        escape(String.format(Locale.ROOT, "%s, %s: %.1f MB/s, %,.0f msgs/s", r.mechanism().label(),
                                AllBench.sizeName(t.size()), t.megabytesPerSecond(), t.messagesPerSecond()))));
            }
        }
        int y = height - 14;
        for (int k = 0; k < sizes.size(); k++) {
            int x = LEFT + k * 110;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text>\n", x, y - 9, SIZE_COLOURS[k % SIZE_COLOURS.length],
                    x + 16, y, escape(AllBench.sizeName(sizes.get(k)))));
        }
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder svgStart(String id, int height, String title) {
        return new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n"
                        + "<title>%s</title>\n", id, WIDTH, height, WIDTH, height, escape(title)));
    }

    private static void label(StringBuilder svg, int y, String text) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                LEFT - 8, y + ROW - 8, escape(text)));
    }

    /** A logarithmic axis from the decade below the smallest value to the decade above the largest. */
    private record LogAxis(double lowExponent, double highExponent) {
        static LogAxis of(List<Double> values) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : values) {
                if (v > 0 && !Double.isInfinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            if (lo > hi) {
                return new LogAxis(0, 1);
            }
            double low = Math.floor(Math.log10(lo));
            double high = Math.max(low + 1, Math.ceil(Math.log10(hi)));
            return new LogAxis(low, high);
        }

        /** The length of a bar for {@code value}, at least 1 pixel. */
        double length(double value) {
            if (!(value > 0)) {
                return 1;
            }
            double share = (Math.log10(value) - lowExponent) / (highExponent - lowExponent);
            return Math.max(1, share * (WIDTH - LEFT - RIGHT));
        }

        void grid(StringBuilder svg, int height, String unit) {
            for (double e = lowExponent; e <= highExponent; e++) {
                double x = LEFT + (e - lowExponent) / (highExponent - lowExponent) * (WIDTH - LEFT - RIGHT);
                svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
                                + "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                        x, x, TOP - 12, height - 20, x, TOP - 16, escape(decade(e) + (e == highExponent ? " " + unit : ""))));
            }
        }

        private static String decade(double exponent) {
            double v = Math.pow(10, exponent);
            return v >= 1 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%s", (float) v);
        }
    }

    /** {@code text} with the characters that are special in XML escaped. */
    static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
