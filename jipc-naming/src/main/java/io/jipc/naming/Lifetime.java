package io.jipc.naming;

/** How long a name stays registered. */
public enum Lifetime {
    /**
     * Bound to the owner's life (the default, {@link NameService#register}): removed when the owner
     * unregisters it, closes its service, or dies in any way (even {@code SIGKILL}); for ZooKeeper, when
     * its session expires and the name cannot be taken back.
     */
    OWNER,
    /**
     * Stays until unregistered, whoever created it and whether or not that process lives
     * ({@link NameService#bind}): for objects that outlive their creator, such as mailboxes.
     */
    PERSISTENT;

    /** How an entry of this lifetime is held, for messages: "held by" or "bound persistently by". */
    public String describe() {
        return this == OWNER ? "held by" : "bound persistently by";
    }
}
