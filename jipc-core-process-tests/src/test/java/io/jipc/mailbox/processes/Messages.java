package io.jipc.mailbox.processes;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Self-checking test messages: {@code [producer:int][thread:int][sequence:long][body...]} where
 * every body byte is a function of (producer, thread, sequence, index), so a receiver can verify
 * a message exactly without any shared state.
 */
final class Messages {
    static final int HEADER = 16;

    private Messages() {
    }

    /** Length of message {@code sequence} of a sender: 16..16+maxBody, varying pseudo-randomly. */
    static int length(int producer, int thread, long sequence, int maxBody) {
        return HEADER + (int) Long.remainderUnsigned(mix(producer, thread, sequence, -1), maxBody + 1L);
    }

    static void write(MemorySegment target, int producer, int thread, long sequence, int length) {
        target.set(ValueLayout.JAVA_INT_UNALIGNED, 0, producer);
        target.set(ValueLayout.JAVA_INT_UNALIGNED, 4, thread);
        target.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, sequence);
        for (int i = HEADER; i < length; i++) {
            target.set(ValueLayout.JAVA_BYTE, i, body(producer, thread, sequence, i));
        }
    }

    static int producer(MemorySegment message) {
        return message.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
    }

    static int thread(MemorySegment message) {
        return message.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
    }

    static long sequence(MemorySegment message) {
        return message.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
    }

    /** Throws if {@code message} is not exactly what its sender wrote. */
    static void verify(MemorySegment message, int maxBody) {
        if (message.byteSize() < HEADER) {
            throw new AssertionError("message of " + message.byteSize() + " bytes has no header");
        }
        int producer = producer(message);
        int thread = thread(message);
        long sequence = sequence(message);
        int expected = length(producer, thread, sequence, maxBody);
        if (message.byteSize() != expected) {
            throw new AssertionError("message " + producer + "/" + thread + "/" + sequence + " has "
                    + message.byteSize() + " bytes, sent " + expected);
        }
        for (int i = HEADER; i < expected; i++) {
            if (message.get(ValueLayout.JAVA_BYTE, i) != body(producer, thread, sequence, i)) {
                throw new AssertionError("message " + producer + "/" + thread + "/" + sequence
                        + " differs at byte " + i);
            }
        }
    }

    private static byte body(int producer, int thread, long sequence, int index) {
        return (byte) (mix(producer, thread, sequence, index) >>> 56);
    }

    private static long mix(int producer, int thread, long sequence, int index) {
        long z = sequence * 0x9E3779B97F4A7C15L + ((long) producer << 40) + ((long) thread << 20) + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
