package io.jipc.platform;

/**
 * How a string that a caller or another process supplied (a name, a path) is shown inside an
 * exception message: between single quotes, every character that a terminal or a log would not show
 * as itself written as a Java escape, and cut after {@value #MAX_SHOWN} characters. So a refused name
 * with a NUL, a newline or a right-to-left override neither breaks the message across lines nor
 * hides the character the message complains about, and a name of a million characters does not
 * make a million-character message.
 *
 * <p>Escaped: ISO control characters ({@code U+0000}–{@code U+001F}, {@code U+007F}–{@code U+009F}),
 * format characters (such as {@code U+202E}), line and paragraph separators, unpaired surrogates,
 * unassigned code points and the backslash itself (so an escape in the output always stands for one
 * character). Letters of any script are shown as they are.
 *
 * <p>Library-internal: public only so that jipc's modules word their messages alike. Any thread;
 * keeps nothing.
 */
public final class Printable {
    /** Characters of the string shown at most; the rest is counted, not shown. */
    public static final int MAX_SHOWN = 256;

    private Printable() {
    }

    /**
     * {@code s} between single quotes, escaped as the class describes; a longer string is cut after
     * {@link #MAX_SHOWN} characters and followed by its length, as in {@code 'aaa…' (300 characters)}.
     * {@code null} gives {@code null} (unquoted).
     */
    public static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        int shown = Math.min(s.length(), MAX_SHOWN);
        StringBuilder b = new StringBuilder(shown + 2).append('\'');
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(i + 1));
                if (i + 1 < shown && visible(cp)) {
                    b.append(c).append(s.charAt(++i));
                    continue;
                }
            } else if (visible(c)) {
                b.append(c);
                continue;
            }
            b.append(String.format("\\u%04x", (int) c));
        }
        b.append('\'');
        if (shown < s.length()) {
            b.append("\u2026 (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }

    private static boolean visible(int cp) {
        if (cp == '\\' || Character.isISOControl(cp) || !Character.isDefined(cp)) {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SURROGATE,
                 Character.PRIVATE_USE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }
}
