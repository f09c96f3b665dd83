package io.jipc.shm;

import java.util.function.IntConsumer;

/**
 * The lecture's circular buffer, exactly as on the slides, over a shared region: {@code in} and
 * {@code out} indices and a buffer of longs, with plain accesses and no claim. A {@code pause}
 * callback runs right after an index is read, so that a test can interleave two processes at the
 * point where the race lies.
 *
 * <pre>
 * while (((in + 1) % BUFFER_SIZE) == out) ;   // full          while (in == out) ;   // empty
 * buffer[in] = nextProduced;                                  nextConsumed = buffer[out];
 * in = (in + 1) % BUFFER_SIZE;                                out = (out + 1) % BUFFER_SIZE;
 * </pre>
 */
final class SeedRing {
    static final int IN = 0;
    static final int OUT = 64;
    static final int BUFFER = 128;
    static final int BUFFER_SIZE = 8;
    static final long BYTES = BUFFER + 8L * BUFFER_SIZE;

    private final Region region;

    SeedRing(Region region) {
        this.region = region;
    }

    void put(long nextProduced, IntConsumer pause) {
        int in;
        while (((in = region.getIntVolatile(IN)) + 1) % BUFFER_SIZE == region.getIntVolatile(OUT)) {
            Thread.onSpinWait(); // do nothing ... buffer is full
        }
        pause.accept(in);
        region.setLong(BUFFER + 8L * in, nextProduced);
        region.setIntVolatile(IN, (in + 1) % BUFFER_SIZE);
    }

    long take(IntConsumer pause) {
        int out;
        while ((out = region.getIntVolatile(OUT)) == region.getIntVolatile(IN)) {
            Thread.onSpinWait(); // do nothing ... buffer is empty
        }
        pause.accept(out);
        long nextConsumed = region.getLong(BUFFER + 8L * out);
        region.setIntVolatile(OUT, (out + 1) % BUFFER_SIZE);
        return nextConsumed;
    }

    /** Items between out and in. */
    int size() {
        return Math.floorMod(region.getIntVolatile(IN) - region.getIntVolatile(OUT), BUFFER_SIZE);
    }
}
