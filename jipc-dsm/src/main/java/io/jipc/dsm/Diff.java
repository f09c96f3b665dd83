package io.jipc.dsm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes a write section changed: ranges of a region, each with its new bytes, ascending and
 * disjoint. A writer makes one by comparing its replica with the twin it copied when the section
 * began ({@link #between}); the home and the other replicas {@linkplain #applyTo apply} it.
 *
 * <p>Encoded (big-endian): {@code count u32}, then per range {@code offset u32, length u32,
 * bytes[length]}. {@link #decode} checks every range against the region before anything is applied.
 * Ranges closer than {@link #GAP} bytes are merged: since at least {@code GAP} unchanged bytes
 * (more than a range header) separate two ranges, an encoded diff is at most {@code 12 + region size}
 * bytes (one range spanning the region).
 *
 * <p>Instances are immutable once made; the bytes may be shared with the frame they were decoded from.
 */
final class Diff {
    /** Equal bytes between two changed ones below which the ranges are merged (a range header is 8 bytes). */
    static final int GAP = 32;
    static final Diff EMPTY = new Diff(new byte[0], new int[0], new int[0], new int[0]);

    private final byte[] data;
    private final int[] offsets;
    private final int[] lengths;
    private final int[] positions;

    private Diff(byte[] data, int[] offsets, int[] lengths, int[] positions) {
        this.data = data;
        this.offsets = offsets;
        this.lengths = lengths;
        this.positions = positions;
    }

    /** The changes that turn {@code twin} into {@code now}; both the same size, at most 1 GiB. */
    static Diff between(MemorySegment now, MemorySegment twin) {
        long size = now.byteSize();
        if (twin.byteSize() != size || size > DsmOptions.MAX_REGION_SIZE) {
            throw new IllegalArgumentException("sizes " + size + " and " + twin.byteSize());
        }
        int[] starts = new int[8];
        int[] ends = new int[8];
        int count = 0;
        long pos = 0;
        while (pos < size) {
            long m = MemorySegment.mismatch(now, pos, size, twin, pos, size);
            if (m < 0) {
                break;
            }
            long start = pos + m;
            long end = start + 1;
            long i = end;
            while (i < size && i - end < GAP) {
                if (now.get(ValueLayout.JAVA_BYTE, i) != twin.get(ValueLayout.JAVA_BYTE, i)) {
                    end = i + 1;
                }
                i++;
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                ends = Arrays.copyOf(ends, count * 2);
            }
            starts[count] = (int) start;
            ends[count] = (int) end;
            count++;
            pos = end;
        }
        if (count == 0) {
            return EMPTY;
        }
        int bytes = 0;
        for (int k = 0; k < count; k++) {
            bytes += ends[k] - starts[k];
        }
        byte[] data = new byte[bytes];
        int[] offsets = new int[count];
        int[] lengths = new int[count];
        int[] positions = new int[count];
        int at = 0;
        for (int k = 0; k < count; k++) {
            offsets[k] = starts[k];
            lengths[k] = ends[k] - starts[k];
            positions[k] = at;
            MemorySegment.copy(now, ValueLayout.JAVA_BYTE, starts[k], data, at, lengths[k]);
            at += lengths[k];
        }
        return new Diff(data, offsets, lengths, positions);
    }

    /**
     * Reads a diff at the buffer's position up to its limit, which must be exactly the diff's end;
     * every range must lie within a region of {@code regionSize} bytes, ascending and disjoint. The
     * result shares the buffer's array (a heap buffer).
     *
     * @throws DsmProtocolException if anything is out of place; nothing is allocated before the
     *                              lengths were checked against the buffer
     */
    static Diff decode(ByteBuffer in, long regionSize) {
        if (in.remaining() < 4) {
            throw new DsmProtocolException("diff shorter than its count: " + in.remaining() + " bytes");
        }
        long count = Integer.toUnsignedLong(in.getInt());
        if (count > in.remaining() / 9) {
            throw new DsmProtocolException("diff announces " + count + " ranges in " + in.remaining() + " bytes");
        }
        int n = (int) count;
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        int[] positions = new int[n];
        long previousEnd = 0;
        for (int k = 0; k < n; k++) {
            if (in.remaining() < 8) {
                throw new DsmProtocolException("range " + k + " header cut short");
            }
            long offset = Integer.toUnsignedLong(in.getInt());
            long length = Integer.toUnsignedLong(in.getInt());
            if (length == 0) {
                throw new DsmProtocolException("range " + k + " is empty");
            }
            if (offset < previousEnd) {
                throw new DsmProtocolException("range " + k + " at " + offset + " overlaps or precedes the one ending at "
                        + previousEnd);
            }
            if (offset + length > regionSize) {
                throw new DsmProtocolException("range " + k + " [" + offset + ", " + (offset + length)
                        + ") outside the region of " + regionSize + " bytes");
            }
            if (length > in.remaining()) {
                throw new DsmProtocolException("range " + k + " of " + length + " bytes, " + in.remaining() + " left");
            }
            offsets[k] = (int) offset;
            lengths[k] = (int) length;
            positions[k] = in.arrayOffset() + in.position();
            in.position(in.position() + (int) length);
            previousEnd = offset + length;
        }
        if (in.hasRemaining()) {
            throw new DsmProtocolException(in.remaining() + " bytes after the last range");
        }
        return new Diff(in.array(), offsets, lengths, positions);
    }

    boolean isEmpty() {
        return offsets.length == 0;
    }

    /** How many ranges. */
    int count() {
        return offsets.length;
    }

    /** How many bytes the ranges cover. */
    long changedBytes() {
        long sum = 0;
        for (int length : lengths) {
            sum += length;
        }
        return sum;
    }

    int encodedSize() {
        return (int) (4 + 8L * offsets.length + changedBytes());
    }

    void encodeTo(ByteBuffer out) {
        out.putInt(offsets.length);
        for (int k = 0; k < offsets.length; k++) {
            out.putInt(offsets[k]).putInt(lengths[k]).put(data, positions[k], lengths[k]);
        }
    }

    void applyTo(MemorySegment region) {
        for (int k = 0; k < offsets.length; k++) {
            MemorySegment.copy(data, positions[k], region, ValueLayout.JAVA_BYTE, offsets[k], lengths[k]);
        }
    }

    void applyTo(byte[] region) {
        for (int k = 0; k < offsets.length; k++) {
            System.arraycopy(data, positions[k], region, offsets[k], lengths[k]);
        }
    }

    /** Range {@code k}: {@code [offset, offset + length)}. */
    long offset(int k) {
        return offsets[k];
    }

    long length(int k) {
        return lengths[k];
    }
}
