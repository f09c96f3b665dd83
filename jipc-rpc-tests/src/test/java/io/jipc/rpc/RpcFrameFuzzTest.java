package io.jipc.rpc;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever bytes a peer sends, {@link RpcFrame#decode} either returns a frame that encodes back to
 * the same bytes (those of a later minor version: to the same fields, with this minor and without
 * the later fields; those of minor 0: with this minor and its fields appended as "not said") or throws {@link RpcProtocolException}; and {@link Marshaller#decodeArguments} (and
 * {@link Marshaller#decodeResult}) either return values that encode back to the same bytes or throw
 * {@link RpcProtocolException}. No other exception.
 *
 * <p>{@link #hostileFrame(byte[])} and {@link #hostileArguments(byte[])} are Jazzer fuzz targets:
 * {@code mvn test} runs them on their (empty) seed input; {@code JAZZER_FUZZ=1 mvn -pl jipc-rpc-tests -am test
 * -Dtest=RpcFrameFuzzTest#hostileFrame} fuzzes one for real. {@link #mutatedFrames(long)} and
 * {@link #mutatedArguments(long)} run the same checks on random mutations of valid frames and valid
 * argument encodings in every build. The explicit tests pin the version rules and each refusal.
 */
class RpcFrameFuzzTest {
    // ------------------------------------------------------------------ the interface whose arguments are fuzzed

    public enum Kind { SMALL, LARGE, HUGE }

    public record Item(String name, int count, Kind kind) {
        public Item {
            if (count < 0) {
                throw new IllegalArgumentException("negative count " + count);
            }
        }
    }

    public record Node(String label, List<Node> children) {
    }

    public interface Fuzzed {
        void everything(boolean z, byte b, short s, char c, int i, long j, float f, double d, String text, byte[] data,
                Kind kind, Item item, List<Item> items, Map<String, List<Long>> index, Node node);

        Map<Kind, Item> lookup(List<String> keys, Integer limit);

        void nothing();
    }

    private static final Marshaller MARSHALLER = Marshaller.of(Fuzzed.class);
    private static final List<Method> METHODS = List.copyOf(RpcMethods.of(Fuzzed.class).values());

    private static Method method(String name) {
        return METHODS.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    private static final List<byte[]> VALID_ARGUMENTS;

    static {
        Map<String, List<Long>> index = new LinkedHashMap<>();
        index.put("b", List.of(2L, 3L));
        index.put("a", List.of());
        Node tree = new Node("root", List.of(new Node("leaf", List.of()), new Node(null, null)));
        VALID_ARGUMENTS = List.of(
                MARSHALLER.encodeArguments(new Object[] {true, (byte) 1, (short) -2, 'c', 4, 5L, 6.5f, Double.NaN, "téxt 😀",
                        new byte[] {7, 8}, Kind.LARGE, new Item("i", 3, Kind.SMALL),
                        List.of(new Item("a", 0, null), new Item(null, 9, Kind.HUGE)), index, tree}),
                MARSHALLER.encodeArguments(new Object[] {false, (byte) 0, (short) 0, '\0', 0, 0L, 0f, 0.0, "", new byte[0],
                        null, null, List.of(), Map.of(), null}),
                MARSHALLER.encodeArguments(new Object[] {List.of("x", "y"), 10}),
                MARSHALLER.encodeArguments(new Object[] {null, null}),
                MARSHALLER.encodeArguments(new Object[0]),
                MARSHALLER.encodeValue(Map.of(Kind.SMALL, new Item("s", 1, Kind.SMALL))));
    }

    // ------------------------------------------------------------------ valid frames

    static Stream<Arguments> validFrames() {
        return Stream.of(
                Arguments.of("Hello", new RpcFrame.Hello("io.example.Bank", "bank-replies-4711", 0x1234_5678_9abc_def0L,
                        64 * 1024)),
                Arguments.of("Hello, empty strings", new RpcFrame.Hello("", "", 0, 0)),
                Arguments.of("Hello, largest size", new RpcFrame.Hello("a", "", 1, Integer.MAX_VALUE)),
                Arguments.of("Welcome", new RpcFrame.Welcome(7, -1, 1 << 20)),
                Arguments.of("Welcome, no size", new RpcFrame.Welcome(7, -1, 0)),
                Arguments.of("Refused", new RpcFrame.Refused("no interface 'io.example.Bank' here")),
                Arguments.of("Call", new RpcFrame.Call(7, 1, 0, "everything(boolean,byte,…)", VALID_ARGUMENTS.get(0))),
                Arguments.of("Call with timeout", new RpcFrame.Call(7, 2, 5_000, "nothing()", VALID_ARGUMENTS.get(4))),
                Arguments.of("Result", new RpcFrame.Result(1, VALID_ARGUMENTS.get(5))),
                Arguments.of("Result, empty", new RpcFrame.Result(2, new byte[0])),
                Arguments.of("Failure with message", new RpcFrame.Failure(1, RpcFrame.FailureCode.THREW,
                        "java.lang.IllegalStateException", "insufficient funds: 12 < 100 ✗")),
                Arguments.of("Failure without message", new RpcFrame.Failure(2, RpcFrame.FailureCode.CANCELLED,
                        "io.jipc.rpc.RpcTimeoutException", null)),
                Arguments.of("Failure with empty message", new RpcFrame.Failure(3, RpcFrame.FailureCode.CLOSING, "", "")),
                Arguments.of("Cancel", new RpcFrame.Cancel(7, 3)),
                Arguments.of("Bye", new RpcFrame.Bye(Long.MIN_VALUE)),
                Arguments.of("Closing", new RpcFrame.Closing("the service ends 🛑")),
                Arguments.of("Ping", new RpcFrame.Ping(123_456_789L)),
                Arguments.of("Pong", new RpcFrame.Pong(-5)));
    }

    private static final List<byte[]> VALID_FRAMES = validFrames().map(a -> RpcFrame.encode((RpcFrame) a.get()[1])).toList();

    // ------------------------------------------------------------------ the properties

    /** Refused with {@link RpcProtocolException}, or decoded to a frame that encodes back to these bytes. */
    private static void checkFrame(byte[] bytes) {
        RpcFrame frame;
        try {
            frame = RpcFrame.decode(bytes);
        } catch (RpcProtocolException refused) {
            return;
        }
        byte[] again = RpcFrame.encode(frame);
        if (bytes[5] == RpcFrame.MINOR) {
            assertArrayEquals(bytes, again, "round trip of " + frame);
        } else if (Byte.toUnsignedInt(bytes[5]) > RpcFrame.MINOR) {
            // a later minor: its fields of this minor come back, without what it appended
            assertTrue(again.length <= bytes.length, "re-encoded longer than read");
            byte[] known = Arrays.copyOf(bytes, again.length);
            known[5] = RpcFrame.MINOR;
            assertArrayEquals(known, again, "round trip of " + frame);
        } else {
            // minor 0: its fields come back, then those 1.1 appended, as "not said" (a size of 0)
            byte[] known = bytes.clone();
            known[5] = RpcFrame.MINOR;
            assertArrayEquals(known, Arrays.copyOf(again, bytes.length), "round trip of " + frame);
            assertTrue(again.length == bytes.length || again.length == bytes.length + 4, "appended: a u32");
            assertArrayEquals(new byte[again.length - bytes.length], Arrays.copyOfRange(again, bytes.length, again.length));
        }
    }

    /** For every method: refused with {@link RpcProtocolException}, or decoded to values that encode back to these bytes. */
    private static void checkArguments(byte[] bytes) {
        for (Method method : METHODS) {
            try {
                Object[] arguments = MARSHALLER.decodeArguments(bytes, method);
                assertEquals(method.getParameterCount(), arguments.length);
                assertArrayEquals(bytes, MARSHALLER.encodeArguments(arguments), "round trip of arguments of " + method);
            } catch (RpcProtocolException refused) {
                // fine
            }
            try {
                Object result = MARSHALLER.decodeResult(bytes, method);
                assertArrayEquals(bytes, MARSHALLER.encodeValue(result), "round trip of result of " + method);
            } catch (RpcProtocolException refused) {
                // fine
            }
        }
    }

    @FuzzTest(maxDuration = "60s")
    void hostileFrame(byte[] bytes) {
        checkFrame(bytes);
    }

    @FuzzTest(maxDuration = "60s")
    void hostileArguments(byte[] bytes) {
        checkArguments(bytes);
    }

    static LongStream seeds() {
        return LongStream.range(0, 3000);
    }

    /** Up to three random bytes changed, and now and then cut short, lengthened with zeros, or a run deleted. */
    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] bytes = valid.clone();
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations && bytes.length > 0; i++) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
        }
        switch (random.nextInt(6)) {
            case 0 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 12));
            case 1 -> {
                if (bytes.length > 1) {
                    int from = random.nextInt(bytes.length);
                    int to = from + random.nextInt(Math.min(bytes.length - from, 9)) + 1;
                    byte[] shorter = new byte[bytes.length - (to - from)];
                    System.arraycopy(bytes, 0, shorter, 0, from);
                    System.arraycopy(bytes, to, shorter, from, bytes.length - to);
                    bytes = shorter;
                }
            }
            default -> {
                // only the byte changes
            }
        }
        return bytes;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedFrames(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        checkFrame(mutate(VALID_FRAMES.get(random.nextInt(VALID_FRAMES.size())), random));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedArguments(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        checkArguments(mutate(VALID_ARGUMENTS.get(random.nextInt(VALID_ARGUMENTS.size())), random));
    }

    @Test
    void validArgumentsDecode() {
        assertEquals(15, MARSHALLER.decodeArguments(VALID_ARGUMENTS.get(0), method("everything")).length);
        assertEquals(15, MARSHALLER.decodeArguments(VALID_ARGUMENTS.get(1), method("everything")).length);
        assertEquals(2, MARSHALLER.decodeArguments(VALID_ARGUMENTS.get(2), method("lookup")).length);
        assertEquals(2, MARSHALLER.decodeArguments(VALID_ARGUMENTS.get(3), method("lookup")).length);
        assertEquals(0, MARSHALLER.decodeArguments(VALID_ARGUMENTS.get(4), method("nothing")).length);
        assertInstanceOf(Map.class, MARSHALLER.decodeResult(VALID_ARGUMENTS.get(5), method("lookup")));
        VALID_ARGUMENTS.forEach(RpcFrameFuzzTest::checkArguments);
    }

    @Test
    void emptyInputIsRefused() {
        assertThrows(RpcProtocolException.class, () -> RpcFrame.decode(new byte[0]));
        checkArguments(new byte[0]);
    }

    // ------------------------------------------------------------------ explicit frames

    private static byte[] encode(RpcFrame frame) {
        return RpcFrame.encode(frame);
    }

    private static RpcProtocolException refused(byte[] bytes) {
        return assertThrows(RpcProtocolException.class, () -> RpcFrame.decode(bytes));
    }

    private static void assertMentions(RpcProtocolException e, String part) {
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }

    private static byte[] withTrailing(byte[] frame, int extra) {
        return Arrays.copyOf(frame, frame.length + extra);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFrames")
    void everyKindOfFrameRoundTrips(String name, RpcFrame frame) {
        byte[] bytes = encode(frame);
        RpcFrame decoded = RpcFrame.decode(bytes);
        assertEquals(frame.getClass(), decoded.getClass());
        assertArrayEquals(bytes, encode(decoded));
        switch (decoded) {
            case RpcFrame.Call c -> assertArrayEquals(((RpcFrame.Call) frame).arguments(), c.arguments());
            case RpcFrame.Result r -> assertArrayEquals(((RpcFrame.Result) frame).value(), r.value());
            default -> assertEquals(frame, decoded);
        }
    }

    /**
     * A FAILURE the server encodes for a client's limit fits it, whatever the limit (64 bytes, the least
     * a client takes, and up) and the message (ASCII, two- and three-byte characters, pairs of
     * surrogates never split, an unpaired one): the class name whole and the message's beginning
     * followed by " … (N characters cut)", N what was cut; the message dropped only where the class
     * name leaves no room for the marker; a class name too long for the limit cut keeping its end.
     */
    @Test
    void aFailureEncodedWithinALimitFitsItAndSaysWhatWasCut() {
        String ise = IllegalStateException.class.getName();
        String longName = "com.example." + "deep.".repeat(40) + "InsufficientFundsException";
        for (String unit : List.of("m", "\u00e9", "\u20ac", "\ud83d\ude00", "a\ud800")) {
            String message = unit.repeat(5000);
            for (String className : List.of(ise, longName)) {
                for (int limit = 64; limit <= 4096; limit += limit < 200 ? 1 : 97) {
                    RpcFrame.Failure failure = new RpcFrame.Failure(7, RpcFrame.FailureCode.THREW, className, message);
                    byte[] bytes = RpcFrame.encodeWithin(failure, limit);
                    assertTrue(bytes.length <= limit, bytes.length + " > " + limit);
                    RpcFrame.Failure got = (RpcFrame.Failure) RpcFrame.decode(bytes);
                    assertEquals(7, got.callId());
                    assertEquals(RpcFrame.FailureCode.THREW, got.code());
                    if (got.message() != null) {
                        assertEquals(className, got.className());
                        java.util.regex.Matcher marker = java.util.regex.Pattern
                                .compile(" \u2026 \\((\\d+) characters cut\\)$").matcher(got.message());
                        assertTrue(marker.find(), got.message());
                        String kept = got.message().substring(0, marker.start());
                        assertEquals(message.length() - kept.length(), Integer.parseInt(marker.group(1)));
                        String expected = message.substring(0, kept.length()).replace("\ud800", "?");
                        assertEquals(expected, kept, "the beginning, whole characters only");
                    } else if (!got.className().equals(className)) {
                        assertTrue(got.className().startsWith("\u2026") && className.endsWith(got.className().substring(1)),
                                got.className());
                        assertTrue(limit < RpcFrame.encode(new RpcFrame.Failure(7, RpcFrame.FailureCode.THREW, className,
                                null)).length, "the class name is cut only where it does not fit alone");
                    } else {
                        assertTrue(limit < RpcFrame.encode(new RpcFrame.Failure(7, RpcFrame.FailureCode.THREW, className,
                                RpcFrame.cutMarker(message.length()))).length, "the message is dropped only where no marker fits");
                    }
                }
            }
        }
        RpcFrame.Failure small = new RpcFrame.Failure(1, RpcFrame.FailureCode.THREW, ise, "short");
        assertArrayEquals(RpcFrame.encode(small), RpcFrame.encodeWithin(small, 64), "what fits is sent as it is");
    }

    /**
     * A CLOSING the server encodes for a client's limit fits it, whatever the limit (64 bytes and up) and
     * the service's name its reason echoes (a mailbox name of up to 200 bytes, in one- to four-byte
     * characters): the reason's beginning, then " … (N characters cut)"; what fits is sent as it is.
     * Until 2026-12-06 it was sent whole, and one larger than a client's reply mailbox took was dropped.
     */
    @Test
    void aClosingEncodedWithinALimitFitsItAndSaysWhatWasCut() {
        for (String unit : List.of("m", "\u00e9", "\u20ac", "\ud83d\ude00")) {
            String name = unit.repeat(200 / unit.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            for (String reason : List.of("'" + name + "' closed", "'" + name + "' has ended this client's session "
                    + "(a BYE for it, it was taken for gone, or its replies found no room for 10 s): connect again")) {
                for (int limit = 64; limit <= 1024; limit++) {
                    byte[] bytes = RpcFrame.encodeWithin(new RpcFrame.Closing(reason), limit);
                    assertTrue(bytes.length <= limit, bytes.length + " > " + limit);
                    String got = ((RpcFrame.Closing) RpcFrame.decode(bytes)).reason();
                    if (bytes.length == RpcFrame.encode(new RpcFrame.Closing(reason)).length) {
                        assertEquals(reason, got, "what fits is sent as it is");
                        continue;
                    }
                    java.util.regex.Matcher marker = java.util.regex.Pattern
                            .compile(" \u2026 \\((\\d+) characters cut\\)$").matcher(got);
                    assertTrue(marker.find(), got);
                    String kept = got.substring(0, marker.start());
                    assertTrue(kept.startsWith("'"), kept);
                    assertEquals(reason.length() - kept.length(), Integer.parseInt(marker.group(1)));
                    assertEquals(reason.substring(0, kept.length()), kept, "whole characters only");
                }
            }
        }
    }

    /**
     * A REFUSED the server encodes for a client's limit fits it, whatever the limit (64 bytes and up)
     * and the names its reason echoes (the longest interface name a HELLO carries, in one- to
     * four-byte characters and an unpaired surrogate): the reason's beginning, so that "no such
     * service: " survives, followed by " … (N characters cut)", N what was cut (the mechanism of a
     * FAILURE's message); what fits is sent as it is.
     */
    @Test
    void aRefusalEncodedWithinALimitFitsItAndSaysWhatWasCut() {
        for (String unit : List.of("m", "\u00e9", "\u20ac", "\ud83d\ude00", "a\ud800")) {
            String reason = RpcFrame.NO_SUCH_SERVICE + "'" + unit.repeat(RpcFrame.MAX_INTERFACE_NAME / unit.length()) + "'";
            for (int limit = 64; limit <= 70_000; limit += limit < 200 ? 1 : 997) {
                byte[] bytes = RpcFrame.encodeWithin(new RpcFrame.Refused(reason), limit);
                assertTrue(bytes.length <= limit, bytes.length + " > " + limit);
                String got = ((RpcFrame.Refused) RpcFrame.decode(bytes)).reason();
                if (bytes.length == RpcFrame.encode(new RpcFrame.Refused(reason)).length) {
                    assertEquals(reason.replace("\ud800", "?"), got, "what fits is sent as it is");
                    continue;
                }
                java.util.regex.Matcher marker = java.util.regex.Pattern
                        .compile(" \u2026 \\((\\d+) characters cut\\)$").matcher(got);
                assertTrue(marker.find(), got);
                String kept = got.substring(0, marker.start());
                assertTrue(kept.startsWith(RpcFrame.NO_SUCH_SERVICE), kept);
                assertEquals(reason.length() - kept.length(), Integer.parseInt(marker.group(1)));
                assertEquals(reason.substring(0, kept.length()).replace("\ud800", "?"), kept, "whole characters only");
            }
        }
    }

    @Test
    void framesStartWithMagicAndVersion() {
        ByteBuffer bytes = ByteBuffer.wrap(encode(new RpcFrame.Bye(9)));
        assertEquals(0x4A525043, bytes.getInt());
        assertEquals(1, bytes.get());
        assertEquals(1, bytes.get());
        assertEquals(8, bytes.get());
        assertEquals(9, bytes.getLong());
        assertEquals(0, bytes.remaining());
    }

    @ParameterizedTest
    @EnumSource(RpcFrame.FailureCode.class)
    void everyFailureCodeRoundTrips(RpcFrame.FailureCode code) {
        RpcFrame.Failure failure = new RpcFrame.Failure(5, code, "x.Y", code.name());
        assertEquals(failure, RpcFrame.decode(encode(failure)));
        RpcFrame.Failure silent = new RpcFrame.Failure(5, code, "x.Y", null);
        assertEquals(silent, RpcFrame.decode(encode(silent)));
    }

    @Test
    void aFailureWithoutMessageDecodesToNull() {
        assertNull(((RpcFrame.Failure) RpcFrame.decode(encode(new RpcFrame.Failure(1, RpcFrame.FailureCode.THREW, "E", null))))
                .message());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void badMagicIsRefused(int index) {
        byte[] bytes = encode(new RpcFrame.Bye(1));
        bytes[index] ^= 0x20;
        assertMentions(refused(bytes), "magic");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 3, 127, 255})
    void otherMajorVersionsAreRefusedNamingTheVersion(int major) {
        byte[] bytes = encode(new RpcFrame.Welcome(1, 2, 3));
        bytes[4] = (byte) major;
        String version = "version " + major + "." + RpcFrame.MINOR;
        assertMentions(refused(bytes), version);
        // whatever follows: a frame of another major is not read further
        byte[] different = Arrays.copyOf(bytes, 6);
        assertMentions(refused(different), version);
        assertMentions(refused(withTrailing(bytes, 100)), version);
    }

    @Test
    void version2Point0IsRefused() {
        byte[] bytes = encode(new RpcFrame.Hello("api", "replies", 1, 64));
        bytes[4] = 2;
        bytes[5] = 0;
        RpcProtocolException e = refused(bytes);
        assertMentions(e, "2.0");
        assertMentions(e, "1.1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFrames")
    void aLaterMinorWithAppendedFieldsIsAccepted(String name, RpcFrame frame) {
        byte[] original = encode(frame);
        for (int minor : new int[] {RpcFrame.MINOR + 1, RpcFrame.MINOR + 2, 255}) {
            for (int extra : new int[] {0, 1, 17}) {
                byte[] later = withTrailing(original, extra);
                later[5] = (byte) minor;
                Arrays.fill(later, original.length, later.length, (byte) 0xA5);
                RpcFrame decoded = RpcFrame.decode(later);
                assertArrayEquals(original, encode(decoded), "minor " + minor + ", " + extra + " extra bytes");
            }
        }
    }

    @Test
    void version1Point2WithExtraBytesIsAccepted() {
        RpcFrame.Welcome welcome = new RpcFrame.Welcome(3, 4, 5);
        byte[] bytes = withTrailing(encode(welcome), 8);
        bytes[5] = 2;
        assertEquals(welcome, RpcFrame.decode(bytes));
    }

    /** A 1.0 peer's HELLO and WELCOME end before the size field: they decode with size 0, "not said". */
    @Test
    void version1Point0HelloAndWelcomeHaveNoSize() {
        byte[] hello = encode(new RpcFrame.Hello("api", "replies", 9, 4096));
        byte[] hello10 = Arrays.copyOf(hello, hello.length - 4);
        hello10[5] = 0;
        assertEquals(new RpcFrame.Hello("api", "replies", 9, 0), RpcFrame.decode(hello10));
        byte[] welcome = encode(new RpcFrame.Welcome(1, 2, 4096));
        byte[] welcome10 = Arrays.copyOf(welcome, welcome.length - 4);
        welcome10[5] = 0;
        assertEquals(new RpcFrame.Welcome(1, 2, 0), RpcFrame.decode(welcome10));
        // and a 1.0 frame that carries the field anyway has 4 bytes too many
        hello[5] = 0;
        assertMentions(refused(hello), "4 bytes after the frame");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x8000_0000, 0xFFFF_FFFF, 0xC000_0000})
    void frameSizesBeyondAnIntAreRefused(int size) {
        byte[] hello = encode(new RpcFrame.Hello("api", "replies", 9, 0));
        ByteBuffer.wrap(hello).putInt(hello.length - 4, size);
        assertMentions(refused(hello), "frame size " + Integer.toUnsignedString(size));
        byte[] welcome = encode(new RpcFrame.Welcome(1, 2, 0));
        ByteBuffer.wrap(welcome).putInt(welcome.length - 4, size);
        assertMentions(refused(welcome), "frame size " + Integer.toUnsignedString(size));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFrames")
    void theSameMinorWithTrailingBytesIsRefused(String name, RpcFrame frame) {
        assertMentions(refused(withTrailing(encode(frame), 1)), "1 bytes after the frame");
        assertMentions(refused(withTrailing(encode(frame), 9)), "9 bytes after the frame");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 12, 13, 127, 128, 255})
    void unknownKindsAreRefused(int kind) {
        byte[] bytes = encode(new RpcFrame.Bye(1));
        bytes[6] = (byte) kind;
        assertMentions(refused(bytes), "kind " + kind);
    }

    @ParameterizedTest
    @ValueSource(ints = {6, 7, 100, 127, -1, -128})
    void unknownFailureCodesAreRefused(int code) {
        byte[] bytes = encode(new RpcFrame.Failure(1, RpcFrame.FailureCode.THREW, "E", "m"));
        assertEquals(0, bytes[15]); // magic 4, version 2, kind 1, call id 8
        bytes[15] = (byte) code;
        assertMentions(refused(bytes), "unknown failure code " + code);
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, Long.MIN_VALUE, -5_000})
    void negativeTimeoutsAreRefused(long timeout) {
        assertMentions(refused(encode(new RpcFrame.Call(1, 2, timeout, "m()", new byte[] {0, 0, 0, 0}))),
                "negative timeout " + timeout);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, Long.MAX_VALUE})
    void zeroAndPositiveTimeoutsAreAccepted(long timeout) {
        assertEquals(timeout, ((RpcFrame.Call) RpcFrame.decode(encode(new RpcFrame.Call(1, 2, timeout, "m()", new byte[0]))))
                .timeoutMillis());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 0x7F, 0x80, 0xFF})
    void messageFlagsOtherThanZeroOrOneAreRefused(int flag) {
        byte[] bytes = encode(new RpcFrame.Failure(1, RpcFrame.FailureCode.THREW, "E", null));
        assertEquals(0, bytes[bytes.length - 1]);
        bytes[bytes.length - 1] = (byte) flag;
        assertMentions(refused(bytes), "message flag");
        assertMentions(refused(withTrailing(bytes, 8)), "message flag");
    }

    @Test
    void aMessageFlagWithoutItsMessageIsRefused() {
        byte[] bytes = encode(new RpcFrame.Failure(1, RpcFrame.FailureCode.THREW, "E", null));
        bytes[bytes.length - 1] = 1;
        assertMentions(refused(bytes), "cut short");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFrames")
    void framesCutShortAtEveryLengthAreRefused(String name, RpcFrame frame) {
        byte[] bytes = encode(frame);
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThrows(RpcProtocolException.class, () -> RpcFrame.decode(cut), "cut to " + length + " bytes");
        }
    }

    static Stream<Arguments> hostileLengths() {
        List<Arguments> cases = new ArrayList<>();
        for (int length : new int[] {0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 1 << 24}) {
            // Hello: the interface's length is the first field
            ByteBuffer hello = ByteBuffer.allocate(20).putInt(RpcFrame.MAGIC).put((byte) 1).put((byte) 0).put((byte) 1)
                    .putInt(length).put("abcdefghi".getBytes(StandardCharsets.US_ASCII));
            cases.add(Arguments.of("Hello 0x" + Integer.toHexString(length), hello.array()));
            // Result: the value's length follows the call id
            ByteBuffer result = ByteBuffer.allocate(24).putInt(RpcFrame.MAGIC).put((byte) 1).put((byte) 0).put((byte) 5)
                    .putLong(1).putInt(length);
            cases.add(Arguments.of("Result 0x" + Integer.toHexString(length), result.array()));
            // Call: the arguments' length follows the method key
            byte[] call = encode(new RpcFrame.Call(1, 2, 3, "m()", new byte[] {0, 0, 0, 0}));
            ByteBuffer.wrap(call).putInt(call.length - 8, length);
            cases.add(Arguments.of("Call 0x" + Integer.toHexString(length), call));
            // Failure: the message's length is the last field
            byte[] failure = encode(new RpcFrame.Failure(1, RpcFrame.FailureCode.THREW, "E", "abcd"));
            ByteBuffer.wrap(failure).putInt(failure.length - 8, length);
            cases.add(Arguments.of("Failure 0x" + Integer.toHexString(length), failure));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileLengths")
    void lengthsBeyondTheFrameAreRefused(String name, byte[] bytes) {
        assertMentions(refused(bytes), "length ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"80", "c328", "c0af", "eda080", "f09f98", "ff", "f4908080"})
    void invalidUtf8InFrameStringsIsRefused(String hex) {
        byte[] utf8 = java.util.HexFormat.of().parseHex(hex);
        ByteBuffer refusedReason = ByteBuffer.allocate(11 + utf8.length).putInt(RpcFrame.MAGIC).put((byte) 1).put((byte) 0)
                .put((byte) 3).putInt(utf8.length).put(utf8);
        assertMentions(refused(refusedReason.array()), "UTF-8");
        ByteBuffer closing = ByteBuffer.allocate(11 + utf8.length).putInt(RpcFrame.MAGIC).put((byte) 1).put((byte) 0)
                .put((byte) 9).putInt(utf8.length).put(utf8);
        assertMentions(refused(closing.array()), "UTF-8");
    }
}
