package io.jipc.naming;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered name as a lookup sees it.
 *
 * @param name         the name
 * @param record       what it stands for
 * @param owner        who registered it
 * @param lifetime     whether it ends with its owner
 * @param registeredAt when it was registered (the owner's clock)
 * @param serial       a random number drawn at registration: two registrations of one name differ
 * @param liveness     whether the owner ran when the entry was read
 */
public record NameEntry(String name, NameRecord record, NameOwner owner, Lifetime lifetime, Instant registeredAt,
                        long serial, Liveness liveness) {
    public NameEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(registeredAt, "registeredAt");
        Objects.requireNonNull(liveness, "liveness");
    }

    /** Whether the owner was known to run when this entry was read. */
    public boolean alive() {
        return liveness == Liveness.ALIVE;
    }

    /** This entry with another liveness. */
    public NameEntry withLiveness(Liveness now) {
        return now == liveness ? this : new NameEntry(name, record, owner, lifetime, registeredAt, serial, now);
    }

    /** Whether {@code other} is the same registration (same name and serial), whatever its liveness. */
    public boolean sameRegistration(NameEntry other) {
        return other != null && name.equals(other.name) && serial == other.serial;
    }
}
