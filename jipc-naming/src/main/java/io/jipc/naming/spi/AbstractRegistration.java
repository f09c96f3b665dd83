package io.jipc.naming.spi;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NamingException;
import io.jipc.naming.Registration;

import java.util.concurrent.CompletableFuture;

/** The parts of a {@link Registration} every backend shares: the entry, {@link #lost()}, closing once. */
public abstract class AbstractRegistration implements Registration {
    private final NameEntry entry;
    private final CompletableFuture<NamingException> lost = new CompletableFuture<>();
    private boolean closed;

    protected AbstractRegistration(NameEntry entry) {
        this.entry = entry;
    }

    @Override
    public final NameEntry entry() {
        return entry;
    }

    @Override
    public final CompletableFuture<NamingException> lost() {
        return lost;
    }

    /** Whether {@link #close()} (or {@link #markClosed()}) ran. */
    protected final synchronized boolean isClosed() {
        return closed;
    }

    /** Marks this registration closed; returns whether it was open. */
    protected final synchronized boolean markClosed() {
        boolean wasOpen = !closed;
        closed = true;
        return wasOpen;
    }

    /** Removes the name if it still holds this registration's entry; called once, by {@link #close()}. */
    protected abstract void removeName();

    @Override
    public final void close() {
        if (markClosed()) {
            removeName();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + " of '" + entry.name() + "'" + (isClosed() ? " (closed)" : "");
    }
}
