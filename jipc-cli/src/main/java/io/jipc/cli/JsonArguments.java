package io.jipc.cli;

import io.jipc.rpc.Marshaller;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.KeyDeserializer;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.deser.jdk.NumberDeserializers;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.TypeDeserializer;
import tools.jackson.databind.module.SimpleDeserializers;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.MapType;

import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of {@code jipc rpc call} that a single word cannot give — records, lists, maps —
 * read as JSON into the parameter's declared (generic) type: a record as an object of its
 * components, {@code List<E>} as an array, {@code Map<K, V>} as an object, enums by constant name
 * ({@link Enum#name()}, as a word gives them, a map's keys too; not their {@code toString()}, not a number),
 * byte arrays as hex strings (as on the command line), {@code null} where the Java type allows it.
 * A map whose keys a JSON object's names cannot give (records, lists, bytes: {@link #isPairKey}) is an
 * array of {@code [key, value]} pairs instead: {@code [[{"x": 1, "y": 2}, "a"], [{"x": 3, "y": 4}, "b"]]}
 * for a {@code Map<Point, String>}; a key given twice is refused.
 *
 * <p>Strict, so that a typo is an error and never a silently different call: unknown or missing
 * record components, {@code null} for a primitive, a string where a number belongs (or the other
 * way), a number with a fraction or an exponent where an integer belongs ({@code 1.5}, {@code 1.0},
 * {@code 1e3}: never truncated, as a word of them is refused), anything after the value, a key given twice in an object, and two keys of a map that are the
 * same key of its type ({@code "1.5"} and {@code "1.50"} of a {@code Map<Double, V>}) are refused,
 * and so is a {@code float} or {@code double} (a number, or a map's key) that its type cannot hold, as
 * its word is ({@link RpcArguments#floating}: {@code 3.4e39} or {@code 1e-50} for a float).
 * Only the types the parameter names are built — the interface already passed {@code io.jipc.rpc}'s allow-list, and JSON cannot name another class —
 * and a record is built through its canonical constructor, so its own checks run.
 */
final class JsonArguments {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // a fraction where an integer belongs is refused, as its word is: Jackson truncates it by default
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // enums by constant name, as a word is (RpcArguments): Jackson 3 reads and writes toString()
            // by default, and takes a number as an index
            .disable(EnumFeature.READ_ENUMS_USING_TO_STRING)
            .disable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
            .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .addModule(new SimpleModule("jipc-hex-bytes").addDeserializer(byte[].class, new HexBytes()))
            .addModule(new SimpleModule("jipc-floating")
                    .addDeserializer(float.class, new FloatInRange(float.class, 0f))
                    .addDeserializer(Float.class, new FloatInRange(Float.class, null))
                    .addDeserializer(double.class, new DoubleInRange(double.class, 0d))
                    .addDeserializer(Double.class, new DoubleInRange(Double.class, null))
                    .addKeyDeserializer(Float.class, new FloatingKey(true))
                    .addKeyDeserializer(Double.class, new FloatingKey(false)))
            .addModule(new SimpleModule("jipc-pair-maps").setDeserializers(new PairMaps()))
            .build();

    private JsonArguments() {
    }

    /**
     * The value of {@code type} that {@code json} describes.
     *
     * @throws IllegalArgumentException saying what is wrong, and where, if it does not describe one
     */
    static Object read(Type type, String json) {
        JavaType javaType = MAPPER.constructType(type);
        try {
            Object value = MAPPER.readValue(json, javaType);
            checkMapKeys(javaType, MAPPER.readTree(json), type);
            checkDepth(value, 0);
            return value;
        } catch (JacksonException e) {
            Throwable cause = e.getCause();
            String why = cause instanceof IllegalArgumentException && cause.getMessage() != null
                    ? cause.getMessage() // a record's own check, e.g. "negative amount"
                    : e.getOriginalMessage();
            int column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
            String where = column < 1 ? "" : " (at character " + column + ")";
            throw new IllegalArgumentException("as JSON for " + type.getTypeName() + ": " + firstLine(why) + where);
        }
    }

    /**
     * Refuses a map whose object has two keys that are the same key of the map's type (e.g.
     * {@code "1.5"} and {@code "1.50"} for a {@code Map<Double, ...>}): Jackson would keep the last.
     * Walks {@code node} along {@code type} into lists, arrays, maps' values and records' components.
     * Keys written the same are refused while parsing ({@link StreamReadFeature#STRICT_DUPLICATE_DETECTION}).
     */
    private static void checkMapKeys(JavaType type, JsonNode node, Type whole) {
        if (node == null || node.isNull()) {
            return;
        }
        if (type.isMapLikeType() && node.isArray()) { // [key, value] pairs: a key twice is refused as it is read
            for (JsonNode pair : node) {
                checkMapKeys(type.getKeyType(), pair.get(0), whole);
                checkMapKeys(type.getContentType(), pair.get(1), whole);
            }
        } else if (type.isMapLikeType() && node.isObject()) {
            JavaType single = MAPPER.getTypeFactory().constructMapType(java.util.LinkedHashMap.class,
                    type.getKeyType(), MAPPER.constructType(Integer.class));
            Map<Object, String> seen = new HashMap<>();
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                Map<?, ?> one = MAPPER.convertValue(Map.of(property.getKey(), 0), single);
                Object key = one.keySet().iterator().next();
                String before = seen.putIfAbsent(key, property.getKey());
                if (before != null) {
                    throw new IllegalArgumentException("as JSON for " + whole.getTypeName() + ": the map keys \""
                            + before + "\" and \"" + property.getKey() + "\" are the same key (" + key + ") of "
                            + type.getKeyType().toCanonical());
                }
                checkMapKeys(type.getContentType(), property.getValue(), whole);
            }
        } else if ((type.isCollectionLikeType() || type.isArrayType()) && node.isArray()) {
            for (JsonNode element : node) {
                checkMapKeys(type.getContentType(), element, whole);
            }
        } else if (type.isRecordType() && node.isObject()) {
            for (RecordComponent component : type.getRawClass().getRecordComponents()) {
                checkMapKeys(MAPPER.getTypeFactory().resolveMemberType(component.getGenericType(), type.getBindings()),
                        node.get(component.getName()), whole);
            }
        }
    }

    /**
     * Refuses a value nested deeper than a call carries ({@link Marshaller#MAX_DEPTH}), counted as
     * {@code io.jipc.rpc} counts it: the argument is level 0, and every value inside a record, list or
     * map (a component, an element, a key or a value, leaves and nulls too) one level deeper than it; a
     * value at level {@code MAX_DEPTH + 1} is refused. So it is a bad argument, refused naming it before
     * anything is sent, not a failed call (the stub's {@code NotMarshallableException}).
     */
    private static void checkDepth(Object value, int level) {
        if (level > Marshaller.MAX_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + Marshaller.MAX_DEPTH
                    + " (each record, list or map takes a level for what it holds)");
        }
        switch (value) {
            case Record record -> {
                for (RecordComponent component : record.getClass().getRecordComponents()) {
                    Object inside;
                    try {
                        inside = component.getAccessor().invoke(record);
                    } catch (ReflectiveOperationException e) {
                        return; // not readable here: the stub's marshalling says what is wrong
                    }
                    checkDepth(inside, level + 1);
                }
            }
            case List<?> list -> list.forEach(element -> checkDepth(element, level + 1));
            case Map<?, ?> map -> map.forEach((key, inside) -> {
                checkDepth(key, level + 1);
                checkDepth(inside, level + 1);
            });
            case null, default -> {
                // a leaf: nothing inside
            }
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "invalid";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /**
     * Whether a map keyed by {@code key} is given as {@code [key, value]} pairs: its keys are records,
     * lists or byte arrays, which a JSON object's names (strings) cannot give. The other keys the
     * allow-list takes (strings, numbers, characters, booleans, enums) are an object's names.
     */
    static boolean isPairKey(JavaType key) {
        return key.isRecordType() || key.isCollectionLikeType() || key.isArrayType();
    }

    /** The maps whose keys are {@linkplain #isPairKey given as pairs}: a {@link PairMap} for each. */
    private static final class PairMaps extends SimpleDeserializers {
        @Override
        public ValueDeserializer<?> findMapDeserializer(MapType type, DeserializationConfig config,
                BeanDescription.Supplier description, KeyDeserializer keys, TypeDeserializer valueTypes,
                ValueDeserializer<?> values) {
            return isPairKey(type.getKeyType()) ? new PairMap(type) : null;
        }
    }

    /**
     * A map read from an array of {@code [key, value]} arrays, each key and value as its type is read
     * anywhere else (a record's own checks run); a key equal to one before it is refused, as two equal
     * names of an object are.
     */
    private static final class PairMap extends ValueDeserializer<Map<Object, Object>> {
        private final MapType type;

        PairMap(MapType type) {
            this.type = type;
        }

        @Override
        public Map<Object, Object> deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
            if (!parser.isExpectedStartArrayToken()) {
                return refuse(parser, context, "an array of [key, value] pairs (its keys, "
                        + type.getKeyType().getRawClass().getSimpleName() + ", cannot be an object's names)");
            }
            Map<Object, Object> map = new LinkedHashMap<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (!parser.isExpectedStartArrayToken()) {
                    return refuse(parser, context, "a [key, value] pair");
                }
                if (parser.nextToken() == JsonToken.END_ARRAY) {
                    return refuse(parser, context, "a [key, value] pair, not an empty one");
                }
                Object key = context.readValue(parser, type.getKeyType());
                if (parser.nextToken() == JsonToken.END_ARRAY) {
                    return refuse(parser, context, "a [key, value] pair, not a key alone");
                }
                Object value = context.readValue(parser, type.getContentType());
                if (parser.nextToken() != JsonToken.END_ARRAY) {
                    return refuse(parser, context, "a [key, value] pair, not more");
                }
                if (map.containsKey(key)) {
                    throw DatabindException.from(parser, "the map key " + key + " is given twice");
                }
                map.put(key, value);
            }
            return map;
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> refuse(JsonParser parser, DeserializationContext context, String expected) {
            return (Map<Object, Object>) context.reportInputMismatch(this, "expected " + expected + " for "
                    + type.toCanonical() + ", got " + parser.currentToken());
        }
    }

    /** {@code byte[]} from a hex string ({@code "0a1b"}, or {@code "0x0a1b"}), as the command line takes bytes. */
    private static final class HexBytes extends ValueDeserializer<byte[]> {
        @Override
        public byte[] deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                return (byte[]) context.handleUnexpectedToken(byte[].class, parser);
            }
            String text = parser.getString();
            String hex = text.startsWith("0x") ? text.substring(2) : text;
            try {
                return HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                return (byte[]) context.handleWeirdStringValue(byte[].class, text,
                        "not bytes in hex (an even number of 0-9a-f)");
            }
        }
    }

    /**
     * A JSON number for a {@code float} or {@code double} by {@link RpcArguments#floating}'s rule, from
     * its text as written: out of the type's range (it would round to infinity, or to zero) is refused,
     * naming the range, as for a word. Anything else (null, the strings Jackson takes for the
     * infinities and NaN, what it refuses) is left to Jackson's own deserializer.
     */
    private static Object floating(JsonParser parser, boolean single) {
        return floating(parser.getString(), single, parser);
    }

    /** {@code text} as a {@code Float} ({@code single}) or {@code Double} by that rule; refused at {@code parser}. */
    private static Object floating(String text, boolean single, JsonParser parser) {
        try {
            return single ? (Object) (float) RpcArguments.floating(text, "float", true)
                    : (Object) RpcArguments.floating(text, "double", false);
        } catch (IllegalArgumentException e) {
            throw DatabindException.from(parser, e.getMessage(), e);
        }
    }

    private static boolean isNumber(JsonParser parser) {
        return parser.currentToken() == JsonToken.VALUE_NUMBER_FLOAT || parser.currentToken() == JsonToken.VALUE_NUMBER_INT;
    }

    /** {@code float} and {@code Float}: a number by {@link #floating}'s rule, the rest as Jackson reads them. */
    private static final class FloatInRange extends NumberDeserializers.FloatDeserializer {
        FloatInRange(Class<Float> type, Float nullValue) {
            super(type, nullValue);
        }

        @Override
        public Float deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
            return isNumber(parser) ? (Float) floating(parser, true) : super.deserialize(parser, context);
        }
    }

    /** {@code double} and {@code Double}: a number by {@link #floating}'s rule, the rest as Jackson reads them. */
    private static final class DoubleInRange extends NumberDeserializers.DoubleDeserializer {
        DoubleInRange(Class<Double> type, Double nullValue) {
            super(type, nullValue);
        }

        @Override
        public Double deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
            return isNumber(parser) ? (Double) floating(parser, false) : super.deserialize(parser, context);
        }
    }

    /** A map's {@code Float} or {@code Double} key: its string as a word ({@link RpcArguments#floating}). */
    private static final class FloatingKey extends KeyDeserializer {
        private final boolean single;

        FloatingKey(boolean single) {
            this.single = single;
        }

        @Override
        public Object deserializeKey(String key, DeserializationContext context) throws JacksonException {
            return floating(key, single, context.getParser());
        }
    }
}
