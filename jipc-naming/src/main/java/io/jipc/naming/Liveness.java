package io.jipc.naming;

/** Whether the process that registered a name still runs, as far as the backend can tell. */
public enum Liveness {
    /** It runs (a stopped process runs too: it may resume). */
    ALIVE,
    /** It has exited (its pid is gone, is a zombie, or belongs to a later process). */
    DEAD,
    /** It is on another host and its name is persistent, so nothing here can tell. */
    UNKNOWN
}
