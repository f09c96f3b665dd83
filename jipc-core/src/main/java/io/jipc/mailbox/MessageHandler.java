package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;

/**
 * Receives a message in place, without copying it out of the mailbox.
 *
 * <p>The segment is a view of shared memory that is valid only during the call; afterwards the
 * space is reused by senders. Copy what must outlive the call. The same segment object may be
 * handed out again for a later message (so that receiving in place from a mailbox of up to 64 KiB
 * allocates nothing in steady state): do not keep it or compare it by identity. A handler may
 * send, also to the mailbox it handles, but not receive from it ({@link IllegalStateException}).
 */
@FunctionalInterface
public interface MessageHandler {
    /** Called on the receiving thread, once per message, in mailbox order. */
    void onMessage(MemorySegment message);
}
