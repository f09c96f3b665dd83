package io.jipc.rpc;

import io.jipc.testkit.ThreadAllocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Marshaller}, the allow-list codec of jipc-rpc:
 * <ul>
 * <li>every type of the allow-list (primitives and their boxes, {@code String}, {@code byte[]}, enums,
 * records, {@code List} and {@code Map} of those, {@code void}) goes through
 * {@code encodeArguments}/{@code decodeArguments} and {@code encodeValue}/{@code decodeResult}
 * unchanged, maps in their order, decoded collections unmodifiable;</li>
 * <li>an interface naming any other type is refused when its allow-list is built, with a
 * {@link NotMarshallableException} naming the method and the type;</li>
 * <li>a value outside the allow-list is refused when it is encoded;</li>
 * <li>hostile bytes, built by hand after the format in {@link Marshaller}'s javadoc, are refused with
 * an {@link RpcProtocolException} and nothing else: no other exception, no allocation sized by a
 * length the peer claims, no class initialized because the peer named it.</li>
 * </ul>
 */
class MarshallerTest {
    // ------------------------------------------------------------------ the test's types

    public enum Colour { RED, GREEN, BLUE }

    /** Constants with bodies: their classes are anonymous subclasses of the enum. */
    public enum Op {
        PLUS {
            @Override
            int apply(int a, int b) {
                return a + b;
            }
        },
        TIMES {
            @Override
            int apply(int a, int b) {
                return a * b;
            }
        };

        abstract int apply(int a, int b);
    }

    /** Named by no interface of the allow-list. */
    public enum Unlisted { X }

    public record Point(int x, int y) {
    }

    public record Line(Point from, Point to) {
    }

    public record Polygon(String name, List<Point> corners) {
    }

    public record Ledger(Map<String, List<Long>> entries) {
    }

    public record Tree(String label, List<Tree> children) {
    }

    public record Blob(String name, byte[] data) {
    }

    /** Its compact constructor refuses negatives: a peer must not be able to build one. */
    public record Positive(int value) {
        public Positive {
            if (value < 0) {
                throw new IllegalArgumentException("negative: " + value);
            }
        }
    }

    /** A record no interface of the allow-list names. */
    public record Stranger(int value) {
    }

    static final AtomicBoolean NEVER_LOADED_INITIALIZED = new AtomicBoolean();

    /** Only ever named as a string: decoding its name must not initialize it. */
    public record NeverLoaded(int value) {
        static {
            NEVER_LOADED_INITIALIZED.set(true);
        }
    }

    /** A record with a component outside the allow-list. */
    public record Holder(Object anything) {
    }

    /** One method per supported type: each takes a value of the type and returns one. */
    public interface Api {
        void nothing();

        boolean primitiveBoolean(boolean value);

        Boolean boxedBoolean(Boolean value);

        byte primitiveByte(byte value);

        Byte boxedByte(Byte value);

        short primitiveShort(short value);

        Short boxedShort(Short value);

        char primitiveChar(char value);

        Character boxedChar(Character value);

        int primitiveInt(int value);

        Integer boxedInt(Integer value);

        long primitiveLong(long value);

        Long boxedLong(Long value);

        float primitiveFloat(float value);

        Float boxedFloat(Float value);

        double primitiveDouble(double value);

        Double boxedDouble(Double value);

        String string(String value);

        byte[] bytes(byte[] value);

        Colour colour(Colour value);

        Op op(Op value);

        Point point(Point value);

        Line line(Line value);

        Polygon polygon(Polygon value);

        Ledger ledger(Ledger value);

        Tree tree(Tree value);

        Blob blob(Blob value);

        Positive positive(Positive value);

        List<String> strings(List<String> value);

        List<List<Integer>> matrix(List<List<Integer>> value);

        List<Point> points(List<Point> value);

        List<byte[]> chunks(List<byte[]> value);

        Map<String, Integer> counts(Map<String, Integer> value);

        Map<Colour, Point> byColour(Map<Colour, Point> value);

        Map<String, List<Long>> series(Map<String, List<Long>> value);

        Map<Point, Integer> pointCounts(Map<Point, Integer> value);

        Map<List<Integer>, Integer> listCounts(Map<List<Integer>, Integer> value);

        Map<Long, Integer> longCounts(Map<Long, Integer> value);

        Map<String, Map<String, Integer>> nestedCounts(Map<String, Map<String, Integer>> value);

        String mixed(int a, String b, Colour c, Point d, List<Long> e, double f);

        /** Not remote: default methods may use any type. */
        default Object helper(Object anything) {
            return anything;
        }

        /** Not remote either. */
        static Object utility(Object anything) {
            return anything;
        }
    }

    private static final Marshaller MARSHALLER = Marshaller.of(Api.class);

    private static Method method(String name) {
        return Arrays.stream(Api.class.getMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no method " + name));
    }

    private static Object argumentRoundTrip(String method, Object value) {
        Object[] decoded = MARSHALLER.decodeArguments(MARSHALLER.encodeArguments(new Object[] {value}), method(method));
        assertEquals(1, decoded.length);
        return decoded[0];
    }

    private static Object resultRoundTrip(String method, Object value) {
        return MARSHALLER.decodeResult(MARSHALLER.encodeValue(value), method(method));
    }

    // ------------------------------------------------------------------ round trips

    static Stream<Arguments> values() {
        Map<String, List<Long>> ledger = new LinkedHashMap<>();
        ledger.put("zeta", List.of(1L, 2L));
        ledger.put("alpha", List.of());
        ledger.put("mid", List.of(Long.MIN_VALUE, Long.MAX_VALUE));
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("z", 1);
        counts.put("a", 2);
        counts.put("m", 3);
        counts.put("null value", null);
        counts.put(null, 4);
        Map<Colour, Point> byColour = new LinkedHashMap<>();
        byColour.put(Colour.BLUE, new Point(0, 0));
        byColour.put(Colour.RED, null);
        Tree tree = new Tree("root", List.of(new Tree("a", List.of()),
                new Tree("b", List.of(new Tree("c", List.of()), new Tree(null, null)))));
        return Stream.of(
                Arguments.of("primitiveBoolean", true),
                Arguments.of("primitiveBoolean", false),
                Arguments.of("boxedBoolean", Boolean.TRUE),
                Arguments.of("boxedBoolean", null),
                Arguments.of("primitiveByte", (byte) 0),
                Arguments.of("primitiveByte", (byte) -1),
                Arguments.of("primitiveByte", Byte.MIN_VALUE),
                Arguments.of("primitiveByte", Byte.MAX_VALUE),
                Arguments.of("boxedByte", (byte) 7),
                Arguments.of("boxedByte", null),
                Arguments.of("primitiveShort", (short) 0),
                Arguments.of("primitiveShort", Short.MIN_VALUE),
                Arguments.of("primitiveShort", Short.MAX_VALUE),
                Arguments.of("boxedShort", (short) -2),
                Arguments.of("boxedShort", null),
                Arguments.of("primitiveChar", 'a'),
                Arguments.of("primitiveChar", '\u0000'),
                Arguments.of("primitiveChar", '\uffff'),
                Arguments.of("primitiveChar", 'é'),
                Arguments.of("primitiveChar", '\ud83d'), // half a surrogate pair: a valid char
                Arguments.of("boxedChar", 'Z'),
                Arguments.of("boxedChar", null),
                Arguments.of("primitiveInt", 0),
                Arguments.of("primitiveInt", -1),
                Arguments.of("primitiveInt", Integer.MIN_VALUE),
                Arguments.of("primitiveInt", Integer.MAX_VALUE),
                Arguments.of("boxedInt", 42),
                Arguments.of("boxedInt", null),
                Arguments.of("primitiveLong", 0L),
                Arguments.of("primitiveLong", Long.MIN_VALUE),
                Arguments.of("primitiveLong", Long.MAX_VALUE),
                Arguments.of("primitiveLong", 0x0123456789abcdefL),
                Arguments.of("boxedLong", -5L),
                Arguments.of("boxedLong", null),
                Arguments.of("primitiveFloat", 0.0f),
                Arguments.of("primitiveFloat", -0.0f),
                Arguments.of("primitiveFloat", 1.5f),
                Arguments.of("primitiveFloat", Float.NaN),
                Arguments.of("primitiveFloat", Float.POSITIVE_INFINITY),
                Arguments.of("primitiveFloat", Float.NEGATIVE_INFINITY),
                Arguments.of("primitiveFloat", Float.MIN_VALUE),
                Arguments.of("primitiveFloat", Float.MIN_NORMAL),
                Arguments.of("primitiveFloat", Float.MAX_VALUE),
                Arguments.of("primitiveFloat", -Float.MAX_VALUE),
                Arguments.of("boxedFloat", -0.0f),
                Arguments.of("boxedFloat", null),
                Arguments.of("primitiveDouble", 0.0),
                Arguments.of("primitiveDouble", -0.0),
                Arguments.of("primitiveDouble", Math.PI),
                Arguments.of("primitiveDouble", Double.NaN),
                Arguments.of("primitiveDouble", Double.POSITIVE_INFINITY),
                Arguments.of("primitiveDouble", Double.NEGATIVE_INFINITY),
                Arguments.of("primitiveDouble", Double.MIN_VALUE),
                Arguments.of("primitiveDouble", Double.MIN_NORMAL),
                Arguments.of("primitiveDouble", Double.MAX_VALUE),
                Arguments.of("primitiveDouble", -Double.MAX_VALUE),
                Arguments.of("boxedDouble", Double.NaN),
                Arguments.of("boxedDouble", null),
                Arguments.of("string", ""),
                Arguments.of("string", "hello"),
                Arguments.of("string", "grüße, ½ € ñ"),
                Arguments.of("string", "日本語のテキスト"),
                Arguments.of("string", "emoji 😀 👍🏽 👨‍👩‍👧 𝄞"),
                Arguments.of("string", "nul \u0000 inside"),
                Arguments.of("string", "long " + "x".repeat(70_000)),
                Arguments.of("string", null),
                Arguments.of("colour", Colour.RED),
                Arguments.of("colour", Colour.BLUE),
                Arguments.of("colour", null),
                Arguments.of("op", Op.PLUS),
                Arguments.of("op", Op.TIMES),
                Arguments.of("point", new Point(1, 2)),
                Arguments.of("point", new Point(Integer.MIN_VALUE, Integer.MAX_VALUE)),
                Arguments.of("point", null),
                Arguments.of("line", new Line(new Point(0, 0), new Point(3, 4))),
                Arguments.of("line", new Line(null, new Point(3, 4))),
                Arguments.of("polygon", new Polygon("triangle", List.of(new Point(0, 0), new Point(1, 0), new Point(0, 1)))),
                Arguments.of("polygon", new Polygon("", List.of())),
                Arguments.of("polygon", new Polygon(null, null)),
                Arguments.of("polygon", new Polygon("with a hole", Arrays.asList(new Point(1, 1), null))),
                Arguments.of("ledger", new Ledger(ledger)),
                Arguments.of("ledger", new Ledger(Map.of())),
                Arguments.of("tree", tree),
                Arguments.of("positive", new Positive(0)),
                Arguments.of("positive", new Positive(Integer.MAX_VALUE)),
                Arguments.of("strings", List.of()),
                Arguments.of("strings", List.of("a", "b", "c")),
                Arguments.of("strings", Arrays.asList("x", null, "")),
                Arguments.of("strings", null),
                Arguments.of("matrix", List.of(List.of(1, 2), List.of(3), List.of())),
                Arguments.of("points", List.of(new Point(5, 6), new Point(7, 8))),
                Arguments.of("counts", counts),
                Arguments.of("counts", Map.of()),
                Arguments.of("byColour", byColour),
                Arguments.of("series", ledger));
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("values")
    void argumentsRoundTrip(String method, Object value) {
        assertEquals(value, argumentRoundTrip(method, value));
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("values")
    void resultsRoundTrip(String method, Object value) {
        assertEquals(value, resultRoundTrip(method, value));
    }

    @Test
    void negativeZeroKeepsItsSign() {
        assertEquals(Double.doubleToRawLongBits(-0.0),
                Double.doubleToRawLongBits((Double) argumentRoundTrip("primitiveDouble", -0.0)));
        assertEquals(Float.floatToRawIntBits(-0.0f),
                Float.floatToRawIntBits((Float) resultRoundTrip("primitiveFloat", -0.0f)));
    }

    @Test
    void quietNanPayloadsAreKept() {
        double nan = Double.longBitsToDouble(0x7ff8_0000_0000_0123L);
        float nanF = Float.intBitsToFloat(0x7fc0_0123);
        assertEquals(0x7ff8_0000_0000_0123L, Double.doubleToRawLongBits((Double) argumentRoundTrip("primitiveDouble", nan)));
        assertEquals(0x7fc0_0123, Float.floatToRawIntBits((Float) resultRoundTrip("boxedFloat", nanF)));
    }

    static Stream<byte[]> byteArrays() {
        byte[] large = new byte[100 * 1024];
        new SplittableRandom(1).nextBytes(large);
        byte[] allValues = new byte[256];
        for (int i = 0; i < allValues.length; i++) {
            allValues[i] = (byte) i;
        }
        return Stream.of(new byte[0], new byte[] {0}, new byte[] {-1, 0, 1}, allValues, large);
    }

    @ParameterizedTest
    @MethodSource("byteArrays")
    void byteArraysRoundTrip(byte[] value) {
        assertArrayEquals(value, (byte[]) argumentRoundTrip("bytes", value));
        assertArrayEquals(value, (byte[]) resultRoundTrip("bytes", value));
    }

    @Test
    void byteArraysInsideRecordsAndListsRoundTrip() {
        byte[] data = {1, 2, 3};
        Blob blob = (Blob) argumentRoundTrip("blob", new Blob("b", data));
        assertEquals("b", blob.name());
        assertArrayEquals(data, blob.data());
        @SuppressWarnings("unchecked")
        List<byte[]> chunks = (List<byte[]>) resultRoundTrip("chunks", Arrays.asList(data, new byte[0], null));
        assertEquals(3, chunks.size());
        assertArrayEquals(data, chunks.get(0));
        assertArrayEquals(new byte[0], chunks.get(1));
        assertNull(chunks.get(2));
    }

    @Test
    void enumConstantsWithBodiesDecodeToTheSameConstant() {
        assertSame(Op.PLUS, argumentRoundTrip("op", Op.PLUS));
        assertSame(Op.TIMES, resultRoundTrip("op", Op.TIMES));
        assertEquals(6, ((Op) resultRoundTrip("op", Op.TIMES)).apply(2, 3));
    }

    @Test
    void severalArgumentsRoundTripInOrder() {
        Object[] arguments = {7, "seven", Colour.GREEN, new Point(7, 7), List.of(7L, 77L), 7.5};
        Object[] decoded = MARSHALLER.decodeArguments(MARSHALLER.encodeArguments(arguments), method("mixed"));
        assertArrayEquals(arguments, decoded);
    }

    @Test
    void voidCallsCarryNoArgumentsAndNoResult() {
        assertArrayEquals(new byte[] {0, 0, 0, 0}, MARSHALLER.encodeArguments(null));
        assertArrayEquals(MARSHALLER.encodeArguments(null), MARSHALLER.encodeArguments(new Object[0]));
        assertEquals(0, MARSHALLER.decodeArguments(MARSHALLER.encodeArguments(null), method("nothing")).length);
        assertNull(MARSHALLER.decodeResult(MARSHALLER.encodeValue(null), method("nothing")));
    }

    @Test
    void aVoidResultMustBeNull() {
        RpcProtocolException e = assertThrows(RpcProtocolException.class,
                () -> MARSHALLER.decodeResult(MARSHALLER.encodeValue(1), method("nothing")));
        assertTrue(e.getMessage().contains("result of nothing"), e.getMessage());
    }

    @Test
    void mapsKeepTheirOrder() {
        List<String> keys = new ArrayList<>(IntStream.range(0, 200).mapToObj(i -> "key" + i).toList());
        Collections.shuffle(keys, new java.util.Random(3));
        Map<String, Integer> map = new LinkedHashMap<>();
        keys.forEach(key -> map.put(key, key.length()));
        @SuppressWarnings("unchecked")
        Map<String, Integer> decoded = (Map<String, Integer>) argumentRoundTrip("counts", map);
        assertEquals(keys, new ArrayList<>(decoded.keySet()));
        assertEquals(map, decoded);
    }

    @Test
    void aHashMapArrivesInItsIterationOrder() {
        Map<String, Integer> map = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            map.put("k" + i * 7919, i);
        }
        @SuppressWarnings("unchecked")
        Map<String, Integer> decoded = (Map<String, Integer>) resultRoundTrip("counts", map);
        assertEquals(new ArrayList<>(map.keySet()), new ArrayList<>(decoded.keySet()));
    }

    /**
     * A list whose size changes between {@code size()} and its iteration (another thread adding) is
     * written as one snapshot: the count agrees with the elements (rpcobj58 explorer: the count was
     * {@code size()} and the elements the iteration's, a frame its own decoder refused, "bytes after
     * the last value", which a caller took for another version of the interface).
     */
    @Test
    void aListThatGrowsWhileItIsWrittenIsWrittenAsOneSnapshot() {
        List<String> growing = new java.util.AbstractList<>() {
            private int sizeCalls;

            @Override
            public String get(int index) {
                return "e" + index;
            }

            @Override
            public int size() {
                return sizeCalls++ == 0 ? 2 : 3; // a third element added after the first look
            }
        };
        assertEquals(List.of("e0", "e1", "e2"), resultRoundTrip("strings", growing));
    }

    /**
     * Concurrent collections changed by another thread while they are encoded, many times: every
     * frame decodes, or (a map whose weakly consistent iteration met a key twice) the encoder refuses
     * it with {@link NotMarshallableException} before anything is sent; never a frame a peer refuses.
     */
    @Test
    void concurrentCollectionsChangedWhileEncodedAlwaysDecode() throws Exception {
        java.util.concurrent.CopyOnWriteArrayList<String> list = new java.util.concurrent.CopyOnWriteArrayList<>(
                List.of("a", "b"));
        java.util.concurrent.ConcurrentHashMap<String, Integer> map = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread changer = Thread.ofPlatform().daemon().start(() -> {
            SplittableRandom random = new SplittableRandom(7);
            while (!stop.get()) {
                if (random.nextBoolean() && list.size() < 16) {
                    list.add("x" + random.nextInt(9));
                } else if (list.size() > 1) {
                    list.remove(0);
                }
                Thread.onSpinWait();
                String key = "k" + random.nextInt(50);
                if (random.nextBoolean()) {
                    map.put(key, 1);
                } else {
                    map.remove(key);
                }
            }
        });
        try {
            for (int i = 0; i < 20_000; i++) {
                assertTrue(resultRoundTrip("strings", list) instanceof List<?>);
                try {
                    assertTrue(resultRoundTrip("counts", map) instanceof Map<?, ?>);
                } catch (NotMarshallableException e) {
                    assertTrue(e.getMessage().contains("met twice"), e.getMessage());
                }
            }
        } finally {
            stop.set(true);
            changer.join();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void decodedCollectionsAreUnmodifiable() {
        List<String> strings = (List<String>) argumentRoundTrip("strings", List.of("a"));
        assertThrows(UnsupportedOperationException.class, () -> strings.add("b"));
        assertThrows(UnsupportedOperationException.class, () -> strings.set(0, "b"));

        Map<String, Integer> counts = (Map<String, Integer>) resultRoundTrip("counts", Map.of("a", 1));
        assertThrows(UnsupportedOperationException.class, () -> counts.put("b", 2));
        assertThrows(UnsupportedOperationException.class, () -> counts.remove("a"));

        List<List<Integer>> matrix = (List<List<Integer>>) resultRoundTrip("matrix", List.of(List.of(1)));
        assertThrows(UnsupportedOperationException.class, () -> matrix.get(0).add(2));

        Map<String, List<Long>> series = (Map<String, List<Long>>) argumentRoundTrip("series", Map.of("s", List.of(1L)));
        assertThrows(UnsupportedOperationException.class, () -> series.get("s").add(2L));

        Polygon polygon = (Polygon) argumentRoundTrip("polygon", new Polygon("p", new ArrayList<>(List.of(new Point(1, 1)))));
        assertThrows(UnsupportedOperationException.class, () -> polygon.corners().add(new Point(2, 2)));

        Ledger ledger = (Ledger) resultRoundTrip("ledger", new Ledger(new HashMap<>(Map.of("l", new ArrayList<>(List.of(1L))))));
        assertThrows(UnsupportedOperationException.class, () -> ledger.entries().put("m", List.of()));
        assertThrows(UnsupportedOperationException.class, () -> ledger.entries().get("l").clear());
    }

    /**
     * A {@code String} holding an unpaired surrogate cannot be written as UTF-8; {@code
     * String.getBytes(UTF_8)} would silently replace it with {@code '?'} and the peer would receive
     * another string. It must arrive exactly, or be refused with a {@link NotMarshallableException}
     * (it is refused).
     */
    @ParameterizedTest
    @ValueSource(strings = {"\ud800", "a\udfffb", "pair reversed \ude00\ud83d"})
    void unpairedSurrogatesAreCarriedExactlyOrRefused(String value) {
        Object decoded;
        try {
            decoded = argumentRoundTrip("string", value);
        } catch (NotMarshallableException refused) {
            return;
        }
        assertEquals(value, decoded, "a string with an unpaired surrogate was silently altered");
    }

    // ------------------------------------------------------------------ refused when the allow-list is built

    public interface TakesObject {
        void takeObject(Object value);
    }

    public interface ReturnsObject {
        Object giveObject();
    }

    public interface TakesIntArray {
        void takeInts(int[] values);
    }

    public interface TakesBoxedArray {
        void takeIntegers(Integer[] values);
    }

    public interface TakesRawList {
        @SuppressWarnings("rawtypes")
        void takeRawList(List values);
    }

    public interface TakesRawMap {
        @SuppressWarnings("rawtypes")
        void takeRawMap(Map values);
    }

    public interface TakesWildcard {
        void takeWildcard(List<?> values);
    }

    public interface TakesBoundedWildcard {
        void takeNumbers(List<? extends Number> values);
    }

    public interface ReturnsTypeVariable {
        <X> X make();
    }

    public interface GenericApi<T> {
        void takeT(T value);
    }

    public interface TakesDate {
        void takeDate(Date when);
    }

    public interface TakesHolder {
        void takeHolder(Holder holder);
    }

    public interface TakesGenericArray {
        void takeLists(List<String>[] lists);
    }

    public interface TakesOptional {
        void takeOptional(Optional<String> value);
    }

    public interface TakesListOfObject {
        void takeObjects(List<Object> values);
    }

    public interface TakesMapOfThreads {
        void takeThreads(Map<String, Thread> threads);
    }

    public interface TakesNumber {
        void takeNumber(Number number);
    }

    public interface TakesAnyRecord {
        void takeRecord(Record record);
    }

    public interface InheritsObject extends TakesObject {
        void fine(int value);
    }

    /** A generic record: the wire names its class, not its type arguments. */
    public record Pair<A, B>(A first, B second) {
    }

    public interface TakesGenericRecord {
        void takePair(Pair<String, Integer> pair);
    }

    public interface TakesRawGenericRecord {
        @SuppressWarnings("rawtypes")
        void takeRawPair(Pair pair);
    }

    public interface Repository<T> {
        T get();
    }

    /** Inherits {@code T get()}: a type variable, whatever the type argument here. */
    public interface StringRepository extends Repository<String> {
    }

    static Stream<Arguments> refusedInterfaces() {
        return Stream.of(
                Arguments.of(TakesObject.class, "takeObject", "java.lang.Object"),
                Arguments.of(ReturnsObject.class, "giveObject", "java.lang.Object"),
                Arguments.of(TakesIntArray.class, "takeInts", "int[]"),
                Arguments.of(TakesBoxedArray.class, "takeIntegers", "java.lang.Integer[]"),
                Arguments.of(TakesRawList.class, "takeRawList", "java.util.List"),
                Arguments.of(TakesRawMap.class, "takeRawMap", "java.util.Map"),
                Arguments.of(TakesWildcard.class, "takeWildcard", "?"),
                Arguments.of(TakesBoundedWildcard.class, "takeNumbers", "? extends java.lang.Number"),
                Arguments.of(ReturnsTypeVariable.class, "make", ": X is"),
                Arguments.of(GenericApi.class, "takeT", ": T is"),
                Arguments.of(TakesDate.class, "takeDate", "java.util.Date"),
                Arguments.of(TakesHolder.class, "takeHolder", "java.lang.Object"),
                Arguments.of(TakesGenericArray.class, "takeLists", "java.util.List<java.lang.String>[]"),
                Arguments.of(TakesOptional.class, "takeOptional", "java.util.Optional<java.lang.String>"),
                Arguments.of(TakesListOfObject.class, "takeObjects", "java.lang.Object"),
                Arguments.of(TakesMapOfThreads.class, "takeThreads", "java.lang.Thread"),
                Arguments.of(TakesNumber.class, "takeNumber", "java.lang.Number"),
                Arguments.of(TakesAnyRecord.class, "takeRecord", "java.lang.Record"),
                Arguments.of(InheritsObject.class, "takeObject", "java.lang.Object"),
                Arguments.of(TakesGenericRecord.class, "takePair", "Pair<java.lang.String, java.lang.Integer>"),
                Arguments.of(TakesRawGenericRecord.class, "takeRawPair", ": A is"),
                Arguments.of(StringRepository.class, "get", ": T is"));
    }

    /**
     * A generic record is refused with the reason, which the general list of what travels ("records")
     * does not tell: used with type arguments, raw, and a generic interface's type variable inherited.
     */
    @Test
    void genericRecordsAndInheritedTypeVariablesAreRefusedSayingWhy() {
        for (Class<?> api : List.of(TakesGenericRecord.class, TakesRawGenericRecord.class)) {
            NotMarshallableException e = assertThrows(NotMarshallableException.class, () -> Marshaller.of(api));
            assertTrue(e.getMessage().contains("generic records are not marshallable")
                    && e.getMessage().contains("declare a record whose components have concrete types"), e.getMessage());
        }
        NotMarshallableException e = assertThrows(NotMarshallableException.class, () -> Marshaller.of(StringRepository.class));
        assertTrue(e.getMessage().contains("a type variable of " + Repository.class.getName()), e.getMessage());
    }

    /**
     * What the nesting limit counts: every value inside a record, list or map is one level deeper than
     * it, leaves too, and a value deeper than {@value Marshaller#MAX_DEPTH} is refused. A record that holds
     * a list of itself takes two levels per record: a chain of 16 {@code Tree}s travels (the innermost
     * one's components at level 31), of 17 it does not (at 33).
     */
    @Test
    void aChainOfSixteenSelfListingRecordsTravelsAndOfSeventeenIsRefused() {
        assertEquals(chain(16), argumentRoundTrip("tree", chain(16)));
        NotMarshallableException e = assertThrows(NotMarshallableException.class,
                () -> MARSHALLER.encodeArguments(new Object[] {chain(17)}));
        assertTrue(e.getMessage().contains("deeper than " + Marshaller.MAX_DEPTH), e.getMessage());
    }

    /** {@code records} {@link Tree}s, each the only child of the one before. */
    private static Tree chain(int records) {
        Tree tree = new Tree("leaf", List.of());
        for (int i = 1; i < records; i++) {
            tree = new Tree("n" + i, List.of(tree));
        }
        return tree;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedInterfaces")
    void typesOutsideTheAllowListAreRefusedWhenBuilt(Class<?> api, String method, String type) {
        NotMarshallableException e = assertThrows(NotMarshallableException.class, () -> Marshaller.of(api));
        assertTrue(e.getMessage().contains("." + method), "names the method: " + e.getMessage());
        assertTrue(e.getMessage().contains(type), "names the type " + type + ": " + e.getMessage());
        // a refusal is not remembered as a success
        assertThrows(NotMarshallableException.class, () -> Marshaller.of(api));
    }

    @Test
    void aRecordWithARefusedComponentIsNamedInTheRefusal() {
        NotMarshallableException e = assertThrows(NotMarshallableException.class, () -> Marshaller.of(TakesHolder.class));
        assertTrue(e.getMessage().contains(Holder.class.getName()), e.getMessage());
    }

    @Test
    void defaultAndStaticMethodsAreNotRemoteAndMayUseAnyType() {
        // Api's helper and utility take Object, yet its marshaller was built
        assertSame(MARSHALLER, Marshaller.of(Api.class));
        assertFalse(RpcMethods.of(Api.class).containsKey("helper(java.lang.Object)"));
        assertFalse(RpcMethods.of(Api.class).containsKey("utility(java.lang.Object)"));
    }

    @ParameterizedTest
    @ValueSource(classes = {String.class, Point.class, Colour.class, Object.class, int.class})
    void onlyInterfacesHaveMarshallers(Class<?> notAnInterface) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Marshaller.of(notAnInterface));
        assertEquals(IllegalArgumentException.class, e.getClass());
        assertTrue(e.getMessage().contains(notAnInterface.getName()), e.getMessage());
    }

    // ------------------------------------------------------------------ refused when encoded

    static Stream<Arguments> unmarshallableValues() {
        List<Object> tooDeep = new ArrayList<>();
        List<Object> innermost = tooDeep;
        for (int i = 0; i < Marshaller.MAX_DEPTH + 5; i++) {
            List<Object> next = new ArrayList<>();
            innermost.add(next);
            innermost = next;
        }
        return Stream.of(
                Arguments.of("a Date", new Date(), "java.util.Date"),
                Arguments.of("an Object", new Object(), "java.lang.Object"),
                Arguments.of("an int[]", new int[] {1}, "[I"),
                Arguments.of("an Optional", Optional.of(1), "java.util.Optional"),
                Arguments.of("a Set", Set.of(1), "Set"),
                Arguments.of("a record outside the allow-list", new Stranger(1), Stranger.class.getName()),
                Arguments.of("an enum outside the allow-list", Unlisted.X, Unlisted.class.getName()),
                Arguments.of("a Date in a list", List.of(new Date()), "java.util.Date"),
                Arguments.of("an int[] as a map value", Map.of("k", new int[] {1}), "[I"),
                Arguments.of("a Thread as a map key", Map.of(Thread.currentThread(), 1), "java.lang.Thread"),
                Arguments.of("lists nested deeper than MAX_DEPTH", tooDeep, String.valueOf(Marshaller.MAX_DEPTH)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unmarshallableValues")
    void valuesOutsideTheAllowListAreRefusedWhenEncoded(String what, Object value, String named) {
        NotMarshallableException asResult = assertThrows(NotMarshallableException.class, () -> MARSHALLER.encodeValue(value));
        assertTrue(asResult.getMessage().contains(named), asResult.getMessage());
        assertThrows(NotMarshallableException.class, () -> MARSHALLER.encodeArguments(new Object[] {1, value}));
    }

    // ------------------------------------------------------------------ hostile bytes

    private static final int NULL = 0;
    private static final int FALSE = 1;
    private static final int TRUE = 2;
    private static final int BYTE = 3;
    private static final int SHORT = 4;
    private static final int CHAR = 5;
    private static final int INT = 6;
    private static final int LONG = 7;
    private static final int FLOAT = 8;
    private static final int DOUBLE = 9;
    private static final int STRING = 10;
    private static final int BYTES = 11;
    private static final int ENUM = 12;
    private static final int RECORD = 13;
    private static final int LIST = 14;
    private static final int MAP = 15;

    /** Bytes written by hand, big-endian, after the format in {@link Marshaller}'s javadoc. */
    private static final class Wire {
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20); // big-endian

        Wire u8(int value) {
            buffer.put((byte) value);
            return this;
        }

        Wire u16(int value) {
            buffer.putShort((short) value);
            return this;
        }

        Wire u32(int value) {
            buffer.putInt(value);
            return this;
        }

        Wire i64(long value) {
            buffer.putLong(value);
            return this;
        }

        Wire raw(int... bytes) {
            for (int b : bytes) {
                buffer.put((byte) b);
            }
            return this;
        }

        /** An untagged u32 length and UTF-8 (class and constant names). */
        Wire name(String value) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            buffer.putInt(utf8.length).put(utf8);
            return this;
        }

        Wire string(String value) {
            return u8(STRING).name(value);
        }

        Wire integer(int value) {
            return u8(INT).u32(value);
        }

        Wire record(Class<?> type, int components) {
            return u8(RECORD).name(type.getName()).u32(components);
        }

        Wire enumConstant(Class<?> type, String constant) {
            return u8(ENUM).name(type.getName()).name(constant);
        }

        byte[] bytes() {
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    private static Wire value() {
        return new Wire();
    }

    private static Wire arguments(int count) {
        return new Wire().u32(count);
    }

    private static RpcProtocolException refusedResult(String method, byte[] bytes) {
        return assertThrows(RpcProtocolException.class, () -> MARSHALLER.decodeResult(bytes, method(method)));
    }

    private static RpcProtocolException refusedArguments(String method, byte[] bytes) {
        return assertThrows(RpcProtocolException.class, () -> MARSHALLER.decodeArguments(bytes, method(method)));
    }

    private static RpcProtocolException refusedRead(byte[] bytes) {
        return assertThrows(RpcProtocolException.class, () -> MARSHALLER.read(ByteBuffer.wrap(bytes)));
    }

    private static void assertMentions(RpcProtocolException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        }
    }

    @Test
    void handWrittenBytesMatchTheEncoder() {
        // the test's reading of the format agrees with the encoder, so that the hostile bytes below are near misses
        assertArrayEquals(arguments(1).integer(-1).bytes(), MARSHALLER.encodeArguments(new Object[] {-1}));
        assertArrayEquals(value().record(Point.class, 2).integer(1).integer(2).bytes(), MARSHALLER.encodeValue(new Point(1, 2)));
        assertArrayEquals(value().enumConstant(Colour.class, "RED").bytes(), MARSHALLER.encodeValue(Colour.RED));
        assertArrayEquals(value().enumConstant(Op.class, "PLUS").bytes(), MARSHALLER.encodeValue(Op.PLUS));
        assertArrayEquals(value().u8(LIST).u32(2).u8(NULL).u8(TRUE).bytes(), MARSHALLER.encodeValue(Arrays.asList(null, true)));
        assertArrayEquals(value().u8(MAP).u32(1).string("k").u8(FALSE).bytes(), MARSHALLER.encodeValue(Map.of("k", false)));
        assertArrayEquals(value().u8(BYTES).u32(2).raw(9, 8).bytes(), MARSHALLER.encodeValue(new byte[] {9, 8}));
        assertArrayEquals(value().u8(BYTE).u8(-3).u8(SHORT).u16(-4).u8(CHAR).u16('c').bytes(),
                concat(MARSHALLER.encodeValue((byte) -3), MARSHALLER.encodeValue((short) -4), MARSHALLER.encodeValue('c')));
        assertArrayEquals(value().u8(LONG).i64(5).u8(FLOAT).u32(Float.floatToRawIntBits(1f)).u8(DOUBLE)
                .i64(Double.doubleToRawLongBits(2.0)).bytes(),
                concat(MARSHALLER.encodeValue(5L), MARSHALLER.encodeValue(1f), MARSHALLER.encodeValue(2.0)));
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        Arrays.stream(parts).forEach(all::put);
        return all.array();
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 17, 99, 127, -1, -16, -128})
    void unknownTagsAreRefused(int tag) {
        assertMentions(refusedResult("string", new byte[] {(byte) tag}), "tag " + tag);
        assertMentions(refusedArguments("string", arguments(1).u8(tag).bytes()), "tag " + tag);
        assertMentions(refusedResult("strings", value().u8(LIST).u32(1).u8(tag).bytes()), "tag " + tag);
    }

    @Test
    void emptyInputIsRefused() {
        refusedResult("boxedInt", new byte[0]);
        refusedArguments("nothing", new byte[0]);
        refusedArguments("nothing", new byte[] {0, 0, 0});
    }

    static Stream<Arguments> valuesCutShort() {
        return Stream.of(
                Arguments.of("primitiveByte", value().u8(BYTE).bytes()),
                Arguments.of("primitiveShort", value().u8(SHORT).u8(0).bytes()),
                Arguments.of("primitiveChar", value().u8(CHAR).u8(0).bytes()),
                Arguments.of("primitiveInt", value().u8(INT).raw(0, 0, 0).bytes()),
                Arguments.of("primitiveLong", value().u8(LONG).raw(0, 0, 0, 0, 0, 0, 0).bytes()),
                Arguments.of("primitiveFloat", value().u8(FLOAT).raw(0, 0).bytes()),
                Arguments.of("primitiveDouble", value().u8(DOUBLE).u32(0).bytes()),
                Arguments.of("string", value().u8(STRING).raw(0, 0).bytes()),
                Arguments.of("point", value().record(Point.class, 2).integer(1).bytes()),
                Arguments.of("colour", value().u8(ENUM).name(Colour.class.getName()).bytes()),
                Arguments.of("strings", value().u8(LIST).u32(2).string("a").bytes()),
                Arguments.of("counts", value().u8(MAP).u32(1).string("a").bytes()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesCutShort")
    void valuesCutShortAreRefused(String method, byte[] bytes) {
        refusedResult(method, bytes);
        refusedArguments(method, concat(new byte[] {0, 0, 0, 1}, bytes));
    }

    /** Tags followed by a u32 length or count, with the method whose declared type they fit. */
    static Stream<Arguments> claimedLengths() {
        int[] lengths = {0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 0x0100_0000, 5};
        Map<Integer, String> tags = new LinkedHashMap<>();
        tags.put(STRING, "string");
        tags.put(BYTES, "bytes");
        tags.put(LIST, "strings");
        tags.put(MAP, "counts");
        return tags.entrySet().stream().flatMap(tag -> Arrays.stream(lengths)
                .mapToObj(length -> Arguments.of(tag.getKey(), Integer.toHexString(length), tag.getValue(),
                        value().u8(tag.getKey()).u32(length).raw('a', 'b', 'c', 'd').bytes())));
    }

    @ParameterizedTest(name = "tag {0} length 0x{1}")
    @MethodSource("claimedLengths")
    void lengthsBeyondTheBytesLeftAreRefused(int tag, String length, String method, byte[] bytes) {
        // every claim exceeds the 4 bytes left (a map needs at least 2 bytes an entry)
        assertMentions(refusedResult(method, bytes), "length " + Integer.toUnsignedString(Integer.parseUnsignedInt(length, 16)));
        refusedArguments(method, concat(new byte[] {0, 0, 0, 1}, bytes));
    }

    @Test
    void aMapClaimingMoreEntriesThanHalfTheBytesLeftIsRefused() {
        // 3 entries need at least 6 bytes; 5 are left
        assertMentions(refusedResult("counts", value().u8(MAP).u32(3).raw(0, 0, 0, 0, 0).bytes()), "length 3");
    }

    @Test
    void hugeLengthsInNamesAreRefused() {
        refusedResult("colour", value().u8(ENUM).u32(0x7FFF_FFFF).raw('x').bytes());
        refusedResult("colour", value().u8(ENUM).name(Colour.class.getName()).u32(0xFFFF_FFFF).raw('x').bytes());
        refusedResult("point", value().u8(RECORD).u32(0x7FFF_FFFF).raw('x').bytes());
        refusedResult("point", value().u8(RECORD).u32(-2).raw('x').bytes());
    }

    /** Hostile lengths are refused before anything of their size is allocated. */
    @ParameterizedTest(name = "tag {0} length 0x{1}")
    @MethodSource("claimedLengths")
    void claimedLengthsAreNotAllocated(int tag, String length, String method, byte[] bytes) {
        Method declared = method(method);
        assertThrows(RpcProtocolException.class, () -> MARSHALLER.decodeResult(bytes, declared)); // warm up
        long before = ThreadAllocation.bytes();
        assertThrows(RpcProtocolException.class, () -> MARSHALLER.decodeResult(bytes, declared));
        long allocated = ThreadAllocation.bytes() - before;
        assertTrue(allocated < 4 << 20, "decoding a refused length allocated " + allocated + " bytes");
    }

    /**
     * Every count is checked against the bytes left, but up to {@value Marshaller#MAX_DEPTH} nested
     * lists can each claim nearly all of them before any element is read. A list that set aside room
     * for its claimed count would make a 64 KB message (RpcServer's default limit) of nested list
     * headers cost about 8.6 MB (~130 times its size) before it is refused; what a refused value
     * allocates must stay within a small multiple of its length.
     */
    @Test
    void nestedListCountsDoNotMultiplyWhatIsAllocated() {
        int size = 64 * 1024;
        ByteBuffer hostile = ByteBuffer.allocate(size);
        while (hostile.remaining() >= 5) {
            hostile.put((byte) LIST);
            hostile.putInt(hostile.remaining() - 4); // every element of this list needs at least a byte
        }
        assertRefusalAllocatesLittle(hostile.array(), "nested list headers");
    }

    /** As {@link #nestedListCountsDoNotMultiplyWhatIsAllocated}, for maps: each holds a null entry, then the next map as a key. */
    @Test
    void nestedMapCountsDoNotMultiplyWhatIsAllocated() {
        int size = 64 * 1024;
        ByteBuffer hostile = ByteBuffer.allocate(size);
        for (int depth = 0; depth < 31; depth++) {
            hostile.put((byte) MAP);
            int count = hostile.position();
            hostile.putInt(0);
            hostile.put((byte) NULL).put((byte) NULL);
            hostile.putInt(count, (size - count - 4) / 2); // as many entries as the bytes left could hold
        }
        while (hostile.hasRemaining()) {
            hostile.put((byte) 99); // an unknown tag: refused once the nesting reaches it
        }
        assertRefusalAllocatesLittle(hostile.array(), "nested map headers");
    }

    /** Refusing {@code bytes} (after a warm-up refusal) allocates a small multiple of their length at most. */
    private static void assertRefusalAllocatesLittle(byte[] bytes, String what) {
        refusedRead(bytes); // warm up
        long before = ThreadAllocation.bytes();
        refusedRead(bytes);
        long allocated = ThreadAllocation.bytes() - before;
        assertTrue(allocated < 16L * bytes.length + (1 << 20),
                "refusing " + bytes.length + " bytes of " + what + " allocated " + allocated + " bytes");
    }

    static Stream<Arguments> namesOutsideTheAllowList() {
        return Stream.of(
                "java.util.ArrayList",
                "java.lang.Runtime",
                "java.lang.ProcessBuilder",
                "java.lang.Thread$State", // an enum, of the JDK
                "java.util.concurrent.TimeUnit",
                Unlisted.class.getName(), // an enum of this test, named by no interface
                Stranger.class.getName(), // a record of this test, named by no interface
                "io.jipc.rpc.MarshallerTest$NeverLoaded",
                "io.jipc.rpc.MarshallerTest$Op$1", // the class of a constant's body
                "io.jipc.rpc.RpcFrame$Hello",
                "io.jipc.rpc.MarshallerTest$colour",
                "",
                "no.such.Class").map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("namesOutsideTheAllowList")
    void enumClassNamesOutsideTheAllowListAreRefused(String name) {
        assertMentions(refusedResult("colour", value().u8(ENUM).name(name).name("RUNNABLE").bytes()), name, "allow-list");
        assertFalse(NEVER_LOADED_INITIALIZED.get(), "a class named by the peer was initialized");
    }

    @ParameterizedTest
    @MethodSource("namesOutsideTheAllowList")
    void recordClassNamesOutsideTheAllowListAreRefused(String name) {
        assertMentions(refusedResult("point", value().u8(RECORD).name(name).u32(1).integer(1).bytes()), name, "allow-list");
        assertMentions(refusedArguments("point", arguments(1).u8(RECORD).name(name).u32(0).bytes()), name);
        assertFalse(NEVER_LOADED_INITIALIZED.get(), "a class named by the peer was initialized");
    }

    @Test
    void aRecordNameIsNotAnEnumAndAnEnumNameIsNotARecord() {
        assertMentions(refusedResult("colour", value().enumConstant(Point.class, "x").bytes()), Point.class.getName(), "not an enum");
        assertMentions(refusedResult("point", value().record(Colour.class, 0).bytes()), Colour.class.getName(), "not a record");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PURPLE", "red", "", "RED ", "valueOf", "$VALUES", "PLUS"})
    void enumConstantsThatDoNotExistAreRefused(String constant) {
        assertMentions(refusedResult("colour", value().enumConstant(Colour.class, constant).bytes()), "no constant " + constant);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, -1, 0x7FFF_FFFF, Integer.MIN_VALUE})
    void recordsWithTheWrongComponentCountAreRefused(int count) {
        Wire wire = value().record(Point.class, count);
        for (int i = 0; i < Math.min(Math.max(count, 0), 3); i++) {
            wire.integer(i);
        }
        assertMentions(refusedResult("point", wire.bytes()), Point.class.getName(), "not " + Integer.toUnsignedString(count));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, Integer.MIN_VALUE})
    void aRecordsOwnValidationRefusesWhatThePeerSent(int value) {
        byte[] bytes = value().record(Positive.class, 1).integer(value).bytes();
        assertMentions(refusedResult("positive", bytes), Positive.class.getName(), "negative");
        assertMentions(refusedArguments("positive", concat(new byte[] {0, 0, 0, 1}, bytes)), Positive.class.getName());
    }

    static Stream<Arguments> recordsWithComponentsOfTheWrongType() {
        return Stream.of(
                Arguments.of("point", "a String where int belongs", value().record(Point.class, 2).string("1").integer(2).bytes()),
                Arguments.of("point", "null where int belongs", value().record(Point.class, 2).integer(1).u8(NULL).bytes()),
                Arguments.of("point", "a long where int belongs", value().record(Point.class, 2).integer(1).u8(LONG).i64(2).bytes()),
                Arguments.of("line", "a Colour where Point belongs",
                        value().record(Line.class, 2).enumConstant(Colour.class, "RED").u8(NULL).bytes()),
                Arguments.of("line", "a Line where Point belongs", value().record(Line.class, 2)
                        .record(Line.class, 2).u8(NULL).u8(NULL).u8(NULL).bytes()),
                Arguments.of("polygon", "Integers where List<Point> belongs",
                        value().record(Polygon.class, 2).string("p").u8(LIST).u32(1).integer(1).bytes()),
                Arguments.of("polygon", "a Map where List<Point> belongs",
                        value().record(Polygon.class, 2).string("p").u8(MAP).u32(0).bytes()),
                Arguments.of("ledger", "List<String> where List<Long> belongs",
                        value().record(Ledger.class, 1).u8(MAP).u32(1).string("k").u8(LIST).u32(1).string("x").bytes()),
                Arguments.of("ledger", "an Integer key where String belongs",
                        value().record(Ledger.class, 1).u8(MAP).u32(1).integer(1).u8(LIST).u32(0).bytes()),
                Arguments.of("tree", "a String where List<Tree> belongs",
                        value().record(Tree.class, 2).string("t").string("children").bytes()),
                Arguments.of("tree", "a Point in List<Tree>",
                        value().record(Tree.class, 2).string("t").u8(LIST).u32(1).record(Point.class, 2)
                                .integer(1).integer(2).bytes()),
                Arguments.of("blob", "a List where byte[] belongs",
                        value().record(Blob.class, 2).string("b").u8(LIST).u32(1).u8(BYTE).u8(1).bytes()));
    }

    record Names(List<String> names, Map<String, List<Long>> ledger) {
    }

    @Test
    void aMisfitIsNamedDownToTheElementKeyOrValue() throws Exception {
        Type names = Names.class.getRecordComponents()[0].getGenericType();
        Type ledger = Names.class.getRecordComponents()[1].getGenericType();
        RpcProtocolException element = assertThrows(RpcProtocolException.class,
                () -> Marshaller.checkFits(List.of("a", 42), names, "echo(Names)"));
        assertEquals("echo(Names): element 1 of java.util.List<java.lang.String>: java.lang.Integer where "
                + "java.lang.String belongs", element.getMessage());
        RpcProtocolException value = assertThrows(RpcProtocolException.class,
                () -> Marshaller.checkFits(Map.of("k", List.of(1L, "x")), ledger, "ledger"));
        assertEquals("ledger: the value of a key of java.util.Map<java.lang.String, java.util.List<java.lang.Long>>: "
                + "element 1 of java.util.List<java.lang.Long>: java.lang.String where java.lang.Long belongs",
                value.getMessage());
        RpcProtocolException key = assertThrows(RpcProtocolException.class,
                () -> Marshaller.checkFits(Map.of(7, List.of()), ledger, "ledger"));
        assertTrue(key.getMessage().startsWith("ledger: a key of "), key.getMessage());
        assertEquals(List.of("a"), Marshaller.checkFits(List.of("a"), names, "fine"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("recordsWithComponentsOfTheWrongType")
    void recordComponentsOfTheWrongTypeAreRefused(String method, String what, byte[] bytes) {
        assertMentions(refusedResult(method, bytes), "record ");
    }

    private static byte[] nestedLists(int depth) {
        Wire wire = value();
        for (int i = 0; i < depth; i++) {
            wire.u8(LIST).u32(1);
        }
        return wire.u8(NULL).bytes();
    }

    @ParameterizedTest
    @ValueSource(ints = {Marshaller.MAX_DEPTH + 1, Marshaller.MAX_DEPTH + 2, 1000, 100_000})
    void nestingDeeperThanMaxDepthIsRefused(int depth) {
        assertMentions(refusedRead(nestedLists(depth)), "deeper");
        assertMentions(refusedResult("matrix", nestedLists(depth)), "deeper");
        assertMentions(refusedArguments("matrix", concat(new byte[] {0, 0, 0, 1}, nestedLists(depth))), "deeper");
    }

    @Test
    void deeplyNestedMapsAndRecordsAreRefused() {
        Wire maps = value();
        for (int i = 0; i < 1000; i++) {
            maps.u8(MAP).u32(1).string("k");
        }
        assertMentions(refusedResult("series", maps.u8(NULL).bytes()), "deeper");
        Wire trees = value();
        for (int i = 0; i < 1000; i++) {
            trees.record(Tree.class, 2).string("t").u8(LIST).u32(1);
        }
        assertMentions(refusedResult("tree", trees.u8(NULL).bytes()), "deeper");
    }

    /** What the encoder may write, the decoder reads; what it refuses, the decoder refuses too. */
    @Test
    void encodingAndDecodingAgreeOnTheDepthLimit() {
        for (int depth = 0; depth <= Marshaller.MAX_DEPTH + 3; depth++) {
            Object nested = null;
            for (int i = 0; i < depth; i++) {
                nested = Collections.singletonList(nested);
            }
            byte[] handWritten = nestedLists(depth);
            boolean encodes;
            try {
                assertArrayEquals(handWritten, MARSHALLER.encodeValue(nested));
                encodes = true;
            } catch (NotMarshallableException e) {
                encodes = false;
            }
            if (encodes) {
                assertEquals(nested, MARSHALLER.read(ByteBuffer.wrap(handWritten)), "depth " + depth);
            } else {
                refusedRead(handWritten);
            }
            assertEquals(depth <= Marshaller.MAX_DEPTH, encodes, "depth " + depth);
        }
    }

    static Stream<Arguments> repeatedKeys() {
        return Stream.of(
                Arguments.of("counts", value().u8(MAP).u32(2).string("a").integer(1).string("a").integer(2).bytes()),
                Arguments.of("counts", value().u8(MAP).u32(2).string("a").u8(NULL).string("a").u8(NULL).bytes()),
                Arguments.of("counts", value().u8(MAP).u32(2).u8(NULL).integer(1).u8(NULL).integer(1).bytes()),
                Arguments.of("counts", value().u8(MAP).u32(3).string("a").integer(1).string("b").integer(1)
                        .string("a").u8(NULL).bytes()),
                Arguments.of("byColour", value().u8(MAP).u32(2).enumConstant(Colour.class, "RED").u8(NULL)
                        .enumConstant(Colour.class, "RED").record(Point.class, 2).integer(1).integer(1).bytes()),
                Arguments.of("series", value().u8(MAP).u32(2).string("k").u8(LIST).u32(0).string("k").u8(LIST)
                        .u32(0).bytes()));
    }

    @ParameterizedTest
    @MethodSource("repeatedKeys")
    void mapsWithARepeatedKeyAreRefused(String method, byte[] bytes) {
        assertMentions(refusedResult(method, bytes), "repeated key");
    }

    // ------------------------------------------------------------------ hash floods

    /** The {@code 2^bits} strings of {@code bits} pairs "Aa" or "BB": all of one hash code. */
    private static String collidingString(int bits, int i) {
        StringBuilder s = new StringBuilder();
        for (int bit = 0; bit < bits; bit++) {
            s.append((i >> bit & 1) == 0 ? "Aa" : "BB");
        }
        return s.toString();
    }

    /** A long of hash code {@code hash} ({@code (int) (v ^ v >>> 32)}) for each {@code i}. */
    private static long longOfHash(int hash, int i) {
        return (long) i << 32 | (i ^ hash) & 0xFFFF_FFFFL;
    }

    static Stream<Arguments> hashFloods() {
        int hash = collidingString(15, 0).hashCode();
        return Stream.of(
                Arguments.of("pointCounts", "41,000 records (i, -31 i), all of hash code 0",
                        UnhashedMap.of(41_000, i -> new Point(i, -31 * i))),
                Arguments.of("listCounts", "41,000 lists [i, -31 i], all of hash code 961",
                        UnhashedMap.of(41_000, i -> List.of(i, -31 * i))),
                Arguments.of("pointCounts", (Marshaller.MAX_KEYS_PER_HASH + 1) + " records of hash code 7, one too many",
                        UnhashedMap.of(Marshaller.MAX_KEYS_PER_HASH + 1, i -> new Point(i, 7 - 31 * i))),
                // strings and longs are each ordered in a crowded bin of a HashMap, a mix of them is not
                Arguments.of("counts", "20,000 strings and 20,000 longs, all of one hash code",
                        UnhashedMap.of(40_000, i -> i % 2 == 0 ? collidingString(15, i / 2) : longOfHash(hash, i / 2))));
    }

    /**
     * A map with more than {@value Marshaller#MAX_KEYS_PER_HASH} keys of one hash code is refused as a
     * hash flood, as an argument and as a result, before its keys are hashed into a table (which would
     * take about {@code n * n / 2} calls of {@code equals}: until 2026-12-06 such maps were accepted, the
     * 41,000 records after seconds). The bytes are a hostile peer's ({@link #unchecked}): this side's
     * encoder refuses such a map (below).
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("hashFloods")
    void mapsWithTooManyKeysOfOneHashCodeAreRefusedAsAHashFlood(String method, String what, Map<?, ?> flood) {
        String refusal = "a map of " + flood.size() + " entries with more than " + Marshaller.MAX_KEYS_PER_HASH
                + " keys of one hash code";
        byte[] bytes = unchecked(flood);
        assertMentions(refusedResult(method, bytes), refusal, "refused as a hash flood");
        assertMentions(refusedArguments(method, concat(arguments(1).bytes(), bytes)), refusal, "refused as a hash flood");
    }

    /**
     * The encoder refuses a map the decoder would refuse as a hash flood, as a result and as an argument,
     * with the decoder's message (its size, the limit, the hash code), so that nothing a peer would refuse
     * is sent. Until 2026-12-06 it was sent, and the caller learnt of it only from the server's refusal
     * ({@code BAD_ARGUMENTS}).
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("hashFloods")
    void theEncoderRefusesAHashFloodBeforeItIsSent(String method, String what, Map<?, ?> flood) {
        int hash = 0;
        Map<Integer, Integer> counts = new HashMap<>();
        for (Object key : flood.keySet()) {
            if (counts.merge(Objects.hashCode(key), 1, Integer::sum) > Marshaller.MAX_KEYS_PER_HASH) {
                hash = Objects.hashCode(key);
                break;
            }
        }
        String refusal = "a map of " + flood.size() + " entries with more than " + Marshaller.MAX_KEYS_PER_HASH
                + " keys of one hash code (" + hash + "): refused as a hash flood";
        NotMarshallableException asResult = assertThrows(NotMarshallableException.class, () -> MARSHALLER.encodeValue(flood));
        assertEquals(refusal, asResult.getMessage());
        NotMarshallableException asArgument = assertThrows(NotMarshallableException.class,
                () -> MARSHALLER.encodeArguments(new Object[] {flood}));
        assertEquals(refusal, asArgument.getMessage());
        // inside a list, as a map's value: refused too, at any depth
        assertThrows(NotMarshallableException.class, () -> MARSHALLER.encodeValue(List.of(Map.of(1, flood))));
    }

    /**
     * A map's bytes as a peer's encoder without the flood check writes them: its tag and count, then each
     * key and value as this encoder writes it alone (checked against the encoder on a map it sends).
     */
    private static byte[] unchecked(Map<?, ?> map) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(value().u8(MAP).u32(map.size()).bytes());
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            out.writeBytes(MARSHALLER.encodeValue(entry.getKey()));
            out.writeBytes(MARSHALLER.encodeValue(entry.getValue()));
        }
        return out.toByteArray();
    }

    @Test
    void uncheckedBytesAreTheEncodersForAMapItSends() {
        Map<Point, Integer> map = UnhashedMap.of(Marshaller.MAX_KEYS_PER_HASH, i -> new Point(i, 7 - 31 * i));
        assertArrayEquals(MARSHALLER.encodeValue(map), unchecked(map));
    }

    static Stream<Arguments> legitimateCollisions() {
        int max = Marshaller.MAX_KEYS_PER_HASH;
        return Stream.of(
                Arguments.of("pointCounts", max + " records of each of 160 hash codes",
                        linked(160 * max, i -> new Point(i % max, i / max - 31 * (i % max)))),
                Arguments.of("pointCounts", "a 200 x 200 grid of records (x, y)", linked(200 * 200, i -> new Point(i / 200, i % 200))),
                Arguments.of("listCounts", max + " lists [i, 5 - 31 i], all of one hash code",
                        linked(max, i -> List.of(i, 5 - 31 * i))),
                Arguments.of("longCounts", "41,000 longs of hash code 0", linked(41_000, i -> longOfHash(0, i))),
                Arguments.of("counts", "32,768 strings of one hash code", linked(1 << 15, i -> collidingString(15, i))));
    }

    private static <K> Map<K, Integer> linked(int count, java.util.function.IntFunction<K> key) {
        Map<K, Integer> map = LinkedHashMap.newLinkedHashMap(count);
        for (int i = 0; i < count; i++) {
            map.put(key.apply(i), i);
        }
        return map;
    }

    /**
     * Maps with up to {@value Marshaller#MAX_KEYS_PER_HASH} keys of each hash code travel, and so do maps
     * whose keys are all strings, or all longs, however many share a hash code (a HashMap orders those
     * by compareTo).
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("legitimateCollisions")
    void mapsWithUpToTheLimitOfKeysOfOneHashCodeTravel(String method, String what, Map<?, ?> map) {
        assertEquals(map, argumentRoundTrip(method, map));
        assertEquals(map, resultRoundTrip(method, map));
        assertEquals(List.copyOf(map.keySet()), List.copyOf(((Map<?, ?>) resultRoundTrip(method, map)).keySet()));
    }

    // ------------------------------------------------------------------ map keys holding maps

    public interface KeysByMaps {
        int count(Map<Map<String, Integer>, Integer> value);
    }

    public interface KeysByListsOfMaps {
        void put(Map<List<Map<String, Integer>>, String> value);
    }

    /** A record holding a record that holds a map. */
    public record Account(String name, Ledger ledger) {
    }

    public interface KeysByRecordsHoldingMaps {
        Map<Account, Integer> balances();
    }

    /**
     * The explorer's nested flood, written to {@code wire}: a map of {@code outer} maps, each of {@code inner}
     * keys {@code [(short) i, (short) (-31 i)]}, all of hash code 961, whose last two values make every inner
     * map of one hash code yet unequal. Putting the outer map's keys in a table compares inner maps, each
     * comparison looking up {@code inner} keys in a crowded bin: 256 by 256 in 790 KB took a server 25 to 51 s.
     */
    private static Wire nestedFlood(Wire wire, int outer, int inner) {
        wire.u8(MAP).u32(outer);
        for (int j = 1; j <= outer; j++) {
            wire.u8(MAP).u32(inner);
            for (int i = 0; i < inner; i++) {
                wire.u8(LIST).u32(2).u8(SHORT).u16(i).u8(SHORT).u16(-31 * i);
                if (i == inner - 2) {
                    wire.integer(j);
                } else if (i == inner - 1) {
                    wire.integer(961 ^ -(961 ^ j)); // entry hash codes 961 ^ j and -(961 ^ j): they add up to 0
                } else {
                    wire.u8(NULL);
                }
            }
            wire.u8(NULL);
        }
        return wire;
    }

    static Stream<Arguments> keysHoldingMaps() {
        return Stream.of(
                // any method is exposed: the value is built before it is checked against the declared type
                Arguments.of("primitiveInt", "a map of 64 maps of 64 keys of one hash code, all of one hash code",
                        nestedFlood(value(), 64, 64).bytes()),
                Arguments.of("listCounts", "a key that is a list holding an empty map",
                        value().u8(MAP).u32(1).u8(LIST).u32(1).u8(MAP).u32(0).integer(1).bytes()),
                Arguments.of("pointCounts", "a key that is a record holding an empty map",
                        value().u8(MAP).u32(1).record(Ledger.class, 1).u8(MAP).u32(0).integer(1).bytes()),
                Arguments.of("counts", "a key that is an empty map, in a map value of a list",
                        value().u8(LIST).u32(1).u8(MAP).u32(1).u8(MAP).u32(0).u8(NULL).bytes()));
    }

    /**
     * A map key that holds a map (is one, or a list or record with one inside) is refused as soon as it is
     * read, as an argument and as a result, whatever the method declares: comparing two such keys looks
     * up the keys of one map in the other, so the explorer's nested flood (a map of maps of keys of one
     * hash code, the maps all of one hash code) cost its decoder far more than the square of its length
     * (until 2026-12-06 accepted, the 64 x 64 one here after about a second, 256 x 256 after 25 to 51 s).
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("keysHoldingMaps")
    void mapKeysHoldingMapsAreRefused(String method, String what, byte[] value) {
        assertMentions(refusedResult(method, value), "a map key that holds a map");
        assertMentions(refusedArguments(method, concat(arguments(1).bytes(), value)), "a map key that holds a map");
    }

    /** The encoder refuses them too (values that get past a declared type by an unchecked cast), before sending. */
    @Test
    void mapKeysHoldingMapsAreNotEncoded() {
        for (Object key : List.of(Map.of("a", 1), List.of(1, Map.of()), new Ledger(Map.of()))) {
            NotMarshallableException e = assertThrows(NotMarshallableException.class,
                    () -> MARSHALLER.encodeValue(List.of(Map.of(key, 1))));
            assertTrue(e.getMessage().contains("a map key that holds a map"), e.getMessage());
        }
    }

    /** So do interfaces that declare them, when they are built: the server or the stub, not the first call. */
    @ParameterizedTest
    @ValueSource(classes = {KeysByMaps.class, KeysByListsOfMaps.class, KeysByRecordsHoldingMaps.class})
    void interfacesDeclaringMapKeysHoldingMapsAreRefusedWhenBuilt(Class<?> api) {
        NotMarshallableException e = assertThrows(NotMarshallableException.class, () -> Marshaller.of(api));
        assertTrue(e.getMessage().contains(api.getName() + ".") && e.getMessage().contains("a map key that holds a map"),
                e.getMessage());
    }

    /** Maps as values, and keys of lists and records without maps, travel as before. */
    @Test
    void mapsHoldingMapsAsValuesTravel() {
        Map<String, Map<String, Integer>> nested = new LinkedHashMap<>();
        nested.put("a", Map.of("x", 1, "y", 2));
        nested.put("b", Map.of());
        nested.put("c", null);
        assertEquals(nested, argumentRoundTrip("nestedCounts", nested));
        assertEquals(nested, resultRoundTrip("nestedCounts", nested));
        Ledger ledger = new Ledger(Map.of("rent", List.of(1L, 2L)));
        assertEquals(ledger, resultRoundTrip("ledger", ledger));
        assertEquals(Map.of(List.of(1, 2), 3), resultRoundTrip("listCounts", Map.of(List.of(1, 2), 3)));
        assertEquals(Map.of(new Point(1, 2), 3), argumentRoundTrip("pointCounts", Map.of(new Point(1, 2), 3)));
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                Arguments.of("lone continuation byte", new int[] {0x80}),
                Arguments.of("cut-short two-byte sequence", new int[] {0xC3, 0x28}),
                Arguments.of("overlong '/'", new int[] {0xC0, 0xAF}),
                Arguments.of("overlong NUL", new int[] {0xC0, 0x80}),
                Arguments.of("encoded surrogate (CESU-8)", new int[] {0xED, 0xA0, 0x80}),
                Arguments.of("cut-short four-byte sequence", new int[] {'a', 0xF0, 0x9F, 0x98}),
                Arguments.of("beyond U+10FFFF", new int[] {0xF4, 0x90, 0x80, 0x80}),
                Arguments.of("0xFF", new int[] {0xFF}),
                Arguments.of("0xFE", new int[] {'x', 0xFE, 'y'}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void invalidUtf8IsRefused(String what, int[] utf8) {
        Supplier<Wire> name = () -> value().u32(utf8.length).raw(utf8);
        assertMentions(refusedResult("string", value().u8(STRING).u32(utf8.length).raw(utf8).bytes()), "UTF-8");
        assertMentions(refusedResult("colour", concat(new byte[] {ENUM}, name.get().bytes(), value().name("RED").bytes())), "UTF-8");
        assertMentions(refusedResult("colour", concat(new byte[] {ENUM}, value().name(Colour.class.getName()).bytes(),
                name.get().bytes())), "UTF-8");
        assertMentions(refusedResult("point", concat(new byte[] {RECORD}, name.get().bytes(), value().u32(0).bytes())), "UTF-8");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 100})
    void bytesAfterTheLastValueAreRefused(int extra) {
        byte[] trailing = new byte[extra];
        assertMentions(refusedResult("primitiveInt", concat(value().integer(1).bytes(), trailing)), extra + " bytes after");
        assertMentions(refusedArguments("primitiveInt", concat(arguments(1).integer(1).bytes(), trailing)), extra + " bytes after");
        assertMentions(refusedArguments("nothing", concat(arguments(0).bytes(), trailing)), extra + " bytes after");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 6, -1, 0x7FFF_FFFF, Integer.MIN_VALUE})
    void theWrongNumberOfArgumentsIsRefused(int count) {
        Wire wire = arguments(count);
        for (int i = 0; i < Math.min(Math.max(count, 0), 6); i++) {
            wire.integer(i);
        }
        assertMentions(refusedArguments("primitiveInt", wire.bytes()), "primitiveInt", "not " + Integer.toUnsignedString(count));
    }

    @Test
    void argumentsForAMethodWithoutParametersAreRefused() {
        assertMentions(refusedArguments("nothing", arguments(1).u8(NULL).bytes()), "nothing", "not 1");
    }

    static Stream<Arguments> argumentsOfTheWrongType() {
        return Stream.of(
                Arguments.of("primitiveInt", 0, value().string("1").bytes()),
                Arguments.of("primitiveInt", 0, value().u8(NULL).bytes()),
                Arguments.of("primitiveInt", 0, value().u8(LONG).i64(1).bytes()),
                Arguments.of("primitiveInt", 0, value().u8(SHORT).u16(1).bytes()),
                Arguments.of("primitiveLong", 0, value().integer(1).bytes()),
                Arguments.of("boxedInt", 0, value().u8(SHORT).u16(1).bytes()),
                Arguments.of("primitiveBoolean", 0, value().u8(NULL).bytes()),
                Arguments.of("primitiveBoolean", 0, value().u8(BYTE).u8(1).bytes()),
                Arguments.of("primitiveChar", 0, value().u8(NULL).bytes()),
                Arguments.of("primitiveChar", 0, value().u8(SHORT).u16('c').bytes()),
                Arguments.of("primitiveDouble", 0, value().u8(FLOAT).u32(0).bytes()),
                Arguments.of("primitiveFloat", 0, value().u8(DOUBLE).i64(0).bytes()),
                Arguments.of("primitiveByte", 0, value().u8(NULL).bytes()),
                Arguments.of("string", 0, value().u8(BYTES).u32(1).u8('a').bytes()),
                Arguments.of("bytes", 0, value().string("bytes").bytes()),
                Arguments.of("bytes", 0, value().u8(LIST).u32(1).u8(BYTE).u8(1).bytes()),
                Arguments.of("strings", 0, value().u8(LIST).u32(2).string("a").integer(1).bytes()),
                Arguments.of("strings", 0, value().string("not a list").bytes()),
                Arguments.of("strings", 0, value().u8(MAP).u32(0).bytes()),
                Arguments.of("matrix", 0, value().u8(LIST).u32(1).u8(LIST).u32(1).string("1").bytes()),
                Arguments.of("matrix", 0, value().u8(LIST).u32(1).integer(1).bytes()),
                Arguments.of("points", 0, value().u8(LIST).u32(1).record(Line.class, 2).u8(NULL).u8(NULL).bytes()),
                Arguments.of("counts", 0, value().u8(MAP).u32(1).string("a").string("b").bytes()),
                Arguments.of("counts", 0, value().u8(MAP).u32(1).integer(1).integer(1).bytes()),
                Arguments.of("counts", 0, value().u8(LIST).u32(0).bytes()),
                Arguments.of("series", 0, value().u8(MAP).u32(1).string("a").u8(LIST).u32(1).integer(1).bytes()),
                Arguments.of("series", 0, value().u8(MAP).u32(1).string("a").integer(1).bytes()),
                Arguments.of("byColour", 0, value().u8(MAP).u32(1).enumConstant(Op.class, "PLUS").u8(NULL).bytes()),
                Arguments.of("byColour", 0, value().u8(MAP).u32(1).string("RED").u8(NULL).bytes()),
                Arguments.of("point", 0, value().enumConstant(Colour.class, "RED").bytes()),
                Arguments.of("line", 0, value().record(Point.class, 2).integer(1).integer(2).bytes()),
                Arguments.of("colour", 0, value().enumConstant(Op.class, "PLUS").bytes()),
                Arguments.of("colour", 0, value().string("RED").bytes()),
                Arguments.of("mixed", 0, value().string("7").string("s").u8(NULL).u8(NULL).u8(NULL)
                        .u8(DOUBLE).i64(0).bytes()),
                Arguments.of("mixed", 3, value().integer(7).string("s").u8(NULL)
                        .record(Line.class, 2).u8(NULL).u8(NULL).u8(NULL).u8(DOUBLE).i64(0).bytes()),
                Arguments.of("mixed", 4, value().integer(7).string("s").u8(NULL).u8(NULL)
                        .u8(LIST).u32(1).integer(1).u8(DOUBLE).i64(0).bytes()),
                Arguments.of("mixed", 5, value().integer(7).string("s").u8(NULL).u8(NULL).u8(NULL)
                        .u8(NULL).bytes()));
    }

    @ParameterizedTest(name = "{0} argument {1} #{index}")
    @MethodSource("argumentsOfTheWrongType")
    void argumentsOfTheWrongTypeAreRefusedNamingTheArgument(String method, int index, byte[] values) {
        int count = method(method).getParameterCount();
        assertMentions(refusedArguments(method, concat(arguments(count).bytes(), values)),
                "argument " + index + " of " + method);
        if (count == 1) {
            assertMentions(refusedResult(method, values), "result of " + method);
        }
    }
}
