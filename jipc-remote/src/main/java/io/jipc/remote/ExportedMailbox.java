package io.jipc.remote;

import io.jipc.JipcException;
import io.jipc.mailbox.Delivery;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.ReceivePolicy;

import io.jipc.platform.FileIdentity;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One mailbox a {@link MailboxGateway} serves: the gateway's handle of it, and how remote receives
 * take messages from it.
 *
 * <p><b>Acknowledged</b> (every receive policy but {@link ReceivePolicy#SHARED}): a remote receive
 * takes a {@link Delivery}, which leaves the message in the mailbox until the client acknowledges
 * it, so that it survives the gateway process. A process may hold one delivery per mailbox, so the
 * sessions take turns: one holds the <em>receive turn</em> from taking a delivery until it is
 * acknowledged or released; the others wait for it (fairly, parked, in slices their caller chooses).
 *
 * <p>A mailbox with {@linkplain ReceivePolicy#SHARED shared receivers} has no acknowledged mode, so
 * a message in flight to a remote client could not survive the gateway process: remote receives
 * from it are refused (sends are served). Such a mailbox is received from on its own host.
 *
 * <p><b>Identity and lifetime.</b> The handle belongs to the mailbox file the name referred to when
 * it was {@linkplain #open opened} (its device and inode). {@link #isCurrent()} tells whether the
 * name still refers to that file (one {@code stat}): a destroyed mailbox, or one created anew under
 * the name, is no longer current. Each session holds one reference from its {@code Open} to its
 * end (the first from the {@linkplain #open open}); the handle is to be closed when the last
 * reference goes ({@link #release()} returns true), so a session keeps the mailbox it opened, as a
 * local handle keeps a destroyed mailbox until closed, and the gateway process gives back the roles
 * it took in the mailbox (receiver, single sender) once no session uses it.
 *
 * <p>Thread-safe: each client session calls from its own virtual thread; a {@link Received} is
 * settled by the thread that polled it.
 */
final class ExportedMailbox implements AutoCloseable {
    final Mailbox mailbox;
    /** The name it was opened by (the gateway's key for it). */
    final String name;
    private final boolean acknowledged;
    /** Held by the session whose delivery is outstanding (acknowledged mode); fair: waiters in order. */
    private final Semaphore receiveTurn = new Semaphore(1, true);
    private final Path path;
    /** The identity (device and inode) of the file {@link #mailbox} maps. */
    private final Object fileKey;
    /** References: each session's; guarded by this. */
    private int references = 1;

    private ExportedMailbox(String name, Mailbox mailbox, Path path, Object fileKey) {
        this.name = name;
        this.mailbox = mailbox;
        this.acknowledged = mailbox.receivePolicy() != ReceivePolicy.SHARED;
        this.path = path;
        this.fileKey = fileKey;
    }

    /** How often {@link #open} tries before it gives up on a name whose file keeps changing under it. */
    static final int OPEN_ATTEMPTS = 8;

    /**
     * Opens the mailbox {@code name}, with one reference (the opening session's). The file's identity is read
     * before and after the open, and the open is repeated if they differ (the name was destroyed or
     * re-created meanwhile), so the identity kept is that of the file mapped: while the mapping
     * lives, no other file gets its inode. After {@value #OPEN_ATTEMPTS} attempts that all saw the file
     * change, or none there although the open succeeded (the mailbox's name record, {@code mailbox/NAME} in
     * the local name service, gives another file as its address: a foreign or stale record), it gives up
     * with a {@link JipcException} that says so; until 2026-12-07 it tried for good, a thread of the gateway
     * spinning on a CPU and the client's {@code Open} waiting for good ({@code GatewayExportAllTest}).
     * Each attempt blocks as {@link Mailbox#open(String)} does (up to 2 s for a mailbox still being created).
     *
     * @throws io.jipc.mailbox.MailboxNotFoundException if there is no such mailbox
     * @throws IllegalArgumentException                  if {@code name} is no mailbox name
     * @throws JipcException                             if the name does not stay on one mailbox file (above)
     */
    static ExportedMailbox open(String name) {
        Path path = Mailbox.path(name);
        boolean noFile = false;
        for (int attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
            Object before = fileKey(path);
            Mailbox mailbox = Mailbox.open(name);
            Object after = fileKey(path);
            if (after != null && after.equals(before)) {
                return new ExportedMailbox(name, mailbox, path, after);
            }
            mailbox.close(); // replaced while it was being opened: open what the name refers to now
            noFile = before == null && after == null;
        }
        throw new JipcException(noFile
                ? "its name record mailbox/" + name + " refers to a file other than " + path
                        + ", where there is none (a foreign or stale record): not served"
                : "the mailbox file " + path + " was replaced at each of " + OPEN_ATTEMPTS + " attempts to open it");
    }

    /** The identity (device and inode) of the file at {@code path} ({@link FileIdentity}); null if there is none. */
    private static Object fileKey(Path path) {
        try {
            return FileIdentity.of(path);
        } catch (UncheckedIOException unreadable) {
            return null; // treated as gone, and the next open reports why
        }
    }

    /** Whether the mailbox's name still refers to this mailbox (not destroyed, not replaced): one {@code stat}. */
    boolean isCurrent() {
        return fileKey.equals(fileKey(path));
    }

    /** One more reference (a session that opened the mailbox). */
    synchronized void retain() {
        references++;
    }

    /** One reference fewer; true when that was the last one: then the caller closes the handle. */
    synchronized boolean release() {
        return --references == 0;
    }

    /** A message handed to a client: settle it exactly once, from the thread that polled it. */
    interface Received {
        byte[] payload();

        /** The priority level the message was sent at. */
        int priority();

        /** The client has it ({@code true}: gone from the mailbox) or not (the next receive gets it). */
        void settle(boolean acknowledgedByClient);
    }

    /**
     * The next message for a remote receive, waiting at most {@code slice} (zero: only what is there
     * now, and only if no other session's delivery is outstanding); null if none.
     *
     * @throws io.jipc.mailbox.MailboxBusyException if another process receives from the mailbox
     * @throws JipcException                         if the mailbox has shared receivers (see above)
     */
    Received poll(Duration slice) throws InterruptedException {
        if (!acknowledged) {
            throw new JipcException("mailbox '" + mailbox.name() + "' has shared receivers, which have no"
                    + " acknowledged delivery: a message in flight to a remote receiver could be lost with the"
                    + " gateway, so it is received from on its own host only");
        }
        return pollDelivery(slice);
    }

    private Received pollDelivery(Duration slice) throws InterruptedException {
        long end = System.nanoTime() + slice.toNanos();
        if (!receiveTurn.tryAcquire(slice.toNanos(), TimeUnit.NANOSECONDS)) {
            return null;
        }
        Delivery delivery = null;
        try {
            long left = end - System.nanoTime();
            delivery = left > 0 ? mailbox.pollDelivery(Duration.ofNanos(left)) : mailbox.pollDelivery();
        } finally {
            if (delivery == null) {
                receiveTurn.release();
            }
        }
        return delivery == null ? null : new DeliveryReceived(delivery);
    }

    /** Acknowledged mode: the message stays in the mailbox until the client's acknowledgement. */
    private final class DeliveryReceived implements Received {
        private final Delivery delivery;

        DeliveryReceived(Delivery delivery) {
            this.delivery = delivery;
        }

        @Override
        public byte[] payload() {
            return delivery.payload();
        }

        @Override
        public int priority() {
            return delivery.priority();
        }

        @Override
        public void settle(boolean acknowledgedByClient) {
            try {
                if (acknowledgedByClient) {
                    delivery.ack();
                } else {
                    delivery.release();
                }
            } catch (RuntimeException e) {
                // a handle closed by the gateway's close: the message is still at the mailbox's head
                if (!mailbox.isClosed()) {
                    throw e;
                }
            } finally {
                receiveTurn.release();
            }
        }
    }

    @Override
    public void close() {
        mailbox.close();
    }
}
