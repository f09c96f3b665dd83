package io.jipc.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The integer options of a benchmark main: {@code --name N} pairs, each name known with a default.
 * Range checks stay with the caller, which knows what its figures mean.
 */
public final class IntOptions {
    private IntOptions() {
    }

    /**
     * The options' values, the defaults for those not given; null after printing {@code usage} to
     * standard error if an argument is unknown, lacks its value or is not an integer.
     */
    public static Map<String, Integer> parse(String[] args, Map<String, Integer> defaults, String usage) {
        Map<String, Integer> values = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            if (!defaults.containsKey(args[i]) || i + 1 == args.length) {
                System.err.println(usage);
                return null;
            }
            try {
                values.put(args[i], Integer.parseInt(args[i + 1]));
            } catch (NumberFormatException e) {
                System.err.println(usage);
                return null;
            }
        }
        return values;
    }
}
