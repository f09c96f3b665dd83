package io.jipc.signals;

/** What the kernel does when a signal arrives at a process that neither handles nor ignores it (signal(7)). */
public enum DefaultAction {
    /** The process is killed; its parent sees "killed by signal N". */
    TERMINATE,
    /** The process is killed and may leave a core dump; its parent sees "killed by signal N (core dumped)". */
    CORE_DUMP,
    /** Nothing happens. */
    IGNORE,
    /** The process is stopped (state {@code T}) until it receives {@code SIGCONT}; its parent may be told. */
    STOP,
    /** A stopped process resumes; a running one is not affected. */
    CONTINUE
}
