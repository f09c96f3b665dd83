package io.jipc.cli;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.TypeSerializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.module.SimpleSerializers;
import tools.jackson.databind.type.MapType;

import com.fasterxml.jackson.annotation.JsonFormat;

import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HexFormat;
import java.util.Map;

/**
 * A record, list or map that {@code jipc rpc call} prints as its result, written as JSON in the form
 * {@link JsonArguments} reads an argument of the same type, so that a result can be given back as one:
 * a record as an object of its components (nothing else it has), a list as an array, a map as an object
 * (keyed by records, lists or bytes: as {@code [key, value]} pairs, {@link JsonArguments#isPairKey}), enums by
 * constant name (not their {@code toString()}), bytes as hex strings, {@code NaN} and the infinities as
 * strings. A value JSON cannot write in that form (a map with a {@code null} key an object cannot
 * name) is printed as Java prints it ({@code toString()}).
 */
final class JsonResults {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
            // by the declared types, as the arguments are read: a List<Map<Point, V>>'s maps are pairs
            .enable(MapperFeature.USE_STATIC_TYPING)
            .addModule(new SimpleModule("jipc-results").setSerializers(new Forms()))
            .build();

    private JsonResults() {
    }

    /** {@code value}, of the declared type {@code type}, as JSON (or as Java prints it: see the class comment). */
    static String write(Object value, Type type) {
        try {
            return escapeLoneSurrogates(MAPPER.writerFor(MAPPER.constructType(type)).writeValueAsString(value));
        } catch (JacksonException e) {
            return String.valueOf(value);
        }
    }

    /**
     * {@code json} with each unpaired surrogate (a {@code char} or {@code Character} can hold one; a
     * string argument cannot) written as its <code>&#92;uXXXX</code> escape, which only a JSON string can hold:
     * printed raw, the UTF-8 encoder of standard output would turn it into {@code ?}, and the result could
     * not be given back. Paired surrogates (an emoji) stay as they are.
     */
    static String escapeLoneSurrogates(String json) {
        StringBuilder out = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < json.length()
                    && Character.isLowSurrogate(json.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(json.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(json.length() + 8).append(json, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? json : out.toString();
    }

    /** Bytes in hex, records by their components only, maps by {@link Entries}: the forms an argument takes. */
    private static final class Forms extends SimpleSerializers {
        Forms() {
            addSerializer(byte[].class, new HexBytes());
        }

        @Override
        public ValueSerializer<?> findSerializer(SerializationConfig config, JavaType type,
                BeanDescription.Supplier description, JsonFormat.Value format) {
            return type.isRecordType() ? new Components(type) : super.findSerializer(config, type, description, format);
        }

        @Override
        public ValueSerializer<?> findMapSerializer(SerializationConfig config, MapType type,
                BeanDescription.Supplier description, JsonFormat.Value format, ValueSerializer<Object> keys,
                TypeSerializer valueTypes, ValueSerializer<Object> values) {
            return new Entries(type);
        }
    }

    /** {@code value} of the declared type {@code type} ({@code null} as JSON's null). */
    private static void write(Object value, JavaType type, JsonGenerator generator, SerializationContext context) {
        if (value == null) {
            generator.writeNull();
        } else {
            context.findValueSerializer(type).serialize(value, generator, context);
        }
    }

    /** A record as an object of its components, in their order, each read through its accessor. */
    private static final class Components extends ValueSerializer<Record> {
        private final JavaType type;

        Components(JavaType type) {
            this.type = type;
        }

        @Override
        public void serialize(Record record, JsonGenerator generator, SerializationContext context) throws JacksonException {
            generator.writeStartObject(record);
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                Object inside;
                try {
                    component.getAccessor().setAccessible(true);
                    inside = component.getAccessor().invoke(record);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw DatabindException.from(generator, "component " + component.getName() + " not readable", e);
                }
                generator.writeName(component.getName());
                write(inside, context.getTypeFactory().resolveMemberType(component.getGenericType(), type.getBindings()),
                        generator, context);
            }
            generator.writeEndObject();
        }
    }

    /**
     * A map in its iteration order: as an object, each key's name the word an argument gives it (an
     * enum constant's name, a number's or character's text; a {@code null} key, which no name gives,
     * is refused), or, keyed by records, lists or bytes, as an array of {@code [key, value]} arrays.
     */
    private static final class Entries extends ValueSerializer<Map<?, ?>> {
        private final MapType type;
        private final boolean pairs;

        Entries(MapType type) {
            this.type = type;
            this.pairs = JsonArguments.isPairKey(type.getKeyType());
        }

        @Override
        public void serialize(Map<?, ?> map, JsonGenerator generator, SerializationContext context) throws JacksonException {
            if (pairs) {
                generator.writeStartArray(map, map.size());
            } else {
                generator.writeStartObject(map, map.size());
            }
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                Object key = entry.getKey();
                if (pairs) {
                    generator.writeStartArray(entry, 2);
                    write(key, type.getKeyType(), generator, context);
                } else if (key == null) {
                    throw DatabindException.from(generator, "a null key has no name in a JSON object");
                } else {
                    generator.writeName(key instanceof Enum<?> constant ? constant.name() : key.toString());
                }
                write(entry.getValue(), type.getContentType(), generator, context);
                if (pairs) {
                    generator.writeEndArray();
                }
            }
            if (pairs) {
                generator.writeEndArray();
            } else {
                generator.writeEndObject();
            }
        }
    }

    /** {@code byte[]} as a hex string, as the command line and {@link JsonArguments} take bytes. */
    private static final class HexBytes extends ValueSerializer<byte[]> {
        @Override
        public void serialize(byte[] bytes, JsonGenerator generator, SerializationContext context) throws JacksonException {
            generator.writeString(HexFormat.of().formatHex(bytes));
        }
    }
}
