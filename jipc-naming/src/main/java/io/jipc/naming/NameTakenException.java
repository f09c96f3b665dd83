package io.jipc.naming;

/**
 * The name is held by someone else: a live owner's name, or a persistent name (which stays until it
 * is unregistered, whether or not its creator lives). The message names the holder's pid and host.
 */
public class NameTakenException extends NamingException {
    private static final long serialVersionUID = 1L;

    private final transient NameEntry holder;

    public NameTakenException(NameEntry holder) {
        super("name '" + holder.name() + "' is taken: " + holder.lifetime().describe() + " "
                + holder.owner().describe() + " (" + holder.liveness().name().toLowerCase(java.util.Locale.ROOT)
                + ") since " + holder.registeredAt());
        this.holder = holder;
    }

    /** The entry that holds the name. */
    public NameEntry holder() {
        return holder;
    }

    /** The pid of the process that holds the name. */
    public long ownerPid() {
        return holder.owner().pid();
    }
}
