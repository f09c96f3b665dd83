package io.jipc.rpc;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A map that hashes nothing: its entries in a list, in the order they were added, as a hostile peer's
 * encoder sends them (putting {@code n} keys of one hash code into a {@code HashMap} would itself take
 * about {@code n * n / 2} calls of {@code equals}). Read-only; for the encoder to iterate.
 */
final class UnhashedMap<K, V> extends AbstractMap<K, V> {
    private final List<Entry<K, V>> entries = new ArrayList<>();

    /** {@code count} entries: key {@code key.apply(i)}, value {@code i}. */
    static <K> UnhashedMap<K, Integer> of(int count, IntFunction<K> key) {
        UnhashedMap<K, Integer> map = new UnhashedMap<>();
        for (int i = 0; i < count; i++) {
            map.entries.add(new SimpleImmutableEntry<>(key.apply(i), i));
        }
        return map;
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<K, V>> iterator() {
                return entries.iterator();
            }

            @Override
            public int size() {
                return entries.size();
            }
        };
    }
}
