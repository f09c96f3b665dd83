package io.jipc.naming;

/**
 * Stored bytes are not a valid name entry: another program's file, a newer major format, or damage.
 * Lookups and listings skip such entries (and report them through the {@code io.jipc.naming} logger);
 * registering over one fails with this exception until {@link NameService#unregister} removes it.
 * {@code unregister} throws it for an entry it does not remove: a directory that is not empty, planted
 * where a name's file belongs (local backend), whose contents are nothing jipc made.
 */
public class CorruptNameEntryException extends NamingException {
    private static final long serialVersionUID = 1L;

    public CorruptNameEntryException(String message) {
        super(message);
    }
}
