package io.jipc.mailbox.processes;

import io.jipc.mailbox.MessageHandler;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Receives test {@link Messages}, verifies each byte, and checks that every sender (producer and
 * thread) delivers its sequence 0, 1, 2, ... exactly once and in order.
 */
final class Tally implements MessageHandler {
    private final int maxBody;
    private final Map<Long, Long> next = new HashMap<>();
    private long total;

    Tally(int maxBody) {
        this.maxBody = maxBody;
    }

    @Override
    public void onMessage(MemorySegment message) {
        Messages.verify(message, maxBody);
        long sender = key(Messages.producer(message), Messages.thread(message));
        long expected = next.getOrDefault(sender, 0L);
        long sequence = Messages.sequence(message);
        if (sequence != expected) {
            throw new AssertionError("sender " + Messages.producer(message) + "/" + Messages.thread(message)
                    + ": got message " + sequence + ", expected " + expected
                    + (sequence < expected ? " (duplicate or reordered)" : " (messages lost)"));
        }
        next.put(sender, expected + 1);
        total++;
    }

    /** How many messages of this sender arrived (= the next sequence expected). */
    long received(int producer, int thread) {
        return next.getOrDefault(key(producer, thread), 0L);
    }

    long total() {
        return total;
    }

    private static long key(int producer, int thread) {
        return ((long) producer << 32) | thread;
    }
}
