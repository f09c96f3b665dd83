package io.jipc.rpc;

import java.nio.ByteBuffer;

/** The interface of the stopped-client tests: large results that fill a reply mailbox, and a quick call. */
public interface Blobs {
    /** The length of a {@link #blob} unless the server chose another: four fill a default reply mailbox. */
    int SIZE = 60_000;

    /** Bytes that say {@code seq} ({@link #SIZE} of them, or as many as the server chose): see {@link #says}. */
    byte[] blob(int seq);

    int ping();

    /** What {@link #blob} returns for {@code seq}: {@link #of(int, int)} of {@link #SIZE} bytes. */
    static byte[] of(int seq) {
        return of(seq, SIZE);
    }

    /** {@code size} bytes (at least 4) saying {@code seq}: {@code seq} in the first four, its low byte in the rest. */
    static byte[] of(int seq, int size) {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, (byte) seq);
        ByteBuffer.wrap(bytes).putInt(0, seq);
        return bytes;
    }

    /** Whether {@code bytes} is what {@link #blob} returns for {@code seq}, of whatever length the server chose. */
    static boolean says(byte[] bytes, int seq) {
        return bytes.length >= 4 && java.util.Arrays.equals(bytes, of(seq, bytes.length));
    }
}
