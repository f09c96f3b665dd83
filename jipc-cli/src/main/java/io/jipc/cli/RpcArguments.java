package io.jipc.cli;

import io.jipc.rpc.RpcClient;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The command-line side of a remote call: picks an interface's method by name and number of
 * arguments, turns each argument word into the parameter's type, and prints a result. Words give
 * what a shell can type: {@code true}/{@code false}, numbers (decimal, or {@code 0x} hex for the
 * integers: {@link #integer}), one character, text, bytes in hex, an enum constant's name. A record, list or map
 * parameter takes one word of JSON ({@link JsonArguments}), in which {@code null} may stand for a
 * reference; a word of the other kinds is never null.
 */
final class RpcArguments {
    private static final Map<Class<?>, Class<?>> BOXES = Map.of(boolean.class, Boolean.class, byte.class, Byte.class,
            short.class, Short.class, char.class, Character.class, int.class, Integer.class, long.class, Long.class,
            float.class, Float.class, double.class, Double.class);

    private RpcArguments() {
    }

    /** The abstract methods of {@code api}, each with the parameters that take JSON marked. */
    static List<String> describe(Class<?> api) {
        List<String> lines = new ArrayList<>();
        for (Method m : callable(api)) {
            StringBuilder line = new StringBuilder(m.getGenericReturnType().getTypeName()).append(' ')
                    .append(m.getName()).append('(');
            List<String> json = new ArrayList<>();
            Type[] types = m.getGenericParameterTypes();
            for (int i = 0; i < types.length; i++) {
                line.append(i == 0 ? "" : ", ").append(types[i].getTypeName());
                if (!isWord(m.getParameterTypes()[i])) {
                    json.add(Integer.toString(i + 1));
                }
            }
            line.append(')');
            if (!json.isEmpty()) {
                line.append("    (JSON: parameter").append(json.size() > 1 ? "s " : " ").append(String.join(", ", json))
                        .append(')');
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /**
     * The method of {@code api} named {@code name} that takes {@code count} arguments.
     *
     * @throws IllegalArgumentException if there is none, or more than one, or it redeclares a method of
     *                                  {@link Object} (not remote: see {@link #callable})
     */
    static Method method(Class<?> api, String name, int count) {
        List<Method> remote = callable(api);
        if (Arrays.stream(api.getMethods()).anyMatch(m -> m.getName().equals(name) && m.getParameterCount() == count
                && Modifier.isAbstract(m.getModifiers()) && !m.isBridge() && !remote.contains(m))) {
            throw new IllegalArgumentException(name + " of " + api.getName() + " is not a remote method: it redeclares "
                    + "Object's " + name + ", which a client's stub answers itself, without calling the server");
        }
        List<Method> named = remote.stream().filter(m -> m.getName().equals(name)).toList();
        if (named.isEmpty()) {
            throw new IllegalArgumentException(api.getName() + " has no method " + name);
        }
        List<Method> fitting = named.stream().filter(m -> m.getParameterCount() == count).toList();
        if (fitting.size() != 1) {
            List<String> counts = named.stream().map(m -> Integer.toString(m.getParameterCount())).distinct().toList();
            throw new IllegalArgumentException(fitting.isEmpty()
                    ? name + " takes " + String.join(" or ", counts)
                            + (counts.equals(List.of("1")) ? " argument" : " arguments") + ", not " + count
                    : name + " of " + count + " arguments is overloaded: the command line cannot tell them apart");
        }
        return fitting.getFirst();
    }

    /**
     * The arguments of {@code method} from their words.
     *
     * @throws IllegalArgumentException naming the argument, if a word does not fit its type or the type
     *                                  cannot be given on the command line
     */
    static Object[] parse(Method method, List<String> words) {
        Class<?>[] types = method.getParameterTypes();
        Type[] generic = method.getGenericParameterTypes();
        Object[] values = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            try {
                values[i] = isWord(types[i]) ? parse(types[i], words.get(i)) : JsonArguments.read(generic[i], words.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("argument " + (i + 1) + " of " + method.getName() + " ("
                        + types[i].getSimpleName() + "): " + e.getMessage());
            }
        }
        return values;
    }

    /**
     * A result as the command prints it: hex for bytes, nothing for void, an enum constant by its name
     * (as an argument gives it: its {@code toString()} may say something else), a record, list or map as
     * JSON in the form an argument of its type takes ({@link JsonResults}), else its string form.
     */
    static String format(Object result, Method method) {
        Class<?> returnType = method.getReturnType();
        if (returnType == void.class) {
            return null;
        }
        if (result != null && !isWord(returnType)) {
            return JsonResults.write(result, method.getGenericReturnType());
        }
        if (result instanceof byte[] bytes) {
            return HexFormat.of().formatHex(bytes);
        }
        if (result instanceof Enum<?> constant) {
            return constant.name();
        }
        return String.valueOf(result);
    }

    /**
     * The remote methods of {@code api}, as {@code io.jipc.rpc} takes them: its abstract methods, but not a
     * redeclaration of {@code equals}, {@code hashCode} or {@code toString}, which a stub answers itself.
     */
    private static List<Method> callable(Class<?> api) {
        return RpcClient.remoteMethods(api).stream()
                .sorted((a, b) -> a.getName().equals(b.getName()) ? Integer.compare(a.getParameterCount(),
                        b.getParameterCount()) : a.getName().compareTo(b.getName()))
                .toList();
    }

    /**
     * An integer of {@code bits} bits from a word: decimal ({@code 42}, {@code -7}; no leading zero,
     * which would read as octal elsewhere) or {@code 0x} hex. Hex gives the type's bits, as Java's hex
     * literals do: {@code 0x80} to {@code 0xff} are the bytes -128 to -1, {@code 0xffffffff} the int
     * -1; a signed hex word ({@code -0x10}) is a value, within the type's range as decimal is.
     *
     * @throws IllegalArgumentException saying why, if the word is not such an integer or does not fit
     */
    static long integer(String word, String type, int bits) {
        boolean negative = word.startsWith("-");
        boolean signed = negative || word.startsWith("+");
        String digits = signed ? word.substring(1) : word;
        boolean hex = digits.startsWith("0x") || digits.startsWith("0X");
        if (hex) {
            digits = digits.substring(2);
        }
        String allowed = hex ? "0123456789abcdefABCDEF" : "0123456789";
        if (digits.isEmpty() || !digits.chars().allMatch(c -> allowed.indexOf(c) >= 0)) {
            throw new IllegalArgumentException("not a number of that type: " + word);
        }
        if (!hex && digits.length() > 1 && digits.charAt(0) == '0') {
            throw new IllegalArgumentException("not a number of that type: " + word
                    + " (integers are decimal, without a leading zero, or 0x hex)");
        }
        BigInteger magnitude = new BigInteger(digits, hex ? 16 : 10);
        if (hex && !signed && magnitude.bitLength() <= bits) {
            return magnitude.longValue(); // the type's bits: the caller's narrowing makes 0xff the byte -1
        }
        BigInteger value = negative ? magnitude.negate() : magnitude;
        long min = bits == Long.SIZE ? Long.MIN_VALUE : -(1L << (bits - 1));
        long max = bits == Long.SIZE ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException("out of range for " + type + " (" + min + " to " + max
                    + ", or its bits in hex, 0x0 to 0x" + "f".repeat(bits / 4) + "): " + word);
        }
        return value.longValue();
    }

    /**
     * A {@code float} ({@code single}) or {@code double} from a word, as {@link Float#parseFloat} and
     * {@link Double#parseDouble} read it (decimal, {@code 0x} hex with a {@code p} exponent, {@code NaN},
     * {@code Infinity}), rounded to the nearest value of the type; but a word that names a value the type
     * cannot hold is refused, as an integer out of range is: one that would round to infinity (beyond the
     * type's largest finite value) or to zero (a value that is not zero, below its smallest): a typo is an
     * error rather than a different call. {@link JsonArguments} reads a float or double inside JSON (a
     * number's text as written, a map's key) by this rule too.
     *
     * @throws IllegalArgumentException saying why, if the word is not such a number or is out of range
     */
    static double floating(String word, String type, boolean single) {
        double value;
        try {
            value = single ? Float.parseFloat(word) : Double.parseDouble(word);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number of that type: " + word);
        }
        boolean infinityWord = word.strip().replaceFirst("^[+-]", "").equals("Infinity");
        if (Double.isInfinite(value) && !infinityWord || value == 0 && !namesZero(word)) {
            throw new IllegalArgumentException("out of range for " + type + " (finite values from "
                    + (single ? String.valueOf(Float.MIN_VALUE) : String.valueOf(Double.MIN_VALUE)) + " to "
                    + (single ? String.valueOf(Float.MAX_VALUE) : String.valueOf(Double.MAX_VALUE))
                    + ", either sign, and 0; or Infinity, -Infinity, NaN): " + word);
        }
        return value;
    }

    /** Whether a word that parses as a floating-point number names zero: its significand's digits are all 0. */
    private static boolean namesZero(String word) {
        String w = word.strip().replaceFirst("^[+-]", "");
        if (w.startsWith("0x") || w.startsWith("0X")) {
            String significand = w.substring(2).split("[pP]", 2)[0];
            return significand.chars().allMatch(c -> c == '0' || c == '.');
        }
        String significand = w.replaceFirst("[fFdD]$", "").split("[eE]", 2)[0];
        return significand.chars().allMatch(c -> c == '0' || c == '.');
    }

    /** Whether a value of {@code type} is given as a plain word; otherwise as JSON. */
    private static boolean isWord(Class<?> type) {
        return type.isPrimitive() || BOXES.containsValue(type) || type == String.class || type == byte[].class
                || type.isEnum();
    }

    private static Object parse(Class<?> type, String word) {
        Class<?> t = type.isPrimitive() ? BOXES.get(type) : type;
        if (t == String.class) {
            return word;
        }
        if (t == Boolean.class) {
            return switch (word) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("not true or false: " + word);
            };
        }
        if (t == Character.class) {
            if (word.length() != 1) {
                throw new IllegalArgumentException("not one character: " + word);
            }
            return word.charAt(0);
        }
        if (t == Byte.class) {
            return (byte) integer(word, "byte", Byte.SIZE);
        }
        if (t == Short.class) {
            return (short) integer(word, "short", Short.SIZE);
        }
        if (t == Integer.class) {
            return (int) integer(word, "int", Integer.SIZE);
        }
        if (t == Long.class) {
            return integer(word, "long", Long.SIZE);
        }
        if (t == Float.class) {
            return (float) floating(word, "float", true);
        }
        if (t == Double.class) {
            return floating(word, "double", false);
        }
        if (t == byte[].class) {
            String hex = word.startsWith("0x") ? word.substring(2) : word;
            try {
                return HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not bytes in hex (an even number of 0-9a-f): " + word);
            }
        }
        if (t.isEnum()) {
            for (Object constant : t.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(word)) {
                    return constant;
                }
            }
            // the names, which are what is accepted: a constant's toString() may say something else
            throw new IllegalArgumentException("not one of " + Arrays.stream(t.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name()).toList() + ": " + word);
        }
        throw new IllegalStateException("not a word type: " + t); // isWord decides
    }
}
