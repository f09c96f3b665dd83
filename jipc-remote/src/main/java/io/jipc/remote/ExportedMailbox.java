package io.jipc.remote;

import io.jipc.mailbox.Mailbox;

import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * One mailbox a {@link MailboxGateway} serves: the gateway's handle of it, and the messages taken
 * from it for a client that went away before acknowledging them, which the next receive of any
 * client gets first (oldest first), before the mailbox's own messages.
 */
final class ExportedMailbox implements AutoCloseable {
    final Mailbox mailbox;
    private final Deque<byte[]> unacknowledged = new ConcurrentLinkedDeque<>();

    ExportedMailbox(Mailbox mailbox) {
        this.mailbox = mailbox;
    }

    /** A message handed back by a lost client, to be delivered again first; null if none. */
    byte[] pollReturned() {
        return unacknowledged.pollFirst();
    }

    /** Keeps a message whose delivery was not acknowledged, ahead of the ones returned after it. */
    void returnUnacknowledged(byte[] message) {
        unacknowledged.addFirst(message);
    }

    /**
     * Puts messages still held back into the mailbox itself (after its current messages) so that
     * they survive the gateway; returns how many did not fit and were dropped.
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
