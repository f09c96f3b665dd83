package io.jipc.naming.spi;

import io.jipc.naming.CorruptNameEntryException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameOwner;
import io.jipc.naming.NameRecord;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stored form of a name entry, the same in a local file and in a ZooKeeper node: UTF-8 text, one
 * {@code key=value} per line, after a first line with the format and its {@code major.minor} version.
 *
 * <pre>
 * jipc-name 1.0
 * name=printers/lab1
 * lifetime=owner                  (or persistent)
 * kind=mailbox
 * id=5f0c2a...
 * address=lab1-queue
 * host=build-7
 * pid=4711
 * start=1234567                   (clock ticks since boot: pid + start survive pid reuse)
 * uid=1000
 * registered=1764470000000        (epoch milliseconds)
 * serial=9e3779b97f4a7c15         (random, per registration, 16 hex digits)
 * attr.&lt;key&gt;=&lt;value&gt;               (any number, keys distinct)
 * </pre>
 * Keys and values escape {@code %}, {@code =}, and every character below U+0020 as {@code %XX} (the
 * UTF-8 bytes in hex), so that no value can break a line. A reader rejects another major version,
 * more than {@value #MAX_BYTES} bytes, malformed escapes or UTF-8, a missing or repeated key and
 * out-of-range numbers; it ignores unknown keys (later minor versions add keys only). Decoding reads
 * bytes another process wrote: it throws {@link CorruptNameEntryException} and nothing else, and
 * allocates nothing larger than its input.
 */
public final class NameEntryCodec {
    /** The largest stored entry, in bytes (a ZooKeeper node holds up to 1 MiB; a name needs far less). */
    public static final int MAX_BYTES = 16 * 1024;
    /** The most attributes an entry has. */
    public static final int MAX_ATTRIBUTES = 64;
    private static final String MAGIC = "jipc-name";
    private static final int MAJOR = 1;
    private static final int MINOR = 0;
    private static final String ATTRIBUTE = "attr.";
    /** 9999-12-31T23:59:59.999Z: later registration times are corrupt. */
    private static final long LATEST_MILLIS = 253_402_300_799_999L;

    private NameEntryCodec() {
    }

    /**
     * The stored form of {@code entry} (its liveness is not stored).
     *
     * @throws IllegalArgumentException if it would exceed {@value #MAX_BYTES} bytes or
     *                                  {@value #MAX_ATTRIBUTES} attributes
     */
    public static byte[] encode(NameEntry entry) {
        NameRecord record = entry.record();
        if (record.attributes().size() > MAX_ATTRIBUTES) {
            throw new IllegalArgumentException("a name record has at most " + MAX_ATTRIBUTES + " attributes, not "
                    + record.attributes().size());
        }
        StringBuilder text = new StringBuilder(256).append(MAGIC).append(' ').append(MAJOR).append('.').append(MINOR)
                .append('\n');
        line(text, "name", entry.name());
        line(text, "lifetime", entry.lifetime() == Lifetime.OWNER ? "owner" : "persistent");
        line(text, "kind", record.kind());
        line(text, "id", record.id());
        line(text, "address", record.address());
        line(text, "host", entry.owner().host());
        line(text, "pid", Long.toString(entry.owner().pid()));
        line(text, "start", Long.toString(entry.owner().startTime()));
        line(text, "uid", Long.toString(entry.owner().uid()));
        line(text, "registered", Long.toString(entry.registeredAt().toEpochMilli()));
        line(text, "serial", String.format("%016x", entry.serial()));
        record.attributes().forEach((key, value) -> line(text, ATTRIBUTE + key, value));
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("the name record of '" + entry.name() + "' takes " + bytes.length
                    + " bytes stored; at most " + MAX_BYTES + " are allowed");
        }
        return bytes;
    }

    private static void line(StringBuilder text, String key, String value) {
        escape(text, key);
        text.append('=');
        escape(text, value);
        text.append('\n');
    }

    private static void escape(StringBuilder text, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '%' || c == '=' || c == 0x7f) {
                text.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                text.append(c);
            }
        }
    }

    /**
     * Decodes a stored entry; its liveness is {@link Liveness#UNKNOWN} (the backend judges it).
     *
     * @param where names the source in messages (a path or node)
     * @throws CorruptNameEntryException if the bytes are not a valid entry of a supported version
     */
    public static NameEntry decode(byte[] bytes, String where) {
        if (bytes.length > MAX_BYTES) {
            throw corrupt(where, "longer than " + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(where, "not UTF-8 text");
        }
        if (!text.endsWith("\n")) {
            throw corrupt(where, "does not end with a line feed (truncated?)");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        checkVersion(lines[0], where);
        Map<String, String> fields = new HashMap<>();
        Map<String, String> attributes = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw corrupt(where, "line " + (i + 1) + " is not key=value");
            }
            String key = unescape(line.substring(0, equals), where);
            String value = unescape(line.substring(equals + 1), where);
            Map<String, String> into = fields;
            if (key.startsWith(ATTRIBUTE)) {
                key = key.substring(ATTRIBUTE.length());
                into = attributes;
                if (key.isEmpty()) {
                    throw corrupt(where, "an attribute without a key");
                }
            }
            if (into.put(key, value) != null) {
                throw corrupt(where, "key '" + key + "' appears twice");
            }
            if (attributes.size() > MAX_ATTRIBUTES) {
                throw corrupt(where, "more than " + MAX_ATTRIBUTES + " attributes");
            }
        }
        String name = required(fields, "name", where);
        try {
            NameSyntax.check(name);
        } catch (IllegalArgumentException e) {
            throw corrupt(where, "invalid name: " + e.getMessage());
        }
        Lifetime lifetime = switch (required(fields, "lifetime", where)) {
            case "owner" -> Lifetime.OWNER;
            case "persistent" -> Lifetime.PERSISTENT;
            default -> throw corrupt(where, "unknown lifetime '" + fields.get("lifetime") + "'");
        };
        String kind = required(fields, "kind", where);
        if (kind.isEmpty()) {
            throw corrupt(where, "empty kind");
        }
        NameOwner owner = new NameOwner(required(fields, "host", where),
                number(fields, "pid", 1, Integer.MAX_VALUE, where),
                number(fields, "start", 0, Long.MAX_VALUE, where),
                number(fields, "uid", 0, 0xFFFF_FFFFL, where));
        long registered = number(fields, "registered", 0, LATEST_MILLIS, where);
        String serialText = required(fields, "serial", where);
        if (serialText.length() != 16) {
            throw corrupt(where, "serial is not 16 hex digits");
        }
        long serial;
        try {
            serial = Long.parseUnsignedLong(serialText, 16);
        } catch (NumberFormatException e) {
            throw corrupt(where, "serial is not 16 hex digits");
        }
        NameRecord record = new NameRecord(kind, required(fields, "id", where), required(fields, "address", where),
                attributes);
        return new NameEntry(name, record, owner, lifetime, Instant.ofEpochMilli(registered), serial, Liveness.UNKNOWN);
    }

    private static void checkVersion(String first, String where) {
        if (!first.startsWith(MAGIC + " ")) {
            throw corrupt(where, "not a jipc name entry");
        }
        String version = first.substring(MAGIC.length() + 1);
        int dot = version.indexOf('.');
        int major;
        try {
            major = Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
            if (dot >= 0) {
                Integer.parseInt(version.substring(dot + 1));
            }
        } catch (NumberFormatException e) {
            throw corrupt(where, "unreadable version '" + version + "'");
        }
        if (major != MAJOR) {
            throw corrupt(where, "format version " + version + " (this jipc reads " + MAJOR + ".x)");
        }
    }

    private static String required(Map<String, String> fields, String key, String where) {
        String value = fields.get(key);
        if (value == null) {
            throw corrupt(where, "no '" + key + "'");
        }
        return value;
    }

    private static long number(Map<String, String> fields, String key, long min, long max, String where) {
        String text = required(fields, key, where);
        long value;
        try {
            if (text.isEmpty() || text.length() > 19 || text.charAt(0) == '+' || text.charAt(0) == '-') {
                throw new NumberFormatException();
            }
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw corrupt(where, "'" + key + "' is not a number");
        }
        if (value < min || value > max) {
            throw corrupt(where, "'" + key + "' out of range: " + value);
        }
        return value;
    }

    private static String unescape(String s, String where) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] != '%') {
                bytes.write(raw[i]);
                continue;
            }
            if (i + 2 >= raw.length) {
                throw corrupt(where, "a '%' escape is cut short");
            }
            int high = Character.digit(raw[i + 1], 16);
            int low = Character.digit(raw[i + 2], 16);
            if (high < 0 || low < 0) {
                throw corrupt(where, "a '%' escape is not two hex digits");
            }
            bytes.write(high << 4 | low);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(where, "an escape is not UTF-8");
        }
    }

    private static CorruptNameEntryException corrupt(String where, String why) {
        return new CorruptNameEntryException("unreadable name entry " + where + ": " + why);
    }
}
