package io.jipc.rpc;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The hash-flood check of a map's keys: a decoder's, made before the keys go into the map's hash
 * table, so that a peer cannot make the decoder's work grow with the square of what it sends; and the
 * encoder's, the same rule, so that a map a peer would refuse is refused before it is sent.
 *
 * <p>A {@link java.util.HashMap} finds a key among others of the same hash code in one bin. It orders
 * such a bin by {@code compareTo} when its keys are all of one class that is {@code Comparable} to
 * itself, in {@code log n} comparisons; otherwise (records, lists, maps, enums, a mix of classes) it
 * calls {@code equals} on every key of the bin. So {@code n} keys of one hash code cost about
 * {@code n * n / 2} calls of {@code equals}, and such keys are easy to make: {@code record K(int a, int b)}
 * hashes to {@code 31 * a + b}, so {@code K(i, -31 * i)} all hash to 0 (41,000 of them, a 1 MiB frame,
 * took 5.8 s of a server's CPU to decode). With at most {@code limit} keys of each hash code the map
 * costs at most about {@code n * limit / 2} calls of {@code equals}, at the decoder and later at the
 * application's own lookups; each call takes time linear in the keys' size, because the decoder refuses
 * a key that holds a map (whose {@code equals} does lookups of its own, so costs would multiply across
 * levels: see {@link Marshaller#MAX_KEYS_PER_HASH}).
 *
 * <p>Cost: a map of at most {@code limit} keys, or whose keys are all of one ordered class, is not
 * counted (one look at each key's class); any other is counted in {@code O(n log n)} (its hash codes
 * sorted), whatever the keys, so the check cannot be flooded itself.
 *
 * <p>Called by the encoding or decoding thread of a {@link Marshaller}; keeps no state. Calls the keys' own
 * {@code hashCode} (application code for a record that overrides it: what it throws goes to the
 * caller, as when the key is put in the map). Nothing blocks; allocates one {@code int} per key when
 * it counts.
 */
final class KeyHashes {
    /**
     * The classes a {@link java.util.HashMap} orders in a crowded bin (each {@code Comparable} to
     * itself, with a {@code compareTo} consistent with {@code equals}): keys all of one of these need
     * no count.
     */
    private static final Set<Class<?>> ORDERED = Set.of(String.class, Boolean.class, Byte.class, Short.class,
            Character.class, Integer.class, Long.class, Float.class, Double.class);

    private KeyHashes() {
    }

    /**
     * Refuses {@code keys} if more than {@code limit} of them have one hash code, unless all of them
     * (the null key aside) are of one {@linkplain #ORDERED ordered} class. A key repeated counts each
     * time (the decoder refuses a repeated key anyway).
     *
     * @param keys    the keys of a map
     * @param limit   the most keys one hash code may have
     * @param refusal makes the exception thrown of its message (the decoder's {@link RpcProtocolException},
     *                the encoder's {@link NotMarshallableException})
     * @throws RuntimeException {@code refusal}'s, naming the map's size, the limit and the hash code, if refused
     */
    static void requireNoFlood(Collection<?> keys, int limit, Function<String, ? extends RuntimeException> refusal) {
        int count = keys.size();
        if (count <= limit || ofOneOrderedClass(keys)) {
            return;
        }
        int[] hashes = new int[count];
        int i = 0;
        for (Object key : keys) {
            if (i == count) {
                break; // more keys than its size said (a map changed meanwhile): those counted decide
            }
            hashes[i++] = Objects.hashCode(key);
        }
        Arrays.sort(hashes, 0, i); // O(n log n) whatever the values: the check cannot be flooded itself
        int run = 1;
        for (int j = 1; j < i; j++) {
            run = hashes[j] == hashes[j - 1] ? run + 1 : 1;
            if (run > limit) {
                throw refusal.apply("a map of " + count + " entries with more than " + limit
                        + " keys of one hash code (" + hashes[j] + "): refused as a hash flood");
            }
        }
    }

    private static boolean ofOneOrderedClass(Collection<?> keys) {
        Class<?> only = null;
        for (Object key : keys) {
            if (key != null) {
                Class<?> type = key.getClass();
                if (only == null) {
                    if (!ORDERED.contains(type)) {
                        return false;
                    }
                    only = type;
                } else if (type != only) {
                    return false;
                }
            }
        }
        return true;
    }
}
