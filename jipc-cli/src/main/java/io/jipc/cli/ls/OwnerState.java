package io.jipc.cli.ls;

/** Whether the process that owns (created or registered) an object still runs. */
public enum OwnerState {
    /** The owner's pid runs with the recorded start time. */
    ALIVE,
    /** The owner's pid is gone, or was reused by another process. */
    DEAD,
    /** Nothing records an owner (kernel objects, raw files) or the record is unreadable. */
    UNKNOWN;

    /** The state the name service judged for a name's owner. */
    static OwnerState of(io.jipc.naming.Liveness liveness) {
        return switch (liveness) {
            case ALIVE -> ALIVE;
            case DEAD -> DEAD;
            case UNKNOWN -> UNKNOWN;
        };
    }

    /** Lower case, as printed. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
