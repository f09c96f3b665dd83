package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The views of received messages that a receiving thread hands to {@link MessageHandler}s, reused
 * so that receiving in place from a small ring allocates nothing once the ring has gone round once.
 *
 * <p>A view is a slice of a ring's buffer: {@code (offset, length)}. Records start at multiples of
 * 16 bytes and come back to the same offsets lap after lap, so the view of a message at an offset,
 * of a length, is kept in a table with one slot per 16 bytes of the buffer, and handed out again
 * for the next message there of the same length; a slot whose view does not match (another
 * length) gets a new one. Without this, a handler that passes the message on (a forward, an echo:
 * the view escapes into another mailbox's {@code offer}, a call the JIT does not inline) costs a
 * new 40-byte object per message and a young collection (a pause of up to milliseconds) every few
 * hundred thousand messages; the median round trip of a ping-pong was the same either way
 * (docs/benchmarks.md, "Reused message views").
 *
 * <p>Each buffer has a table of its own, for up to the number of buffers given at construction: a
 * mailbox's priority levels (their rings have the same size, so their messages often sit at the
 * same offsets: with one table for all, every change of level made a new view), or two for an
 * unbounded mailbox (the segment it drains and the next one). A further buffer takes over the
 * tables in turn, emptied.
 *
 * <p>Only buffers of up to {@value #MAX_COVERED_BYTES} bytes are covered (a table of 4096 slots,
 * 16 KiB): a larger ring's offsets come back too rarely to be worth a larger table; its views are
 * fresh slices that the caller makes itself ({@link InPlaceAdapter}), where escape analysis can
 * remove them. A table is made on a buffer's first view, sized for it, so that a process that only
 * sends pays nothing.
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

    /**
     * The buffer viewed last (compared by identity: a buffer mapped where a closed one was, as
     * segments of an {@link UnboundedMailbox} can be, must not get a view that belongs to the closed
     * one) and its table; null before the first view of a covered buffer.
     */
    private MemorySegment current;
    private MemorySegment[] views;
    /** The buffers with a table and their tables, {@code tableCount} of them. */
    private final MemorySegment[] owners;
    private final MemorySegment[][] tables;
    private int tableCount;
    /** The table a buffer beyond {@code owners.length} takes over next (in turn). */
    private int nextTakenOver;

    /** Views of up to {@code buffers} buffers at a time (at least 1). */
    MessageViews(int buffers) {
        if (buffers < 1) {
            throw new IllegalArgumentException("buffers: " + buffers);
        }
        owners = new MemorySegment[buffers];
        tables = new MemorySegment[buffers][];
    }

    /**
     * The view of {@code length} bytes of {@code buffer} at {@code offset}: a kept one if it matches
     * (the same buffer object, address and length), else a new one.
     */
    MemorySegment view(MemorySegment buffer, long offset, int length) {
        if (buffer == current) {
            MemorySegment kept = kept(views, buffer, offset, length);
            if (kept != null) {
                return kept;
            }
        }
        return newView(buffer, offset, length);
    }

    /** The view of {@code table} (the table of {@code buffer}) for that message, or null if it has none. */
    private static MemorySegment kept(MemorySegment[] table, MemorySegment buffer, long offset, int length) {
        long slot = offset >>> GRANULE_SHIFT;
        if (slot < table.length) {
            MemorySegment kept = table[(int) slot];
            if (kept != null && kept.address() == buffer.address() + offset && kept.byteSize() == length) {
                return kept;
            }
        }
        return null;
    }

    /**
     * The rare path, apart so that {@link #view} inlines: another buffer than the last one (its
     * kept view if it matches), or a new view, kept for next time if the buffer is covered.
     */
    private MemorySegment newView(MemorySegment buffer, long offset, int length) {
        if (buffer != current && buffer.byteSize() <= MAX_COVERED_BYTES) {
            select(buffer);
            MemorySegment kept = kept(views, buffer, offset, length);
            if (kept != null) {
                return kept;
            }
        }
        MemorySegment view = buffer.asSlice(offset, length);
        if (buffer == current) {
            long slot = offset >>> GRANULE_SHIFT;
            if (slot < views.length) { // else an empty view at the very end
                views[(int) slot] = view;
            }
        }
        return view;
    }

    /** Makes {@code buffer}'s table the current one: a kept one, a new one, or one taken over. */
    private void select(MemorySegment buffer) {
        int index = -1;
        for (int i = 0; i < tableCount; i++) {
            if (owners[i] == buffer) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            int slots = (int) ((buffer.byteSize() + (1 << GRANULE_SHIFT) - 1) >>> GRANULE_SHIFT);
            if (tableCount < owners.length) {
                index = tableCount++;
            } else {
                index = nextTakenOver;
                nextTakenOver = (nextTakenOver + 1) % owners.length;
            }
            MemorySegment[] table = tables[index];
            if (table != null && table.length == slots) {
                Arrays.fill(table, null); // its views belong to the buffer it served
            } else {
                tables[index] = new MemorySegment[slots];
            }
            owners[index] = buffer;
        }
        current = buffer;
        views = tables[index];
    }
}
