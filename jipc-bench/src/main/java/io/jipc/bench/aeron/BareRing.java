package io.jipc.bench.aeron;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A minimal single-producer, single-consumer record ring with a configurable header length and
 * record alignment: a probe of how the record layout alone changes a cross-process round trip, with
 * nothing else on the path. <b>Not a product ring</b>: it has no flow control (the ping-pong of
 * {@link Interleaved} has one message in flight, so the producer never laps the consumer), no
 * crash handling and no validation of what it reads.
 *
 * <p>Layout, in a zeroed region of {@code 2^n} bytes: records start at multiples of the alignment;
 * a record is a header of {@code H} bytes (commit word: position + 1, a long at 0; payload length,
 * a long at 8, -1 for padding) and the payload. The producer writes length and payload, then the
 * commit word with a release store; the consumer polls the commit word of the record at its position
 * with an acquire load. A record that does not fit before the end of the region is preceded by a
 * padding record that fills it.
 *
 * <p>One producer thread and one consumer thread (in any processes); each end keeps its position
 * in its own process.
 */
final class BareRing {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /**
     * Header bytes (at least 16, a multiple of 8) and record alignment (a power of two, at least 16,
     * so that the room left before the end of the region always holds a padding record's header).
     */
    record Layout(int header, int alignment) {
        Layout {
            if (header < 16 || header % 8 != 0 || header > 4096) {
                throw new IllegalArgumentException("bare ring header of " + header
                        + " bytes: a multiple of 8 from 16 to 4096");
            }
            if (alignment < 16 || Integer.bitCount(alignment) != 1 || alignment > 4096) {
                throw new IllegalArgumentException("bare ring alignment of " + alignment
                        + ": a power of two from 16 to 4096");
            }
        }

        /** Parses {@code H:A}. */
        static Layout parse(String text) {
            String[] f = text.split(":", -1);
            if (f.length != 2) {
                throw new IllegalArgumentException("bare ring layout '" + text + "': expected H:A, e.g. 16:64");
            }
            try {
                return new Layout(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bare ring layout '" + text + "': H and A must be numbers");
            }
        }

        /** Bytes a record with {@code payload} bytes takes. */
        long recordLength(int payload) {
            return (header + (long) payload + alignment - 1) & -alignment;
        }
    }

    /** Receives a record's payload in place. */
    interface Handler {
        void onRecord(MemorySegment buffer, long offset, int length);
    }

    private final MemorySegment data;
    private final Layout layout;
    private final long capacity;
    private final long mask;
    private long position;

    /** @param data a zeroed region of a power-of-two size, at least twice the largest record */
    BareRing(MemorySegment data, Layout layout) {
        if (Long.bitCount(data.byteSize()) != 1) {
            throw new IllegalArgumentException("bare ring of " + data.byteSize() + " bytes: a power of two");
        }
        this.data = data;
        this.layout = layout;
        this.capacity = data.byteSize();
        this.mask = capacity - 1;
    }

    /** Producer: appends a record with {@code length} bytes of {@code source} from {@code offset}. */
    void offer(MemorySegment source, long offset, int length) {
        long p = position;
        long index = p & mask;
        long recordLength = layout.recordLength(length);
        if (index + recordLength > capacity) {
            data.set(ValueLayout.JAVA_LONG, index + 8, -1L);
            LONG.setRelease(data, index, p + 1);
            p += capacity - index;
            index = 0;
        }
        data.set(ValueLayout.JAVA_LONG, index + 8, length);
        MemorySegment.copy(source, offset, data, index + layout.header(), length);
        LONG.setRelease(data, index, p + 1);
        position = p + recordLength;
    }

    /** Consumer: hands the next committed record to {@code handler}; false if there is none. */
    boolean poll(Handler handler) {
        long p = position;
        long index = p & mask;
        if ((long) LONG.getAcquire(data, index) != p + 1) {
            return false;
        }
        long length = data.get(ValueLayout.JAVA_LONG, index + 8);
        if (length < 0) { // padding to the end of the region
            p += capacity - index;
            position = p;
            index = 0;
            if ((long) LONG.getAcquire(data, index) != p + 1) {
                return false;
            }
            length = data.get(ValueLayout.JAVA_LONG, index + 8);
        }
        position = p + layout.recordLength((int) length);
        handler.onRecord(data, index + layout.header(), (int) length);
        return true;
    }
}
