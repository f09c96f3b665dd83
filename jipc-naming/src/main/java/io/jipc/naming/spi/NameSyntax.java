package io.jipc.naming.spi;

import io.jipc.platform.Printable;

import java.util.Objects;

/**
 * The syntax of names and how a name becomes one file or node name: {@code /} is stored as {@code %},
 * which names never contain, so the mapping is one-to-one and needs no directories.
 */
public final class NameSyntax {
    /**
     * The longest name, in characters: room for an object's own name of up to 200 characters (the
     * longest mailbox name) behind a kind prefix such as {@code mailbox/}, while the stored file name
     * stays under the 255 bytes a Linux file name may have.
     */
    public static final int MAX_LENGTH = 240;

    private NameSyntax() {
    }

    /**
     * Returns {@code name} if it is a valid name.
     *
     * @throws NullPointerException     if {@code name} is null (message "name", as for every null argument)
     * @throws IllegalArgumentException naming the first offending character otherwise
     */
    public static String check(String name) {
        if (Objects.requireNonNull(name, "name").isEmpty() || name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a name has 1 to " + MAX_LENGTH + " characters: " + Printable.quoted(name));
        }
        char first = name.charAt(0);
        if (!(Character.isLetterOrDigit(first) && first < 128 || first == '_')) {
            throw new IllegalArgumentException("a name starts with a letter, digit or '_': " + Printable.quoted(name));
        }
        checkCharacters(name, "name");
        return name;
    }

    /**
     * Returns {@code prefix} if it may start names ({@code ""} included).
     *
     * @throws NullPointerException     if {@code prefix} is null (message "prefix")
     * @throws IllegalArgumentException otherwise
     */
    public static String checkPrefix(String prefix) {
        if (Objects.requireNonNull(prefix, "prefix").length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a prefix has 0 to " + MAX_LENGTH + " characters: " + Printable.quoted(prefix));
        }
        checkCharacters(prefix, "prefix");
        return prefix;
    }

    private static void checkCharacters(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '@' || c == '+' || c == '/';
            if (!ok) {
                throw new IllegalArgumentException("a " + what + " may contain only A-Z a-z 0-9 . _ - : @ + /; "
                        + Printable.quoted(s) + " has " + Printable.quoted(String.valueOf(c)) + " at " + i);
            }
        }
    }

    /** The file or node name that stores {@code name}. */
    public static String toStorageName(String name) {
        return name.replace('/', '%');
    }

    /** The name stored under {@code storageName}, or {@code null} if it cannot be one. */
    public static String fromStorageName(String storageName) {
        String name = storageName.replace('%', '/');
        try {
            return check(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
