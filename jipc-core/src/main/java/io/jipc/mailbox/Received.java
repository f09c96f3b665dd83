package io.jipc.mailbox;

import io.jipc.platform.ProcessIdentity;

/**
 * What a truncating receive of direct communication ({@link Endpoint#receive(ProcessIdentity,
 * java.nio.ByteBuffer)}, lecture 004's {@code receive(from, msg, sz)}) received: from whom, how long
 * the message was, and how much of it was copied into the caller's buffer.
 *
 * @param sender the sending process (the lecture's {@code from}, filled in)
 * @param length the message's whole length in bytes, as it was sent
 * @param copied the bytes copied into the buffer: {@code length}, or less if it was truncated
 */
public record Received(ProcessIdentity sender, int length, int copied) {
    public Received {
        if (copied < 0 || copied > length) {
            throw new IllegalArgumentException("copied " + copied + " of a " + length + "-byte message");
        }
    }

    /** Whether the message did not fit and its end was discarded. */
    public boolean truncated() {
        return copied < length;
    }
}
