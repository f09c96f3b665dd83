package io.jipc.cli.ls;

import io.jipc.cli.bench.BenchReport;
import io.jipc.platform.Printable;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How rows print: the table of {@code jipc ls} and {@code jipc top}, and the JSON of {@code jipc ls --json}. */
public final class RowFormat {
    /** The URI column is this wide at least, and as wide as the longest URI of the table. */
    private static final int MIN_URI_WIDTH = 30;

    private RowFormat() {
    }

    /** The width of the URI column for {@code rows}: the longest URI's, and {@value #MIN_URI_WIDTH} at least. */
    public static int uriWidth(List<ObjectRow> rows) {
        return rows.stream().mapToInt(r -> shown(r.uri()).length()).reduce(MIN_URI_WIDTH, Math::max);
    }

    /**
     * A string another process or the user supplied (a name, a URI, a name record's field, a row's
     * details) as the human-readable output prints it: as it is when every character shows as itself,
     * else quoted by {@link Printable} (between single quotes, a control character such as an escape
     * or a newline written as a Java escape), so that a name typed or planted with such characters
     * neither breaks the line (faking rows) nor drives the terminal. JSON output escapes on its own.
     */
    public static String shown(String s) {
        for (int from = 0; from < s.length(); from += Printable.MAX_SHOWN) {
            String part = s.substring(from, Math.min(s.length(), from + Printable.MAX_SHOWN));
            if (!Printable.quoted(part).equals("'" + part + "'")) {
                return Printable.quoted(s);
            }
        }
        return s;
    }

    private static String columns(int uriWidth) {
        return "%-16s %-" + uriWidth + "s %8s %-7s %-12s %14s %14s %-5s %s";
    }

    /** The table's heading; {@code rateColumn} adds a RATE column (for {@code top}). */
    public static String heading(boolean rateColumn, int uriWidth) {
        return String.format(Locale.ROOT, columns(uriWidth), "KIND", "URI", "OWNER", "STATE", "USERS", "CAPACITY",
                "DEPTH", "MODE", (rateColumn ? String.format(Locale.ROOT, "%12s  ", "RATE/s") : "") + "DETAILS");
    }

    /** One row of the table; {@code rate} is printed when not null (a dash where no counter exists). */
    public static String line(ObjectRow r, String rate, int uriWidth) {
        return String.format(Locale.ROOT, columns(uriWidth), r.kind(), shown(r.uri()), r.ownerPid() == 0 ? "-" : r.ownerPid(),
                r.state(), users(r.users()), amount(r.capacity(), r.unit()), amount(r.depth(), r.unit()), r.mode(),
                (rate == null ? "" : String.format(Locale.ROOT, "%12s  ", rate)) + shown(r.details()));
    }

    /** The whole table of {@code jipc ls}. */
    public static String table(List<ObjectRow> rows) {
        int uriWidth = uriWidth(rows);
        StringBuilder out = new StringBuilder(heading(false, uriWidth).stripTrailing()).append('\n');
        rows.forEach(r -> out.append(line(r, null, uriWidth).stripTrailing()).append('\n'));
        if (rows.isEmpty()) {
            out.append("(none)\n");
        }
        long stale = rows.stream().filter(ObjectRow::stale).count();
        if (stale > 0) {
            out.append(staleLine(stale, rows.stream().filter(r -> r.stale() && !r.holds().isEmpty()).count()))
                    .append('\n');
        }
        return out.toString();
    }

    /** The footer line: how many rows are stale, and how many of them a plain {@code jipc gc} keeps. */
    private static String staleLine(long stale, long holding) {
        String line = stale + " stale (owner dead, unused): jipc gc removes ";
        if (holding == 0) {
            return line + (stale == 1 ? "it" : "them");
        }
        return line + (stale - holding) + "; " + holding + (holding == 1 ? " holds" : " hold")
                + " messages or state, which only jipc gc --include-unread removes";
    }

    /**
     * A JSON array, one object a row; a number that is not known is -1, as documented: an owner pid
     * nothing records (0 in the row, {@code -} in the table) too, and an owning uid not known.
     */
    public static String json(List<ObjectRow> rows) {
        StringBuilder out = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            ObjectRow r = rows.get(i);
            out.append("  {\"kind\": ").append(BenchReport.quote(r.kind()))
                    .append(", \"uri\": ").append(BenchReport.quote(r.uri()))
                    .append(", \"path\": ").append(BenchReport.quote(r.path()))
                    .append(", \"ownerPid\": ").append(r.ownerPid() == 0 ? -1 : r.ownerPid()) // -1: none recorded
                    .append(", \"owner\": ").append(BenchReport.quote(r.owner().label()))
                    .append(", \"stale\": ").append(r.stale())
                    .append(", \"users\": ").append(r.users())
                    .append(", \"capacity\": ").append(r.capacity())
                    .append(", \"depth\": ").append(r.depth())
                    .append(", \"unit\": ").append(BenchReport.quote(r.unit()))
                    .append(", \"delivered\": ").append(r.counter())
                    .append(", \"mode\": ").append(BenchReport.quote(r.mode()))
                    .append(", \"user\": ").append(BenchReport.quote(r.user()))
                    .append(", \"uid\": ").append(r.uid()) // -1: unknown (an anonymous region)
                    .append(", \"details\": ").append(BenchReport.quote(r.details()))
                    .append(", \"holds\": ").append(BenchReport.quote(r.holds()))
                    .append(", \"ownerStopped\": ").append(r.ownerStopped())
                    .append(", \"uninspected\": ").append(r.uninspected())
                    .append(i + 1 < rows.size() ? "},\n" : "}\n");
        }
        return out.append("]\n").toString();
    }

    private static String users(List<Long> pids) {
        return pids.isEmpty() ? "-" : pids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static String amount(long value, String unit) {
        return value < 0 ? "-" : String.format(Locale.ROOT, "%,d", value) + (unit.isEmpty() ? "" : " " + unit);
    }
}
