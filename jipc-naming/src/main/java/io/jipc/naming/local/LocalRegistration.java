package io.jipc.naming.local;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NamingException;
import io.jipc.naming.Registration;

import java.util.concurrent.CompletableFuture;

/**
 * A name of the local service held for this process's life. Nothing can take it from a live process
 * (only this process may unregister it), so {@link #lost()} is never completed here.
 */
final class LocalRegistration implements Registration {
    private final LocalNameService service;
    private final NameEntry entry;
    private final CompletableFuture<NamingException> lost = new CompletableFuture<>();
    private volatile boolean closed;

    LocalRegistration(LocalNameService service, NameEntry entry) {
        this.service = service;
        this.entry = entry;
    }

    @Override
    public NameEntry entry() {
        return entry;
    }

    @Override
    public boolean isHeld() {
        return !closed && service.holds(entry);
    }

    @Override
    public CompletableFuture<NamingException> lost() {
        return lost;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            service.remove(entry);
        } finally {
            service.forget(this);
        }
    }

    @Override
    public String toString() {
        return "registration of '" + entry.name() + "'" + (closed ? " (closed)" : "");
    }
}
