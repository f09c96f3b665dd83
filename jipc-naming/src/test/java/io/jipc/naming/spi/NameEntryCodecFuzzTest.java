package io.jipc.naming.spi;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.naming.CorruptNameEntryException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameOwner;
import io.jipc.naming.NameRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding bytes another process wrote (a file in the names directory, a ZooKeeper node) yields a
 * valid entry or a {@link CorruptNameEntryException}, never another exception.
 *
 * <p>{@link #decodeAnything(byte[])} is a Jazzer fuzz target (regression mode in {@code mvn test};
 * {@code JAZZER_FUZZ=1 mvn -pl jipc-naming -am test -Dtest=NameEntryCodecFuzzTest} fuzzes for real);
 * {@link #mutatedEntries(long)} checks thousands of random mutations of valid entries in every build.
 */
class NameEntryCodecFuzzTest {
    private static final NameEntry VALID = new NameEntry("printers/lab1",
            new NameRecord("mailbox", "00ff", "lab1-queue", Map.of("a", "1", "b=c", "x%\n")),
            new NameOwner("host-1", 4711, 123456, 1000), Lifetime.OWNER, Instant.ofEpochMilli(1_764_470_000_000L),
            0x9e3779b97f4a7c15L, Liveness.UNKNOWN);

    @FuzzTest(maxDuration = "60s")
    void decodeAnything(byte[] input) {
        check(input);
    }

    private static void check(byte[] input) {
        try {
            NameEntry entry = NameEntryCodec.decode(input, "fuzz");
            // whatever decodes is a valid entry that encodes back to something decodable and equal
            assertEquals(entry, NameEntryCodec.decode(NameEntryCodec.encode(entry), "again"));
        } catch (CorruptNameEntryException expected) {
            // refused cleanly
        }
    }

    @Test
    void aValidEntryRoundTrips() {
        assertEquals(VALID, NameEntryCodec.decode(NameEntryCodec.encode(VALID), "test"));
    }

    static LongStream seeds() {
        return LongStream.range(0, 3000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedEntries(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = NameEntryCodec.encode(VALID);
        int mutations = 1 + random.nextInt(8);
        for (int i = 0; i < mutations; i++) {
            int at = random.nextInt(bytes.length);
            byte[] nasty = {'%', '=', '\n', 0, (byte) 0xc3, (byte) 0xff, '-', '9', 'z'};
            bytes[at] = random.nextBoolean() ? (byte) random.nextInt() : nasty[random.nextInt(nasty.length)];
        }
        if (random.nextInt(4) == 0) {
            bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
        }
        check(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pid=99999999999999999999", "pid=-1", "pid=+5", "pid=0", "start=-5",
            "uid=4294967296", "registered=999999999999999999", "serial=123", "serial=zzzzzzzzzzzzzzzz",
            "lifetime=forever", "name=bad name", "name=", "kind=", "attr.=x", "name=%zz", "name=%4",
            "name=%c3%28"})
    void hostileValuesAreRefused(String replacement) {
        String key = replacement.substring(0, replacement.indexOf('='));
        String text = new String(NameEntryCodec.encode(VALID), StandardCharsets.UTF_8);
        String hostile = key.equals("attr.") ? text + replacement + "\n"
                : text.replaceFirst("(?m)^" + java.util.regex.Pattern.quote(key) + "=.*$",
                java.util.regex.Matcher.quoteReplacement(replacement));
        assertThrows(CorruptNameEntryException.class,
                () -> NameEntryCodec.decode(hostile.getBytes(StandardCharsets.UTF_8), "hostile"));
    }

    @Test
    void hostileLengthsAreRefusedWithoutAllocatingFromThem() {
        assertThrows(CorruptNameEntryException.class,
                () -> NameEntryCodec.decode(new byte[NameEntryCodec.MAX_BYTES + 1], "huge"));
        assertThrows(CorruptNameEntryException.class, () -> NameEntryCodec.decode(new byte[0], "empty"));
        StringBuilder many = new StringBuilder(new String(NameEntryCodec.encode(VALID), StandardCharsets.UTF_8));
        for (int i = 0; i < NameEntryCodec.MAX_ATTRIBUTES + 1; i++) {
            many.append("attr.k").append(i).append("=v\n");
        }
        assertThrows(CorruptNameEntryException.class,
                () -> NameEntryCodec.decode(many.toString().getBytes(StandardCharsets.UTF_8), "many"));
        String twice = new String(NameEntryCodec.encode(VALID), StandardCharsets.UTF_8) + "pid=5\n";
        CorruptNameEntryException e = assertThrows(CorruptNameEntryException.class,
                () -> NameEntryCodec.decode(twice.getBytes(StandardCharsets.UTF_8), "twice"));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void aLaterMinorVersionWithMoreKeysIsRead() {
        String text = new String(NameEntryCodec.encode(VALID), StandardCharsets.UTF_8)
                .replace("jipc-name 1.0", "jipc-name 1.7") + "future-key=whatever\n";
        assertEquals(VALID, NameEntryCodec.decode(text.getBytes(StandardCharsets.UTF_8), "newer"));
    }
}
