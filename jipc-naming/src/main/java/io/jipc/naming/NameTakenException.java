package io.jipc.naming;

/**
 * The name is held by someone else: a live owner's name, or a persistent name (which stays until it
 * is unregistered, whether or not its creator lives). The message names the holder's pid and host.
 */
public class NameTakenException extends NamingException {
    private static final long serialVersionUID = 1L;

    private final transient NameEntry holder;

    public NameTakenException(NameEntry holder) {
        super(describe(holder));
        this.holder = holder;
    }

    /**
     * A name taken for a reason the holder's entry does not tell, said after it: a backend whose names
     * outlive their owner for a while (a ZooKeeper session) says why a dead owner still holds one.
     */
    public NameTakenException(NameEntry holder, String why) {
        super(describe(holder) + "; " + why);
        this.holder = holder;
    }

    private static String describe(NameEntry holder) {
        return "name '" + holder.name() + "' is taken: " + holder.lifetime().describe() + " "
                + holder.owner().describe() + " (" + holder.liveness().name().toLowerCase(java.util.Locale.ROOT)
                + ") since " + holder.registeredAt();
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
