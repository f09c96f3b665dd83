package io.jipc.naming;

/**
 * The name service could not take a lock it needs for a removal in time: another process held it all
 * that while (the local service's directory lock, which jipc processes hold for a few system calls:
 * its holder was stopped while it removed a name, Ctrl-Z or a debugger). Nothing was removed; the
 * same call may succeed once that process runs again (or dies: the kernel drops its lock). A caller
 * that removes the name of an object it has already destroyed may leave it: a stale name is replaced
 * by the next create of the name, and {@code jipc gc} removes it.
 */
public class NameServiceBusyException extends NamingException {
    private static final long serialVersionUID = 1L;

    public NameServiceBusyException(String message) {
        super(message);
    }
}
