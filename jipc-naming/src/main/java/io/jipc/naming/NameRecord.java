package io.jipc.naming;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a name stands for: the kind of object, its id, how to reach it, and free-form attributes.
 * jipc gives none of the strings a meaning beyond matching {@link NameService#lookupById}.
 *
 * @param kind       the kind of object, e.g. {@code "mailbox"}, {@code "rpc"}, {@code "tcp"}; not empty
 * @param id         the object's own id (e.g. a mailbox's 64-bit object id in hex); may be empty
 * @param address    how to reach it, e.g. a path, {@code host:port} or a mailbox name; may be empty
 * @param attributes anything else, copied and kept sorted by key; keys not empty
 * @throws IllegalArgumentException also for a string with an unpaired surrogate, which has no UTF-8
 *                                  form to store (it would come back as {@code ?})
 */
public record NameRecord(String kind, String id, String address, Map<String, String> attributes) {
    public NameRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(attributes, "attributes");
        if (kind.isEmpty()) {
            throw new IllegalArgumentException("the kind of a name record must not be empty");
        }
        checkEncodable("kind", kind);
        checkEncodable("id", id);
        checkEncodable("address", address);
        TreeMap<String, String> copy = new TreeMap<>();
        attributes.forEach((key, value) -> {
            if (key == null || key.isEmpty() || value == null) {
                throw new IllegalArgumentException("attribute keys must be non-empty and values non-null: "
                        + key + "=" + value);
            }
            checkEncodable("attribute key", key);
            checkEncodable("attribute " + key, value);
            copy.put(key, value);
        });
        attributes = java.util.Collections.unmodifiableSortedMap(copy);
    }

    /** Refuses a string with an unpaired surrogate (no UTF-8 form: stored, it would read back as '?'). */
    private static void checkEncodable(String what, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("the " + what + " of a name record has an unpaired surrogate at index "
                        + i + " (no UTF-8 form)");
            }
        }
    }

    /** A record without attributes. */
    public static NameRecord of(String kind, String id, String address) {
        return new NameRecord(kind, id, address, Map.of());
    }

    /**
     * This record with one more attribute (replacing the value of {@code key} if it has one).
     *
     * @throws NullPointerException     if {@code key} or {@code value} is null, naming it, as the
     *                                  constructor names a null {@code kind} (until 2026-12-07 a null key
     *                                  failed inside {@link TreeMap}, a null value with the
     *                                  constructor's {@link IllegalArgumentException})
     * @throws IllegalArgumentException if {@code key} is empty, or either has an unpaired surrogate
     */
    public NameRecord withAttribute(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        TreeMap<String, String> more = new TreeMap<>(attributes);
        more.put(key, value);
        return new NameRecord(kind, id, address, more);
    }
}
