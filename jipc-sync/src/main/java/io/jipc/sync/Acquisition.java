package io.jipc.sync;

/**
 * The outcome of acquiring a {@link ProcessMutex} or a permit of a {@link ProcessSemaphore}.
 *
 * <p>{@link #OWNER_DIED} is the cross-process counterpart of {@code EOWNERDEAD} of a robust POSIX
 * mutex: the caller <em>has</em> acquired the object, but a process died while holding it (or a
 * permit of it), so the data it protects may be half-updated. The caller repairs the data, then calls
 * {@code markConsistent()}; until somebody does, every acquisition reports {@link #OWNER_DIED}.
 */
public enum Acquisition {
    /** Acquired; no holder has died since the object was last marked consistent. */
    ACQUIRED,
    /**
     * Acquired, but a holder died since the object was last marked consistent: repair the protected
     * data, then call {@code markConsistent()}.
     */
    OWNER_DIED,
    /** Not acquired: returned only by the {@code try} variants (nothing available, or the timeout passed). */
    NOT_ACQUIRED;

    /** Whether the caller now holds the object ({@link #ACQUIRED} or {@link #OWNER_DIED}). */
    public boolean acquired() {
        return this != NOT_ACQUIRED;
    }

    static Acquisition of(boolean consistent) {
        return consistent ? ACQUIRED : OWNER_DIED;
    }
}
