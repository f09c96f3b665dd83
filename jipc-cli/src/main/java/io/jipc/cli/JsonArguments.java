package io.jipc.cli;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

import java.lang.reflect.Type;
import java.util.HexFormat;

/**
 * The arguments of {@code jipc rpc call} that a single word cannot give — records, lists, maps —
 * read as JSON into the parameter's declared (generic) type: a record as an object of its
 * components, {@code List<E>} as an array, {@code Map<K, V>} as an object, enums by constant name,
 * byte arrays as hex strings (as on the command line), {@code null} where the Java type allows it.
 *
 * <p>Strict, so that a typo is an error and never a silently different call: unknown or missing
 * record components, {@code null} for a primitive, a string where a number belongs (or the other
 * way) and anything after the value are refused. Only the types the parameter names are built — the
 * interface already passed {@code io.jipc.rpc}'s allow-list, and JSON cannot name another class —
 * and a record is built through its canonical constructor, so its own checks run.
 */
final class JsonArguments {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .addModule(new SimpleModule("jipc-hex-bytes").addDeserializer(byte[].class, new HexBytes()))
            .build();

    private JsonArguments() {
    }

    /**
     * The value of {@code type} that {@code json} describes.
     *
     * @throws IllegalArgumentException saying what is wrong, and where, if it does not describe one
     */
    static Object read(Type type, String json) {
        try {
            return MAPPER.readValue(json, MAPPER.constructType(type));
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

    private static String firstLine(String text) {
        if (text == null) {
            return "invalid";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
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
}
