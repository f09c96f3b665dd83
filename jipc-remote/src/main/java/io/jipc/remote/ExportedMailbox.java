package io.jipc.remote;

import io.jipc.mailbox.Delivery;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.ReceivePolicy;

import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
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
 * <p><b>Held</b> (shared receivers, which have no acknowledged mode): a remote receive takes the
 * message out of the mailbox; a message whose client went away unacknowledged is kept here and
 * given to the next receive of any client first; {@link #flushReturned()} puts such messages back
 * into the mailbox when the gateway closes. A gateway killed while a message is in flight loses it.
 *
 * <p>Thread-safe: each client session calls from its own virtual thread; a {@link Received} is
 * settled by the thread that polled it.
 */
final class ExportedMailbox implements AutoCloseable {
    final Mailbox mailbox;
    private final boolean acknowledged;
    /** Held by the session whose delivery is outstanding (acknowledged mode); fair: waiters in order. */
    private final Semaphore receiveTurn = new Semaphore(1, true);
    /** Messages of lost clients, delivered again first (held mode). */
    private final Deque<byte[]> unacknowledged = new ConcurrentLinkedDeque<>();

    ExportedMailbox(Mailbox mailbox) {
        this.mailbox = mailbox;
        this.acknowledged = mailbox.receivePolicy() != ReceivePolicy.SHARED;
    }

    /** A message handed to a client: settle it exactly once, from the thread that polled it. */
    interface Received {
        byte[] payload();

        /** The client has it ({@code true}: gone from the mailbox) or not (the next receive gets it). */
        void settle(boolean acknowledgedByClient);
    }

    /**
     * The next message for a remote receive, waiting at most {@code slice} (zero: only what is there
     * now, and only if no other session's delivery is outstanding); null if none.
     *
     * @throws io.jipc.mailbox.MailboxBusyException if another process receives from the mailbox
     */
    Received poll(Duration slice) throws InterruptedException {
        return acknowledged ? pollDelivery(slice) : pollHeld(slice);
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

    private Received pollHeld(Duration slice) throws InterruptedException {
        byte[] message = unacknowledged.pollFirst();
        if (message == null) {
            message = slice.isZero() ? mailbox.poll() : mailbox.poll(slice);
        }
        return message == null ? null : new HeldReceived(message);
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

    /** Held mode: the message left the mailbox; without an acknowledgement it is kept for the next receive. */
    private final class HeldReceived implements Received {
        private final byte[] message;

        HeldReceived(byte[] message) {
            this.message = message;
        }

        @Override
        public byte[] payload() {
            return message;
        }

        @Override
        public void settle(boolean acknowledgedByClient) {
            if (!acknowledgedByClient) {
                unacknowledged.addFirst(message);
            }
        }
    }

    /**
     * Puts messages still held back into the mailbox itself (after its current messages) so that
     * they survive the gateway; returns how many did not fit and were dropped. (Held mode only:
     * unacknowledged deliveries never left the mailbox.)
     */
    int flushReturned() {
        int dropped = 0;
        for (byte[] m; (m = unacknowledged.pollFirst()) != null; ) {
            if (!mailbox.offer(m)) {
                dropped++;
            }
        }
        return dropped;
    }

    @Override
    public void close() {
        mailbox.close();
    }
}
