package io.jipc.pipe;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A child's environment ({@link Command#environment()}): a map that refuses, as
 * {@link ProcessBuilder#environment()}'s does, what cannot be passed as a {@code NAME=value}
 * string. Every way to add or change an entry checks it, also an entry's {@code setValue}:
 * <ul>
 * <li>a null name or value: {@link NullPointerException};</li>
 * <li>a name that is empty or contains {@code '='} or NUL, a value that contains NUL:
 *     {@link IllegalArgumentException}, nothing changed.</li>
 * </ul>
 * An empty name, which {@code ProcessBuilder} lets through, is refused too: {@code "=value"} names
 * no variable a child could look up. Not safe for use by several threads, as its {@link Command}.
 */
final class ChildEnvironment extends AbstractMap<String, String> {
    private final Map<String, String> entries = new LinkedHashMap<>();
    private final Set<Entry<String, String>> entrySet = new EntrySet();

    /**
     * A copy of {@code initial}, this process's environment ({@link System#getenv()}), taken as it
     * is: its strings came from {@code NAME=value} strings and go back as the same strings.
     */
    ChildEnvironment(Map<String, String> initial) {
        entries.putAll(initial);
    }

    @Override
    public String put(String name, String value) {
        return entries.put(checkName(name), checkValue(name, value));
    }

    @Override
    public String get(Object name) {
        return entries.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
        return entries.containsKey(name);
    }

    @Override
    public String remove(Object name) {
        return entries.remove(name);
    }

    @Override
    public void clear() {
        entries.clear();
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return entrySet;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "environment variable name");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("invalid environment variable name: \"" + name + "\"");
        }
        return name;
    }

    private static String checkValue(String name, String value) {
        Objects.requireNonNull(value, () -> "value of environment variable " + name);
        if (value.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("invalid value of environment variable " + name
                    + " (contains NUL): \"" + value + "\"");
        }
        return value;
    }

    /** The entries, in order; removal through it and its iterator is allowed, {@code setValue} is checked. */
    private final class EntrySet extends AbstractSet<Entry<String, String>> {
        @Override
        public Iterator<Entry<String, String>> iterator() {
            Iterator<Entry<String, String>> all = entries.entrySet().iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return all.hasNext();
                }

                @Override
                public Entry<String, String> next() {
                    return new CheckedEntry(all.next());
                }

                @Override
                public void remove() {
                    all.remove();
                }
            };
        }

        @Override
        public int size() {
            return entries.size();
        }

        @Override
        public void clear() {
            entries.clear();
        }
    }

    /** An entry whose {@code setValue} checks the value, then writes through. */
    private record CheckedEntry(Entry<String, String> entry) implements Entry<String, String> {
        @Override
        public String getKey() {
            return entry.getKey();
        }

        @Override
        public String getValue() {
            return entry.getValue();
        }

        @Override
        public String setValue(String value) {
            return entry.setValue(checkValue(entry.getKey(), value));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Entry<?, ?> e && Objects.equals(getKey(), e.getKey())
                    && Objects.equals(getValue(), e.getValue());
        }

        @Override
        public int hashCode() {
            return entry.hashCode();
        }

        @Override
        public String toString() {
            return entry.toString();
        }
    }
}
