package io.jipc.sync;

import io.jipc.CorruptSegmentException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Checks shared by every slot format: placement, and the tag that names the kind and is written last. */
final class Slots {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** Offset of the tag in every slot. */
    static final long TAG_OFFSET = 0;
    /** Every slot's alignment. */
    static final long ALIGNMENT = 8;

    private Slots() {
    }

    /** The tag for four ASCII characters, as stored. */
    static int tag(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != 4) {
            throw new IllegalArgumentException("tag must be 4 ASCII characters: " + text);
        }
        return (bytes[0] & 0xFF) | (bytes[1] & 0xFF) << 8 | (bytes[2] & 0xFF) << 16 | (bytes[3] & 0xFF) << 24;
    }

    /** The characters of a tag, non-printable ones as {@code ?}. */
    static String text(int tag) {
        StringBuilder sb = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            int b = (tag >>> (8 * i)) & 0xFF;
            sb.append(b >= 0x20 && b < 0x7F ? (char) b : '?');
        }
        return sb.toString();
    }

    /** Checks that {@code slot} is native memory of at least {@code length} bytes, 8-byte aligned. */
    static void checkPlacement(MemorySegment slot, long length, String what) {
        if (!Objects.requireNonNull(slot, "slot").isNative()) {
            throw new IllegalArgumentException(what + " slot must be native (shared) memory, not a heap segment");
        }
        if (slot.address() % ALIGNMENT != 0) {
            throw new IllegalArgumentException(what + " slot at 0x" + Long.toHexString(slot.address())
                    + " is not " + ALIGNMENT + "-byte aligned");
        }
        if (slot.byteSize() < length) {
            throw new IllegalArgumentException(what + " slot of " + slot.byteSize() + " bytes is shorter than "
                    + length);
        }
    }

    /** Zeroes the slot's first {@code length} bytes (the tag last stays 0 until {@link #publish}). */
    static void clear(MemorySegment slot, long length) {
        slot.asSlice(0, length).fill((byte) 0);
    }

    /** Stores the tag with release semantics: the slot is formatted. */
    static void publish(MemorySegment slot, int tag) {
        INT.setRelease(slot, TAG_OFFSET, tag);
    }

    /**
     * The first {@code length} bytes of {@code slot}, after checking its placement and its tag.
     *
     * @throws CorruptSegmentException if the slot does not hold a formatted {@code what}
     */
    static MemorySegment attach(MemorySegment slot, long length, int tag, String what) {
        checkPlacement(slot, length, what);
        requireTag(slot, tag, what);
        return slot.asSlice(0, length);
    }

    /** Checks the slot's tag with an acquire load. */
    static void requireTag(MemorySegment slot, int tag, String what) {
        int found = (int) INT.getAcquire(slot, TAG_OFFSET);
        if (found != tag) {
            throw new CorruptSegmentException("the slot holds no " + what
                    + (found == 0 ? " (not formatted)" : " (tag '" + text(found) + "', expected '" + text(tag) + "')"));
        }
    }
}
