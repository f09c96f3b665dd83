package io.jipc.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The integer options of a benchmark main: {@code --name N} pairs, each name known with a default.
 * Range checks stay with the caller, which knows what its figures mean ({@link #outOfRange} words
 * them).
 */
public final class IntOptions {
    private IntOptions() {
    }

    /**
     * The allowed values of one option.
     *
     * @param option the option's name, e.g. {@code --size}
     * @param min    its least value
     * @param max    its largest value ({@link Integer#MAX_VALUE}: no bound worth saying)
     */
    public record Range(String option, int min, int max) {
        /** An option of at least {@code min}. */
        public static Range atLeast(String option, int min) {
            return new Range(option, min, Integer.MAX_VALUE);
        }

        /** What it allows, e.g. {@code "--size must be 0 to 32768"}. */
        String rule() {
            return option + " must be " + (max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max);
        }
    }

    /** Whether {@code args} asks for the usage ({@code -h} or {@code --help} anywhere): exit code 0. */
    public static boolean helpAsked(String[] args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    /**
     * The options' values, the defaults for those not given; null after printing what is wrong (an
     * unknown argument, a missing value, a value that is not an integer, naming the option) and
     * {@code usage} to standard error.
     */
    public static Map<String, Integer> parse(String[] args, Map<String, Integer> defaults, String usage) {
        Map<String, Integer> values = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            String problem = null;
            if (!defaults.containsKey(args[i])) {
                problem = "unknown option '" + args[i] + "'";
            } else if (i + 1 == args.length) {
                problem = args[i] + " needs a value";
            } else {
                try {
                    values.put(args[i], Integer.parseInt(args[i + 1]));
                } catch (NumberFormatException e) {
                    problem = args[i] + ": not an integer: '" + args[i + 1] + "'";
                }
            }
            if (problem != null) {
                System.err.println(problem);
                System.err.println(usage);
                return null;
            }
        }
        return values;
    }

    /**
     * The first of {@code ranges} whose option's value in {@code values} lies outside it, worded
     * with the value ({@code "--size must be 0 to 32768: 40000"}), or null if every value fits.
     */
    public static String outOfRange(Map<String, Integer> values, Range... ranges) {
        for (Range r : ranges) {
            int value = values.get(r.option());
            if (value < r.min() || value > r.max()) {
                return r.rule() + ": " + value;
            }
        }
        return null;
    }
}
