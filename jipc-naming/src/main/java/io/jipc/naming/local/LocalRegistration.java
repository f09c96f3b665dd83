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

    @Override
    protected void removeName() {
        try {
            service.removeIfStill(entry());
        } finally {
            service.forget(this);
        }
    }
}
