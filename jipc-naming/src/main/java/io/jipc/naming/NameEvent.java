package io.jipc.naming;

import java.util.Objects;

/**
 * A change of a watched name.
 *
 * @param type  what happened
 * @param name  the name
 * @param entry the entry registered ({@link Type#REGISTERED}) or the one that went away
 *              ({@link Type#UNREGISTERED})
 */
public record NameEvent(Type type, String name, NameEntry entry) {
    /** What happened to a name. */
    public enum Type {
        /** The name was registered (or bound). */
        REGISTERED,
        /** The name was unregistered, or reclaimed after its owner died (or its session expired). */
        UNREGISTERED
    }

    public NameEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(entry, "entry");
    }
}
