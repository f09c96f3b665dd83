package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;

/**
 * The views of received messages that a receiving thread hands to {@link MessageHandler}s, reused
 * so that receiving in place from a small ring allocates nothing once the ring has gone round once.
 *
 * <p>A view is a slice of a ring's buffer: {@code (offset, length)}. Records start at multiples of
 * 16 bytes and come back to the same offsets lap after lap, so the view of a message at an offset,
 * of a length, is kept in a table with one slot per 16 bytes of the buffer, and handed out again
 * for the next message there of the same length; a slot whose view does not match (another
 * length, another buffer of the same size, e.g. another priority level) gets a new one. Without
 * this, a handler that passes the message on (a forward, an echo: the view escapes into another
 * mailbox's {@code offer}, a call the JIT does not inline) costs a new 40-byte object per message
 * and a young collection (a pause of up to milliseconds) every few hundred thousand messages; the
 * median round trip of a ping-pong was the same either way (docs/benchmarks.md, "Reused message
 * views").
 *
 * <p>Only buffers of up to {@value #MAX_COVERED_BYTES} bytes are covered (4096 slots: two 16 KiB
 * tables, the views and the buffers they were sliced from): a larger ring's offsets come back too
 * rarely to be worth a larger table; its views are fresh slices that the caller makes itself
 * ({@link InPlaceAdapter}), where escape analysis can remove them. The tables are made on first
 * use, sized for the first buffer, so that a process that only sends pays nothing.
 *
 * <p>Handing out the same object for several messages is allowed by {@link MessageHandler}'s
 * contract: a view is valid only during the handler's call, and the bytes it shows belong to the
 * ring, which senders overwrite afterwards anyway.
 *
 * <p>Who may call: the thread in the mailbox's receiving role (one at a time; the role's gate
 * orders one holder's use before the next's).
 */
final class MessageViews {
    /** The largest buffer whose views are kept. */
    static final long MAX_COVERED_BYTES = 64 * 1024;
    /** Record starts are multiples of this many bytes ({@code RecordDescriptor.ALIGNMENT}). */
    private static final int GRANULE_SHIFT = 4;
    private static final MemorySegment[] NOT_COVERED = new MemorySegment[0];

    private MemorySegment[] views;
    /** The buffer each kept view was sliced from (compared by identity). */
    private MemorySegment[] owners;

    /**
     * The view of {@code length} bytes of {@code buffer} at {@code offset}: a kept one if it matches
     * (the same buffer object, address and length: a buffer mapped where a closed one was, as
     * segments of an {@link UnboundedMailbox} can be, must not get a view that belongs to the
     * closed one), else a new one.
     */
    MemorySegment view(MemorySegment buffer, long offset, int length) {
        MemorySegment[] table = views;
        long slot = offset >>> GRANULE_SHIFT;
        if (table != null && slot < table.length) {
            MemorySegment kept = table[(int) slot];
            if (kept != null && owners[(int) slot] == buffer && kept.address() == buffer.address() + offset
                    && kept.byteSize() == length) {
                return kept;
            }
        }
        return newView(buffer, offset, length);
    }

    /** A new view, kept for next time if the buffer is covered (the rare path, apart so that {@link #view} inlines). */
    private MemorySegment newView(MemorySegment buffer, long offset, int length) {
        MemorySegment[] table = views;
        if (table == null) {
            table = views = table(buffer.byteSize());
            owners = new MemorySegment[table.length];
        }
        long slot = offset >>> GRANULE_SHIFT;
        MemorySegment view = buffer.asSlice(offset, length);
        if (slot < table.length) { // else a larger buffer than the first (or none covered)
            table[(int) slot] = view;
            owners[(int) slot] = buffer;
        }
        return view;
    }

    private static MemorySegment[] table(long bufferBytes) {
        if (bufferBytes > MAX_COVERED_BYTES) {
            return NOT_COVERED;
        }
        return new MemorySegment[(int) ((bufferBytes + (1 << GRANULE_SHIFT) - 1) >>> GRANULE_SHIFT)];
    }
}
