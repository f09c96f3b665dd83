package io.jipc.rpc;

import java.nio.ByteBuffer;

/** The interface of the stopped-client tests: large results that fill a reply mailbox, and a quick call. */
public interface Blobs {
    /** The length of every {@link #blob}: four of them fill a default reply mailbox (4 × 64 KiB). */
    int SIZE = 60_000;

    /** {@link #SIZE} bytes that say {@code seq}: see {@link #says}. */
    byte[] blob(int seq);

    int ping();

    /** What {@link #blob} returns for {@code seq}: {@code seq} in its first four bytes, its low byte in the rest. */
    static byte[] of(int seq) {
        byte[] bytes = new byte[SIZE];
        java.util.Arrays.fill(bytes, (byte) seq);
        ByteBuffer.wrap(bytes).putInt(0, seq);
        return bytes;
    }

    /** Whether {@code bytes} is what {@link #blob} returns for {@code seq}. */
    static boolean says(byte[] bytes, int seq) {
        return java.util.Arrays.equals(bytes, of(seq));
    }
}
