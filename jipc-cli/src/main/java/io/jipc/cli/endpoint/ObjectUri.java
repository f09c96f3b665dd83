package io.jipc.cli.endpoint;

import io.jipc.platform.Printable;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a jipc object of any kind, as one string: {@code <kind>:<address>}, for example
 * {@code mailbox:orders}, {@code mq:/orders} or {@code fifo:/tmp/orders}. The kind (the URI scheme)
 * selects the mechanism; the address is what that mechanism calls the object. See docs/uris.md.
 *
 * @param scheme  the kind, lower case, e.g. {@code "mq"}
 * @param address the rest, never empty, e.g. {@code "/orders"}
 */
public record ObjectUri(String scheme, String address) {
    private static final Pattern FORM = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):(.+)", Pattern.DOTALL);

    public ObjectUri {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(address, "address");
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException if it has no kind (the message lists the known kinds), no address,
     *                                  a character reserved for later use ({@code ?} and {@code #}, for
     *                                  options and fragments), or a control character (an ISO control
     *                                  character: {@code U+0000}–{@code U+001F}, {@code U+007F}–{@code U+009F},
     *                                  such as NUL, a newline, a tab or an escape); the text is quoted by
     *                                  {@link Printable}, so the message shows such a character escaped
     */
    public static ObjectUri parse(String text) {
        Objects.requireNonNull(text, "text");
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(Printable.quoted(text) + " is not an object URI: expected"
                    + " <kind>:<address>; known: " + Endpoints.examples());
        }
        String address = m.group(2);
        for (char reserved : new char[] {'?', '#'}) {
            if (address.indexOf(reserved) >= 0) {
                throw new IllegalArgumentException(Printable.quoted(text) + ": the address may not contain '"
                        + reserved + "' (reserved)");
            }
        }
        if (address.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(Printable.quoted(text) + ": the address may not contain control characters");
        }
        return new ObjectUri(m.group(1).toLowerCase(java.util.Locale.ROOT), address);
    }

    @Override
    public String toString() {
        return scheme + ":" + address;
    }
}
