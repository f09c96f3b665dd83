package io.jipc.rpc;

import java.lang.reflect.Constructor;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;

/**
 * Turns the arguments and results of an interface's methods into bytes and back, building only the
 * types that the interface names: its <em>allow-list</em>. Never Java serialization.
 *
 * <p>What may appear in a method's parameters and return type (and, recursively, in the components
 * of records and the elements of lists and maps): {@code void}; the primitive types and their boxes;
 * {@code String}; {@code byte[]}; enums; records whose components are of these types;
 * {@code List<E>} and {@code Map<K, V>} of these types, except a {@code K} that holds a map (is one, or a list
 * or record with one inside, at any depth: see {@link #MAX_KEYS_PER_HASH}). Anything else ({@code Object},
 * other arrays, other classes, type variables, wildcards, generic records) is refused when the allow-list is
 * built, with a {@link NotMarshallableException} naming the method and the type, as are types
 * {@code io.jipc.rpc} cannot use ({@link TypeAccess}: not public, or in a package not exported to it). A decoder resolves the class
 * names it reads only against the allow-list: a name outside it is a {@link RpcProtocolException},
 * and no class is loaded or constructed because a peer named it.
 *
 * <h2>Format (version 1)</h2>
 * Big-endian. Every value starts with a one-byte tag:
 * <pre>
 *  0 null          1 false         2 true
 *  3 byte  (1)     4 short (2)     5 char (2, UTF-16 unit)   6 int (4)   7 long (8)
 *  8 float (4, IEEE 754)           9 double (8, IEEE 754)
 * 10 String        u32 length, then that many bytes of UTF-8 (a string with an unpaired surrogate is refused)
 * 11 byte[]        u32 length, then the bytes
 * 12 enum          class name, then constant name (each u32 length + UTF-8, untagged)
 * 13 record        class name (u32 length + UTF-8), u32 component count, then each component in order
 * 14 list          u32 count, then each element
 * 15 map           u32 count, then key and value of each entry in iteration order
 * </pre>
 * A length or count larger than the bytes left is refused before anything is allocated; nesting
 * deeper than {@value #MAX_DEPTH} is refused; a map with a repeated key is refused, as is one with more
 * than {@value #MAX_KEYS_PER_HASH} keys of one hash code (a hash flood: see {@link #MAX_KEYS_PER_HASH}),
 * checked before the keys are hashed into a table, and one with a key that holds a map, as soon as the
 * key is read (the encoder refuses both too, before anything is sent), so that the time a decoder
 * takes grows with the length of what a peer sends, not with its square. Decoded lists and maps are unmodifiable (maps keep the
 * order of the wire) and are checked, element by element, against the generic types they are declared
 * with, as record components are: a peer cannot put an {@code Integer} into a {@code List<String>}.
 *
 * <p>Thread-safe and immutable once built.
 */
public final class Marshaller {
    /**
     * Deepest nesting of lists, maps and records a value may have: a value inside a record, list or map
     * (a component, an element, a key or a value; leaves too) is one level deeper than it, the top value
     * is at level 0, and a value deeper than level {@value} is refused. So a record holding a list of itself
     * takes two levels per record: a chain of 16 travels.
     */
    public static final int MAX_DEPTH = 32;

    /**
     * Most keys of one hash code a decoded map may have: a map with more is refused as a hash flood
     * (unless its keys are all strings, or all boxes of one primitive type, which a {@link java.util.HashMap}
     * orders by {@code compareTo} however many share a hash code). {@code n} keys of one hash code cost
     * about {@code n * n / 2} calls of {@code equals} to put in a hash table (41,000 records {@code K(i,
     * -31 * i)}, in 1 MiB, took 5.8 s to decode); with this limit a map of {@code n} entries costs at
     * most about {@code n * } {@value} {@code / 2}. Legitimate keys come nowhere near it: the points
     * {@code (x, y)} of a grid, as records or lists, hash to {@code 31 * x + y}, so a grid of {@code X}
     * by {@code Y} points has about {@code min(X, Y / 31)} of each hash code: 32 for 1000 x 1000, and more
     * than {@value} only for at least 256 x 7,936 points (two million: far more than a 1 MiB frame holds).
     * A record whose own {@code hashCode()} gives many keys one hash code (one that returns a constant)
     * is refused beyond {@value} keys too.
     *
     * <p>The encoder applies the same rule, so that a map a peer would refuse is not sent: an argument
     * makes the stub throw {@link NotMarshallableException} (the message the decoder's
     * {@link RpcProtocolException} has: {@code a map of N entries with more than 256 keys of one hash
     * code (H): refused as a hash flood}) before anything is sent, and a result fails its call with
     * {@code BAD_RESULT} and that message (the caller gets an {@link RpcProtocolException}; the server and
     * the connection go on). It counts the keys as they hash in the sender's JVM: an enum's hash code (its
     * identity's) differs between JVMs, so a key holding an enum may hash otherwise at the peer, which
     * counts again. Cost, at each side: a map of at most {@value} entries, or whose keys are all strings
     * or all boxes of one primitive type, is not counted; any other is counted in {@code O(n log n)} (its
     * keys' hash codes sorted).
     *
     * <p>This bound holds because no key may hold a map (be one, or a list or record with one inside):
     * a decoder refuses such a key as soon as it has read it (an {@link RpcProtocolException}), the
     * encoder before sending ({@link NotMarshallableException}), the allow-list when an interface declares
     * one. Two maps are compared by looking up each key of one in the other, in a bin of up to {@value}
     * keys, so with maps in keys the costs multiply across levels: a 790 KB map of 256 maps, each of 256
     * keys of one hash code, the maps all of one hash code and unequal, took a server 25 to 51 s (about
     * 10^9 calls of {@code equals}), whatever type its method declared. Keys without maps compare in time
     * linear in their size, and each value is then inside the keys of one map at most, so all the maps of
     * a value cost at most about {@value} times the size of their keys, once (about 0.5 s for the worst
     * MiB: keys of thousands of nulls sharing a prefix). Refusing them, rather than counting work across
     * levels, keeps the check constant-time per key and refuses no realistic data: a map keyed by maps
     * can be keyed by a list or record of their entries; maps as values travel.
     */
    public static final int MAX_KEYS_PER_HASH = 256;

    /**
     * Why a map key that holds a map (is one, or a list or record with one inside, at any depth) is
     * refused: two such keys are compared by looking each key of the one map up in the other, so their
     * equality is bounded only by the inner maps' own collisions, and the costs multiply across levels.
     */
    private static final String KEY_HOLDING_A_MAP = "a map key that holds a map: refused (comparing two such keys "
            + "looks up each key of one map in the other, so a map of them could cost a decoder the square of "
            + "its length; key a map by a list or record of the inner map's entries instead)";

    private static final byte NULL = 0;
    private static final byte FALSE = 1;
    private static final byte TRUE = 2;
    private static final byte BYTE = 3;
    private static final byte SHORT = 4;
    private static final byte CHAR = 5;
    private static final byte INT = 6;
    private static final byte LONG = 7;
    private static final byte FLOAT = 8;
    private static final byte DOUBLE = 9;
    private static final byte STRING = 10;
    private static final byte BYTES = 11;
    private static final byte ENUM = 12;
    private static final byte RECORD = 13;
    private static final byte LIST = 14;
    private static final byte MAP = 15;

    /**
     * The marshaller of each interface, kept with its Class (a ClassValue), so that it does not keep the
     * interface's class loader from being collected (until 2026-12-07 a static map keyed by the Class held
     * every loader that ever loaded an interface used here: RpcClassLoaderLeakTest).
     */
    private static final ClassValue<Marshaller> CACHE = new ClassValue<>() {
        @Override
        protected Marshaller computeValue(Class<?> api) {
            return build(api);
        }
    };

    /** The end of the message of a type refused: what may travel. */
    private static final String WHAT_TRAVELS = "(primitives, their boxes, String, byte[], enums, records, List and Map "
            + "of those)";
    private static final String GENERIC_RECORDS = "generic records are not marshallable (the wire names a record's "
            + "class, not its type arguments, so a decoder could not tell what its components are): declare a record "
            + "whose components have concrete types";

    /** The enum and record classes of the allow-list, by name. */
    private final Map<String, Class<?>> classes;
    private final Map<Class<?>, RecordShape> records;

    /** How to take a record apart and build it again; {@code types} are the components' generic types. */
    private record RecordShape(Method[] accessors, Type[] types, Constructor<?> constructor) {
    }

    private Marshaller(Map<String, Class<?>> classes, Map<Class<?>, RecordShape> records) {
        this.classes = classes;
        this.records = records;
    }

    /**
     * The marshaller of {@code api}'s methods (built once per interface).
     *
     * @throws NotMarshallableException if a method names a type outside what this format carries (a map
     *         keyed by a type that holds a map among them), or a
     *         record or enum {@code io.jipc.rpc} cannot use: one a signature names that is not public (or, in
     *         a named module, not exported to {@code io.jipc.rpc}), or any other that is not and whose
     *         package is not open to {@code io.jipc.rpc} (see {@link TypeAccess})
     * @throws IllegalArgumentException if {@code api} is not an interface, or it (or an interface it
     *         inherits remote methods from) is not public or, in a named module, not exported to {@code
     *         io.jipc.rpc}
     */
    public static Marshaller of(Class<?> api) {
        Objects.requireNonNull(api, "api");
        if (!api.isInterface()) {
            throw new IllegalArgumentException(api.getName() + " is not an interface");
        }
        return CACHE.get(api);
    }

    private static Marshaller build(Class<?> api) {
        TypeAccess.requireUsableInterface(api, null);
        Map<String, Class<?>> classes = new LinkedHashMap<>();
        Map<Class<?>, RecordShape> records = new LinkedHashMap<>();
        for (Method method : RpcMethods.of(api).values()) {
            String where = api.getName() + "." + method.getName();
            if (method.getDeclaringClass() != api) { // inherited: invoked through the interface that declares it
                TypeAccess.requireUsableInterface(method.getDeclaringClass(), where);
            }
            for (Class<?> named : signature(method)) {
                if (named.isEnum() || named.isRecord()) {
                    TypeAccess.requireUsableInSignature(named, where);
                }
            }
            for (Type parameter : method.getGenericParameterTypes()) {
                allow(parameter, where, classes, records);
            }
            if (method.getReturnType() != void.class) {
                allow(method.getGenericReturnType(), where, classes, records);
            }
        }
        return new Marshaller(Map.copyOf(classes), Map.copyOf(records));
    }

    /** The erased parameter and return types of {@code method}: the types its stub method names. */
    private static List<Class<?>> signature(Method method) {
        List<Class<?>> types = new ArrayList<>(List.of(method.getParameterTypes()));
        types.add(method.getReturnType());
        return types;
    }

    private static void allow(Type type, String where, Map<String, Class<?>> classes,
            Map<Class<?>, RecordShape> records) {
        if (type instanceof Class<?> c) {
            if (c.isPrimitive() || c == Boolean.class || c == Byte.class || c == Short.class
                    || c == Character.class || c == Integer.class || c == Long.class || c == Float.class
                    || c == Double.class || c == String.class || c == byte[].class) {
                return;
            }
            if (c.isEnum()) {
                classes.put(c.getName(), c);
                return;
            }
            if (c.isRecord()) {
                if (classes.putIfAbsent(c.getName(), c) != null) {
                    return; // seen (records may refer to each other)
                }
                RecordComponent[] components = c.getRecordComponents();
                Method[] accessors = new Method[components.length];
                Type[] generic = new Type[components.length];
                Class<?>[] types = new Class<?>[components.length];
                for (int i = 0; i < components.length; i++) {
                    allow(components[i].getGenericType(), where + " (record " + c.getName() + ")", classes, records);
                    accessors[i] = components[i].getAccessor();
                    generic[i] = components[i].getGenericType();
                    types[i] = components[i].getType();
                }
                try {
                    Constructor<?> constructor = c.getDeclaredConstructor(types);
                    String notPublic = TypeAccess.whyNotPublic(c);
                    if (notPublic == null && !Modifier.isPublic(constructor.getModifiers())) {
                        notPublic = "the canonical constructor of " + c.getName() + " is not public";
                    }
                    // a record reached only inside a value (not named by a signature) may be non-public:
                    // built and read by reflection, it travels if its package is open to io.jipc.rpc
                    if (notPublic != null && !allAccessible(constructor, accessors)) {
                        throw new NotMarshallableException(where + ": record " + c.getName() + " cannot be read or "
                                + "built by io.jipc.rpc (" + notPublic + ", and its package is not open to io.jipc.rpc): "
                                + "make it public in a package exported to io.jipc.rpc, or open its package to io.jipc.rpc");
                    }
                    records.put(c, new RecordShape(accessors, generic, constructor));
                } catch (NoSuchMethodException e) {
                    throw new NotMarshallableException(where + ": record " + c.getName() + " has no canonical constructor");
                }
                return;
            }
            if (c == List.class || c == Map.class) {
                throw new NotMarshallableException(where + ": raw " + c.getName() + " (name its element types)");
            }
            throw new NotMarshallableException(where + ": " + c.getTypeName() + " is not marshallable " + WHAT_TRAVELS);
        }
        if (type instanceof ParameterizedType p && (p.getRawType() == List.class || p.getRawType() == Map.class)) {
            for (Type argument : p.getActualTypeArguments()) {
                allow(argument, where, classes, records);
            }
            if (p.getRawType() == Map.class && holdsAMap(p.getActualTypeArguments()[0], new HashSet<>())) {
                throw new NotMarshallableException(where + ": " + type.getTypeName() + " is not marshallable: "
                        + KEY_HOLDING_A_MAP);
            }
            return;
        }
        if (type instanceof GenericArrayType) {
            throw new NotMarshallableException(where + ": " + type.getTypeName() + " is not marshallable (of arrays only byte[])");
        }
        throw new NotMarshallableException(where + ": " + type.getTypeName() + " is not marshallable" + genericHint(type)
                + " " + WHAT_TRAVELS);
    }

    /**
     * Whether a value of {@code type} (an allowed type) may hold a map: is one, or a list or record with
     * one inside at any depth. {@code seen}: the records already looked into (records may refer to each other).
     */
    private static boolean holdsAMap(Type type, Set<Class<?>> seen) {
        if (type instanceof ParameterizedType p) {
            return p.getRawType() == Map.class || holdsAMap(p.getActualTypeArguments()[0], seen);
        }
        if (type instanceof Class<?> c && c.isRecord() && seen.add(c)) {
            for (RecordComponent component : c.getRecordComponents()) {
                if (holdsAMap(component.getGenericType(), seen)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The reason a generic type is refused, when it is one a programmer may expect to travel: a generic
     * record ({@code Pair<String, Integer>}), or a type variable of one (a raw {@code Pair}) or of a generic
     * interface whose methods the interface inherits; empty otherwise.
     */
    private static String genericHint(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw && raw.isRecord()) {
            return ": " + GENERIC_RECORDS;
        }
        if (type instanceof TypeVariable<?> variable) {
            if (variable.getGenericDeclaration() instanceof Class<?> c && c.isRecord()) {
                return ": a type variable of the generic record " + c.getName() + "; " + GENERIC_RECORDS;
            }
            if (variable.getGenericDeclaration() instanceof Class<?> c) {
                return ": a type variable of " + c.getName() + " (the methods of an RPC interface, also those it "
                        + "inherits from a generic interface, must name concrete types)";
            }
            return ": a type variable";
        }
        return "";
    }

    /** Makes {@code constructor} and {@code accessors} accessible to this module; whether all now are. */
    private static boolean allAccessible(Constructor<?> constructor, Method[] accessors) {
        boolean all = constructor.trySetAccessible();
        for (Method accessor : accessors) {
            all &= accessor.trySetAccessible();
        }
        return all;
    }

    // ------------------------------------------------------------------ encoding

    /** A growable big-endian output. */
    static final class Output {
        private ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.BIG_ENDIAN);
        /** How many maps this output has started to write: a key written while it grew holds a map. */
        private int maps;

        private ByteBuffer room(int bytes) {
            if (buffer.remaining() < bytes) {
                long needed = (long) buffer.position() + bytes;
                if (needed > Integer.MAX_VALUE - 8) {
                    throw new NotMarshallableException("value too large to marshal");
                }
                int capacity = (int) Math.max(needed, Math.min((long) buffer.capacity() * 2, Integer.MAX_VALUE - 8));
                ByteBuffer larger = ByteBuffer.allocate(capacity).order(ByteOrder.BIG_ENDIAN);
                larger.put(buffer.flip());
                buffer = larger;
            }
            return buffer;
        }

        Output u8(int value) {
            room(1).put((byte) value);
            return this;
        }

        Output i32(int value) {
            room(4).putInt(value);
            return this;
        }

        Output i64(long value) {
            room(8).putLong(value);
            return this;
        }

        Output bytes(byte[] value) {
            i32(value.length);
            room(value.length).put(value);
            return this;
        }

        /**
         * A string value, exactly: one that UTF-8 cannot carry (an unpaired surrogate) is refused
         * rather than changed.
         *
         * @throws NotMarshallableException for a string with an unpaired surrogate
         */
        Output string(String value) {
            try {
                ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(value));
                byte[] bytes = new byte[encoded.remaining()];
                encoded.get(bytes);
                return bytes(bytes);
            } catch (CharacterCodingException e) {
                throw new NotMarshallableException("a string with an unpaired surrogate cannot travel as UTF-8");
            }
        }

        /**
         * A text of the protocol itself (a reason, an exception's class name or message): an
         * unpaired surrogate becomes '?', so that a failure can always be reported.
         */
        Output text(String value) {
            return bytes(value.getBytes(StandardCharsets.UTF_8));
        }

        byte[] toByteArray() {
            byte[] out = new byte[buffer.position()];
            buffer.get(0, out);
            return out;
        }
    }

    /**
     * Appends {@code value}.
     *
     * @throws NotMarshallableException if the value (or something in it) is of a type outside the allow-list,
     *         or is something a decoder refuses: nested deeper than {@value #MAX_DEPTH}, a string with an
     *         unpaired surrogate, a map with a key that holds a map or with more than {@value #MAX_KEYS_PER_HASH}
     *         keys of one hash code, a concurrent map whose snapshot met a key twice. A list or map is
     *         written from one snapshot ({@code toArray}), so its count and its entries agree while another
     *         thread changes a concurrent collection
     */
    void write(Output out, Object value) {
        write(out, value, 0);
    }

    private void write(Output out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new NotMarshallableException("value nested deeper than " + MAX_DEPTH);
        }
        switch (value) {
            case null -> out.u8(NULL);
            case Boolean b -> out.u8(b ? TRUE : FALSE);
            case Byte b -> out.u8(BYTE).u8(b);
            case Short s -> out.u8(SHORT).room(2).putShort(s);
            case Character c -> out.u8(CHAR).room(2).putChar(c);
            case Integer i -> out.u8(INT).i32(i);
            case Long l -> out.u8(LONG).i64(l);
            case Float f -> out.u8(FLOAT).i32(Float.floatToRawIntBits(f));
            case Double d -> out.u8(DOUBLE).i64(Double.doubleToRawLongBits(d));
            case String s -> out.u8(STRING).string(s);
            case byte[] b -> out.u8(BYTES).bytes(b);
            case Enum<?> e -> {
                Class<?> type = e.getDeclaringClass();
                checkAllowed(type);
                out.u8(ENUM).string(type.getName()).string(e.name());
            }
            case Record r -> {
                RecordShape shape = records.get(r.getClass());
                if (shape == null) {
                    throw new NotMarshallableException("record " + r.getClass().getName() + " is not in the allow-list");
                }
                out.u8(RECORD).string(r.getClass().getName()).i32(shape.accessors().length);
                for (Method accessor : shape.accessors()) {
                    write(out, component(accessor, r), depth + 1);
                }
            }
            case List<?> list -> {
                // one snapshot: the count written and the elements that follow agree even while another thread
                // changes a concurrent list (its size() and a later iteration may not); a list that detects a
                // change throws (ConcurrentModificationException) as its iteration would
                Object[] elements = list.toArray();
                out.u8(LIST).i32(elements.length);
                for (Object element : elements) {
                    write(out, element, depth + 1);
                }
            }
            case Map<?, ?> map -> {
                Object[] entries = map.entrySet().toArray(); // one snapshot, as a list's
                Object[] keys = new Object[entries.length];
                for (int i = 0; i < entries.length; i++) {
                    keys[i] = ((Map.Entry<?, ?>) entries[i]).getKey();
                }
                if (map instanceof ConcurrentMap<?, ?>) {
                    requireDistinct(keys); // a weakly consistent iteration may meet a key twice while the map changes
                }
                out.u8(MAP).i32(entries.length);
                out.maps++;
                for (Object e : entries) {
                    Map.Entry<?, ?> entry = (Map.Entry<?, ?>) e;
                    int mapsBefore = out.maps;
                    write(out, entry.getKey(), depth + 1);
                    if (out.maps != mapsBefore) {
                        throw new NotMarshallableException(KEY_HOLDING_A_MAP); // a peer would refuse it
                    }
                    write(out, entry.getValue(), depth + 1);
                }
                // a peer would refuse it (as it would a key holding a map, above): refused before it is sent
                KeyHashes.requireNoFlood(Arrays.asList(keys), MAX_KEYS_PER_HASH, NotMarshallableException::new);
            }
            default -> throw new NotMarshallableException(value.getClass().getName() + " is not marshallable");
        }
    }

    /**
     * Refuses keys of a concurrent map's snapshot that repeat one another, which its weakly consistent
     * iteration can yield while another thread removes and puts keys: a peer refuses a repeated key,
     * so the value is refused before it is sent, as other values a peer refuses. Calls the keys' own
     * {@code hashCode} and {@code equals} (what they throw goes to the caller).
     */
    private static void requireDistinct(Object[] keys) {
        Set<Object> seen = HashSet.newHashSet(keys.length);
        for (Object key : keys) {
            if (!seen.add(key)) {
                throw new NotMarshallableException("a concurrent map changed while it was encoded: one of its "
                        + keys.length + " keys was met twice (a peer refuses a repeated key)");
            }
        }
    }

    private void checkAllowed(Class<?> type) {
        if (classes.get(type.getName()) != type) {
            throw new NotMarshallableException(type.getName() + " is not in the allow-list");
        }
    }

    private static Object component(Method accessor, Record r) {
        try {
            return accessor.invoke(r);
        } catch (IllegalAccessException e) {
            throw new NotMarshallableException("cannot read " + accessor + " (open its package to io.jipc.rpc)");
        } catch (InvocationTargetException e) {
            throw new NotMarshallableException("accessor " + accessor + " threw " + e.getCause());
        }
    }

    /** The arguments of a call: a u32 count and the values. */
    byte[] encodeArguments(Object[] arguments) {
        Object[] values = arguments == null ? new Object[0] : arguments;
        Output out = new Output().i32(values.length);
        for (Object value : values) {
            write(out, value);
        }
        return out.toByteArray();
    }

    /** One value: a result. */
    byte[] encodeValue(Object value) {
        Output out = new Output();
        write(out, value);
        return out.toByteArray();
    }

    /**
     * The arguments of a call of {@code method}, checked against its parameter types.
     *
     * @throws RpcProtocolException if they do not decode, are too few or too many, or do not fit
     */
    Object[] decodeArguments(byte[] bytes, Method method) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        Type[] types = method.getGenericParameterTypes();
        try {
            int count = in.getInt();
            if (count != types.length) {
                throw new RpcProtocolException(method.getName() + " takes " + types.length + " arguments, not "
                        + Integer.toUnsignedString(count));
            }
            Object[] arguments = new Object[count];
            for (int i = 0; i < count; i++) {
                arguments[i] = checkFits(read(in, 0, new Decoding()), types[i], "argument " + i + " of " + method.getName());
            }
            checkConsumed(in);
            return arguments;
        } catch (BufferUnderflowException e) {
            throw new RpcProtocolException("arguments cut short");
        }
    }

    /**
     * A result of {@code method}, checked against its return type.
     *
     * @throws RpcProtocolException if it does not decode or fit
     */
    Object decodeResult(byte[] bytes, Method method) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        Object value = checkFits(read(in), method.getGenericReturnType(), "result of " + method.getName());
        checkConsumed(in);
        return value;
    }

    private static void checkConsumed(ByteBuffer in) {
        if (in.hasRemaining()) {
            throw new RpcProtocolException(in.remaining() + " bytes after the last value");
        }
    }

    // ------------------------------------------------------------------ decoding

    /**
     * What one decoding (of a call's arguments, or of one value) has seen so far: how many maps it has
     * started to read, so that a map's decoder tells in constant time whether a key it has just read holds
     * a map (the count went up) without looking into the key again. Confined to the decoding thread.
     */
    private static final class Decoding {
        int maps;
    }

    /**
     * Reads one value from {@code in} (big-endian), advancing it.
     *
     * @throws RpcProtocolException if the bytes are not a value of this allow-list (the buffer's
     *                              position is then unspecified)
     */
    Object read(ByteBuffer in) {
        try {
            return read(in, 0, new Decoding());
        } catch (BufferUnderflowException e) {
            throw new RpcProtocolException("value cut short");
        }
    }

    private Object read(ByteBuffer in, int depth, Decoding decoding) {
        if (depth > MAX_DEPTH) {
            throw new RpcProtocolException("value nested deeper than " + MAX_DEPTH);
        }
        byte tag = in.get();
        return switch (tag) {
            case NULL -> null;
            case FALSE -> Boolean.FALSE;
            case TRUE -> Boolean.TRUE;
            case BYTE -> in.get();
            case SHORT -> in.getShort();
            case CHAR -> in.getChar();
            case INT -> in.getInt();
            case LONG -> in.getLong();
            case FLOAT -> Float.intBitsToFloat(in.getInt());
            case DOUBLE -> Double.longBitsToDouble(in.getLong());
            case STRING -> readString(in);
            case BYTES -> readBytes(in);
            case ENUM -> readEnum(in);
            case RECORD -> readRecord(in, depth, decoding);
            case LIST -> {
                int count = count(in, 1);
                // room for the first elements only: nested lists each claiming the bytes left must
                // not make the decoder set aside many times the message's size before it reads one
                List<Object> list = new ArrayList<>(Math.min(count, 1024));
                for (int i = 0; i < count; i++) {
                    list.add(read(in, depth + 1, decoding));
                }
                yield Collections.unmodifiableList(list);
            }
            case MAP -> {
                int count = count(in, 2);
                decoding.maps++; // before its keys: a key that is this map's enclosing map's key holds it
                // as for a list: room for the first entries only; the entries are read before the
                // map's table is made, so that a count the bytes do not back allocates no table, and
                // the keys are checked for a hash flood before they are hashed into it
                List<Object> keys = new ArrayList<>(Math.min(count, 256));
                List<Object> values = new ArrayList<>(Math.min(count, 256));
                for (int i = 0; i < count; i++) {
                    int mapsBefore = decoding.maps;
                    keys.add(read(in, depth + 1, decoding));
                    if (decoding.maps != mapsBefore) {
                        throw new RpcProtocolException(KEY_HOLDING_A_MAP);
                    }
                    values.add(read(in, depth + 1, decoding));
                }
                KeyHashes.requireNoFlood(keys, MAX_KEYS_PER_HASH, RpcProtocolException::new);
                Map<Object, Object> map = LinkedHashMap.newLinkedHashMap(count);
                for (int i = 0; i < count; i++) {
                    if (map.put(keys.get(i), values.get(i)) != null || map.size() != i + 1) {
                        throw new RpcProtocolException("map with a repeated key");
                    }
                }
                yield Collections.unmodifiableMap(map);
            }
            default -> throw new RpcProtocolException("unknown value tag " + tag);
        };
    }

    /** A length or count that needs at least {@code bytesEach} bytes per unit of what is left. */
    private static int count(ByteBuffer in, int bytesEach) {
        int count = in.getInt();
        if (count < 0 || (long) count * bytesEach > in.remaining()) {
            throw new RpcProtocolException("length " + Integer.toUnsignedString(count) + " exceeds the "
                    + in.remaining() + " bytes left");
        }
        return count;
    }

    static byte[] readBytes(ByteBuffer in) {
        byte[] bytes = new byte[count(in, 1)];
        in.get(bytes);
        return bytes;
    }

    static String readString(ByteBuffer in) {
        byte[] bytes = readBytes(in);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new RpcProtocolException("string is not UTF-8");
        }
    }

    private Class<?> readClass(ByteBuffer in, String what) {
        String name = readString(in);
        Class<?> type = classes.get(name);
        if (type == null) {
            throw new RpcProtocolException(what + " " + name + " is not in the allow-list");
        }
        return type;
    }

    private Object readEnum(ByteBuffer in) {
        Class<?> type = readClass(in, "enum");
        if (!type.isEnum()) {
            throw new RpcProtocolException(type.getName() + " is not an enum");
        }
        String constant = readString(in);
        for (Object value : type.getEnumConstants()) {
            if (((Enum<?>) value).name().equals(constant)) {
                return value;
            }
        }
        throw new RpcProtocolException(type.getName() + " has no constant " + constant);
    }

    private Object readRecord(ByteBuffer in, int depth, Decoding decoding) {
        Class<?> type = readClass(in, "record");
        RecordShape shape = records.get(type);
        if (shape == null) {
            throw new RpcProtocolException(type.getName() + " is not a record");
        }
        int count = in.getInt();
        if (count != shape.accessors().length) {
            throw new RpcProtocolException("record " + type.getName() + " has " + shape.accessors().length
                    + " components, not " + Integer.toUnsignedString(count));
        }
        Object[] components = new Object[count];
        for (int i = 0; i < count; i++) {
            components[i] = checkFits(read(in, depth + 1, decoding), shape.types()[i], "record " + type.getName());
        }
        try {
            return shape.constructor().newInstance(components);
        } catch (InvocationTargetException e) {
            // the record's own validation refused the values: the peer sent a value the type forbids
            throw new RpcProtocolException("record " + type.getName() + " refused its components: "
                    + RpcServer.describe(e.getCause())); // its class, even if its getMessage() throws
        } catch (ReflectiveOperationException e) {
            throw new RpcProtocolException("cannot build record " + type.getName() + ": " + e);
        }
    }

    /**
     * Checks a decoded value against the type it is declared with, generic arguments included
     * (the elements of a {@code List<E>}, the keys and values of a {@code Map<K, V>}); returns it.
     *
     * @throws RpcProtocolException if it does not fit
     */
    static Object checkFits(Object value, Type declared, String what) {
        String misfit = misfit(value, declared);
        if (misfit != null) {
            throw new RpcProtocolException(what + ": " + misfit);
        }
        return value;
    }

    /**
     * Why {@code value} does not fit {@code declared}, naming the first element, key or value that does
     * not ({@code "element 1 of java.util.List<java.lang.String>: java.lang.Integer where
     * java.lang.String belongs"}); null if it fits.
     */
    private static String misfit(Object value, Type declared) {
        String wrong = describe(value) + " where " + declared.getTypeName() + " belongs";
        if (declared instanceof Class<?> c) {
            boolean fits = c == void.class ? value == null
                    : value == null ? !c.isPrimitive() : (c.isPrimitive() ? box(c) : c).isInstance(value);
            return fits ? null : wrong;
        }
        if (value == null) {
            return null;
        }
        ParameterizedType p = (ParameterizedType) declared; // the allow-list admits no other kind
        Type[] arguments = p.getActualTypeArguments();
        if (p.getRawType() == List.class) {
            if (!(value instanceof List<?> list)) {
                return wrong;
            }
            for (int i = 0; i < list.size(); i++) {
                String misfit = misfit(list.get(i), arguments[0]);
                if (misfit != null) {
                    return "element " + i + " of " + declared.getTypeName() + ": " + misfit;
                }
            }
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            return wrong;
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String misfit = misfit(entry.getKey(), arguments[0]);
            if (misfit != null) {
                return "a key of " + declared.getTypeName() + ": " + misfit;
            }
            misfit = misfit(entry.getValue(), arguments[1]);
            if (misfit != null) {
                return "the value of a key of " + declared.getTypeName() + ": " + misfit;
            }
        }
        return null;
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getName();
    }

    private static Class<?> box(Class<?> primitive) {
        return switch (primitive.getName()) {
            case "boolean" -> Boolean.class;
            case "byte" -> Byte.class;
            case "short" -> Short.class;
            case "char" -> Character.class;
            case "int" -> Integer.class;
            case "long" -> Long.class;
            case "float" -> Float.class;
            case "double" -> Double.class;
            default -> throw new IllegalArgumentException(primitive.getName());
        };
    }
}
