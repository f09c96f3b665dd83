package io.jipc.naming;

import java.util.concurrent.CompletableFuture;

/**
 * A name held by this process for as long as it lives ({@link NameService#register}). Closing it
 * unregisters the name; so does closing the {@link NameService} and the death of the process.
 */
public interface Registration extends AutoCloseable {
    /** The entry as registered. */
    NameEntry entry();

    /** The name. */
    default String name() {
        return entry().name();
    }

    /** Whether the name is still held by this registration. */
    boolean isHeld();

    /**
     * Completed with the reason when the name is lost while this registration was open: with the
     * ZooKeeper backend, when the session expired and another owner took the name before it could be
     * registered again ({@link NameTakenException}), or the name could not be re-registered at all.
     * Never completed by {@link #close()} or {@link NameService#unregister}.
     */
    CompletableFuture<NamingException> lost();

    /** Unregisters the name if this registration still holds it. Idempotent. */
    @Override
    void close();
}
