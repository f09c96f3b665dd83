package io.jipc.cli;

import io.jipc.cli.bench.BenchReport;
import io.jipc.cli.ls.RowFormat;
import io.jipc.naming.NameEntry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Name entries as a table or JSON, for {@code jipc names} and {@code jipc lookup}. A record's fields
 * are whatever its registrant wrote (any process of the user; any host with {@code zk://}): the table
 * and the details show a field with a character that would not show as itself through
 * {@link RowFormat#shown}, so such a field can neither fake rows nor drive the terminal; JSON escapes it.
 */
final class NameEntries {
    private NameEntries() {
    }

    static String table(List<NameEntry> entries, Instant now) {
        String format = "%-32s %-10s %8s %-8s %-10s %7s  %s%n";
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, format, "NAME", "KIND", "PID", "OWNER",
                "LIFETIME", "AGE", "ADDRESS"));
        for (NameEntry e : entries) {
            out.append(String.format(Locale.ROOT, format, shown(e.name()), shown(e.record().kind()), e.owner().pid(),
                    e.liveness().name().toLowerCase(Locale.ROOT), lifetime(e), age(e.registeredAt(), now),
                    shown(e.record().address())));
        }
        return out.toString();
    }

    static String details(NameEntry e, Instant now) {
        StringBuilder out = new StringBuilder();
        out.append("name:       ").append(shown(e.name())).append('\n');
        out.append("kind:       ").append(shown(e.record().kind())).append('\n');
        out.append("id:         ").append(shown(e.record().id())).append('\n');
        out.append("address:    ").append(shown(e.record().address())).append('\n');
        out.append("owner:      ").append(shown(e.owner().describe())).append(", uid ").append(e.owner().uid()).append(" (")
                .append(e.liveness().name().toLowerCase(Locale.ROOT)).append(")\n");
        out.append("lifetime:   ").append(lifetime(e)).append('\n');
        out.append("registered: ").append(e.registeredAt()).append(" (").append(age(e.registeredAt(), now))
                .append(" ago)\n");
        e.record().attributes().forEach((k, v) -> out.append("attribute:  ").append(shown(k)).append('=').append(shown(v))
                .append('\n'));
        return out.toString();
    }

    private static String shown(String field) {
        return RowFormat.shown(field);
    }

    static String json(List<NameEntry> entries) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < entries.size(); i++) {
            out.append(i == 0 ? "\n  " : ",\n  ").append(json(entries.get(i)));
        }
        return out.append(entries.isEmpty() ? "]\n" : "\n]\n").toString();
    }

    static String json(NameEntry e) {
        StringBuilder attributes = new StringBuilder("{");
        for (Map.Entry<String, String> a : e.record().attributes().entrySet()) {
            attributes.append(attributes.length() == 1 ? "" : ", ").append(BenchReport.quote(a.getKey())).append(": ")
                    .append(BenchReport.quote(a.getValue()));
        }
        attributes.append('}');
        return "{\"name\": " + BenchReport.quote(e.name())
                + ", \"kind\": " + BenchReport.quote(e.record().kind())
                + ", \"id\": " + BenchReport.quote(e.record().id())
                + ", \"address\": " + BenchReport.quote(e.record().address())
                + ", \"host\": " + BenchReport.quote(e.owner().host())
                + ", \"pid\": " + e.owner().pid()
                + ", \"uid\": " + e.owner().uid()
                + ", \"owner\": " + BenchReport.quote(e.liveness().name().toLowerCase(Locale.ROOT))
                + ", \"lifetime\": " + BenchReport.quote(e.lifetime().name().toLowerCase(Locale.ROOT))
                + ", \"registered\": " + BenchReport.quote(e.registeredAt().toString())
                + ", \"attributes\": " + attributes + "}";
    }

    private static String lifetime(NameEntry e) {
        return e.lifetime().name().toLowerCase(Locale.ROOT);
    }

    /** {@code 42s}, {@code 5m}, {@code 3h}, {@code 2d}. */
    static String age(Instant then, Instant now) {
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        if (seconds < 2 * 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 2 * 86400) {
            return seconds / 3600 + "h";
        }
        return seconds / 86400 + "d";
    }
}
