package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;

/**
 * Checks a caller's message memory (a {@code MemorySegment}, or a {@code ByteBuffer} as a segment)
 * before a send claims room for it or a receive consumes a message into it: memory of a closed
 * arena, or of a confined arena of another thread, fails here with the exception the JDK would
 * throw on the access, while nothing has been sent or received yet. The check reads two plain
 * fields of the segment's arena, which the copy reads again; heap arrays always pass.
 *
 * <p>Any thread may call it. An arena closed by another thread right after the check can still
 * make the copy fail: the sends then abort their claim, the receives into a buffer leave the
 * message in the mailbox.
 */
final class MessageMemory {
    private MessageMemory() {
    }

    /**
     * Fails if the calling thread cannot access {@code memory} now.
     *
     * @param outcome what the failure leaves behind, for the message ("nothing was sent")
     * @throws java.lang.WrongThreadException if {@code memory} is of a confined arena of another thread
     * @throws IllegalStateException          if {@code memory}'s arena is closed
     */
    static void requireAccessible(MemorySegment memory, String outcome) {
        if (!memory.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("Attempted access outside owning thread: the message's memory is of a"
                    + " confined arena of another thread; " + outcome);
        }
        if (!memory.scope().isAlive()) {
            throw new IllegalStateException("Already closed: the message's memory is of a closed arena; " + outcome);
        }
    }
}
