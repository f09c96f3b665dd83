package io.jipc.naming.local;

import io.jipc.naming.NameEntry;
import io.jipc.naming.spi.AbstractRegistration;

/**
 * A name of the local service held for this process's life. Nothing can take it from a live process
 * (only this process may unregister it), so {@link #lost()} is never completed here.
 */
final class LocalRegistration extends AbstractRegistration {
    private final LocalNameService service;

    LocalRegistration(LocalNameService service, NameEntry entry) {
        super(entry);
        this.service = service;
    }

    @Override
    public boolean isHeld() {
        return !isClosed() && service.holds(entry());
    }

    /**
     * Removes the name, or, if another process holds the name directory's lock for longer than a
     * removal waits, or this process lacks a descriptor for it ({@code EMFILE}), leaves it to a thread
     * of its own that removes it once the lock comes, or a descriptor ({@link LocalNameService#removeOwn}):
     * a close does not throw for that, and this process may register the name again at once.
     */
    @Override
    protected void removeName() {
        try {
            service.removeOwn(entry());
        } finally {
            service.forget(this);
        }
    }
}
