package io.jipc.cli.ls;

import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Removes one object found by the inventory: unlinks its name, the way its own API does
 * ({@code Mailbox.destroy}, which also drops the mailbox's binding in the name service;
 * {@code UnboundedMailbox.destroy}, its control and segment files; the file of a
 * region, buffer, sync object or durable mailbox; a FIFO; {@code mq_unlink}; the name service's
 * unregister).
 * Processes that still map or hold the object keep using it; nobody can open it by name anymore.
 *
 * <p>The caller decides whether removal is allowed ({@link ObjectRow#users()}, {@link ObjectRow#stale()});
 * this class only removes.
 */
public final class Removal {
    private Removal() {
    }

    /** Whether an object of this row's kind can be removed at all (an anonymous region has no name). */
    public static boolean removable(ObjectRow row) {
        return !row.kind().equals("anonymous-region");
    }

    /**
     * Removes the object; false if it was gone already.
     *
     * @throws JipcException            if the kernel or the name service refuses (permissions, a live owner's name)
     * @throws IllegalArgumentException if the object has no name to remove
     */
    public static boolean remove(ObjectRow row) {
        if (row.uri().startsWith("mailbox:")) {
            return Mailbox.destroy(row.uri().substring("mailbox:".length())); // also drops its name binding
        }
        if (row.uri().startsWith("unbounded:")) {
            return UnboundedMailbox.destroy(row.uri().substring("unbounded:".length())); // control and segment files
        }
        return switch (row.kind()) {
            case "mq" -> PosixMessageQueue.unlink(row.uri().substring("mq:".length()));
            case "name" -> {
                try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                    yield names.unregister(row.uri().substring("name:".length()));
                }
            }
            case "anonymous-region" -> throw new IllegalArgumentException(row.uri()
                    + " has no name: it goes when the last process unmaps it");
            default -> unlink(Path.of(row.path()));
        };
    }

    private static boolean unlink(Path path) {
        try {
            return Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new JipcException("cannot remove " + path + ": " + e, e);
        }
    }
}
