package io.jipc.filelock;

/** The kind of an advisory file lock. */
public enum LockMode {
    /** Readers: any number of shared locks coexist; none while an exclusive lock is held. */
    SHARED,
    /** A writer: one exclusive lock at a time, and no shared lock beside it. */
    EXCLUSIVE
}
