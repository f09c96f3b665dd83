package io.jipc.shm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Memory shared between processes, mapped into this one: a {@link SharedRegion named} or an
 * {@link AnonymousRegion anonymous} region.
 *
 * <p>{@link #segment()} gives random access as a {@link MemorySegment} (read-only if the region
 * was mapped read-only: writes then throw the {@link IllegalArgumentException} of a read-only segment, never a crash).
 * The typed helpers read and write primitive values in the host's byte order at a byte offset; an
 * access that does not lie inside the region throws {@link IndexOutOfBoundsException} ("offset 16 is
 * outside the 16-byte region for a 4-byte access"), the same check and message for every accessor.
 *
 * <h2>Atomic slots</h2>
 * The atomic operations act on an <em>aligned</em> slot: an {@code int} at an offset that is a
 * multiple of 4, a {@code long} at a multiple of 8 (a misaligned offset is refused with
 * {@link IllegalArgumentException}: the processor would not make the access atomic). They are the
 * {@link VarHandle} access modes of {@link ValueLayout#JAVA_INT} and {@link ValueLayout#JAVA_LONG},
 * compiled to the same locked instructions as within one process, and they are atomic and ordered
 * across processes too, because every process maps the same physical pages:
 * <ul>
 * <li>{@code *Volatile}, {@link #compareAndSetInt}, {@link #getAndAddInt}, {@link #getAndSetInt} (and
 *     the {@code long} forms) are sequentially consistent, across all processes;</li>
 * <li>a {@link #setIntRelease release store} by one process and an {@link #getIntAcquire acquire
 *     load} by another that reads the stored value make everything the first process wrote before
 *     the store visible to the second after the load (the publication idiom);</li>
 * <li>plain accesses ({@link #getInt}, {@link #setInt}, the segment's own accessors) have no
 *     ordering at all: another process may see them late, in another order, or (if not aligned)
 *     torn. Publish them with a release store, or use a lock or semaphore from jipc-sync.</li>
 * </ul>
 *
 * <h2>Who may call</h2>
 * Any thread. Closing unmaps the region in this process: later accesses by any thread throw
 * {@link IllegalStateException} (never a crash); the memory itself lives on while other processes
 * (or, for a named region, its name) still refer to it. A {@link #getBytes} or {@link #setBytes}
 * that a close overtakes completes, and the region is unmapped when the last such copy has left
 * (until then, {@link #isOpen()} is already false but other threads' scalar and atomic accesses and
 * {@link #segment()} still reach the memory: do not count on them failing at once)
 * (the JDK's own check when an arena closes does not keep a bulk copy of another thread from
 * faulting: on JDK 25 that crashes the JVM). Copies of your own through {@link #segment()}
 * ({@code MemorySegment.copy}, {@code asByteBuffer}) have no such guard: do not close the region
 * while other threads copy through its segment. A {@link CircularBuffer} {@link CircularBuffer#format
 * formatted} in or {@link CircularBuffer#attach(Region) attached} to the region is closed first: its
 * blocked calls end with {@link io.jipc.ClosedException} (on platform and virtual threads alike), and
 * the region is unmapped once they have left.
 *
 * <h2>When another process truncates the file</h2>
 * Only a {@link SharedRegion} can shrink under this process (another program calling
 * {@code ftruncate}; an {@link AnonymousRegion} is sealed). An access beyond the new end faults with
 * {@code SIGBUS}: a plain, volatile, get-and-add or get-and-set access throws {@link InternalError}
 * ("a fault occurred in an unsafe memory access operation"), but a {@link #compareAndSetInt} or
 * {@link #compareAndSetLong} that the JVM does not run as compiled code faults inside the VM and
 * HotSpot <em>aborts the whole process</em> (a JDK limitation no Java code can catch). See
 * {@link SharedRegion}.
 */
public abstract sealed class Region implements AutoCloseable permits SharedRegion, AnonymousRegion {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Arena arena;
    private final MemorySegment segment;
    /** This process's copies (and attached buffers' calls) inside the mapping: the last one out after close unmaps. */
    private final UnmapGuard inside;
    /** The buffers formatted in or attached to this region, closed by its close; guarded by itself. */
    private final Set<CircularBuffer> buffers = new LinkedHashSet<>();
    private volatile boolean closed;

    Region(Mapping mapping) {
        this.arena = mapping.arena();
        this.segment = mapping.segment();
        this.inside = new UnmapGuard(this::unmap);
    }

    /** The region's bytes: random access, read-only if the region was mapped read-only. */
    public final MemorySegment segment() {
        return segment;
    }

    /** The length of the region in bytes. */
    public final long size() {
        return segment.byteSize();
    }

    /** Whether this process mapped the region read-only. */
    public final boolean isReadOnly() {
        return segment.isReadOnly();
    }

    /** Whether this handle is still mapped and not closed. */
    public final boolean isOpen() {
        return !closed && arena.scope().isAlive();
    }

    /**
     * Unmaps the region from this process; idempotent. Closes the {@link CircularBuffer}s formatted
     * in or attached to it first (their blocked calls end with {@link io.jipc.ClosedException}), and
     * unmaps once no copy ({@link #getBytes}, {@link #setBytes}) and no call of such a buffer is
     * inside the region: at once, or when the last of them returns. Never waits.
     *
     * @throws io.jipc.CorruptSegmentException after closing and unmapping, if such a buffer's close
     *                                         reported that its memory faulted (a truncated file)
     */
    @Override
    public void close() {
        List<CircularBuffer> attached;
        synchronized (buffers) {
            if (closed) {
                return;
            }
            closed = true;
            attached = new ArrayList<>(buffers);
            buffers.clear();
        }
        RuntimeException failure = null;
        for (CircularBuffer buffer : attached) {
            try {
                buffer.close();
            } catch (RuntimeException e) { // its memory faulted (a truncated file): unmap all the same
                if (failure == null) {
                    failure = e;
                }
            }
        }
        inside.close();
        if (failure != null) {
            throw failure;
        }
    }

    private void unmap() {
        try {
            arena.close();
        } catch (IllegalStateException alreadyClosed) {
            // closed already
        }
    }

    /** Registers {@code buffer} to be closed by {@link #close()}; false if this region is closed. */
    final boolean attach(CircularBuffer buffer) {
        synchronized (buffers) {
            return !closed && buffers.add(buffer);
        }
    }

    final void detach(CircularBuffer buffer) {
        synchronized (buffers) {
            buffers.remove(buffer);
        }
    }

    /** Counts the calling thread in: the mapping stays until it calls {@link #exitMapped()}; false if closed. */
    final boolean enterMapped() {
        return inside.enter();
    }

    final void exitMapped() {
        inside.exit();
    }

    // ---------------------------------------------------------------- plain (unordered) access

    /** The byte at {@code offset}. */
    public final byte getByte(long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, inside(offset, Byte.BYTES));
    }

    public final void setByte(long offset, byte value) {
        segment.set(ValueLayout.JAVA_BYTE, inside(offset, Byte.BYTES), value);
    }

    /** The {@code int} at {@code offset} (any alignment), a plain read. */
    public final int getInt(long offset) {
        return segment.get(ValueLayout.JAVA_INT_UNALIGNED, inside(offset, Integer.BYTES));
    }

    public final void setInt(long offset, int value) {
        segment.set(ValueLayout.JAVA_INT_UNALIGNED, inside(offset, Integer.BYTES), value);
    }

    /** The {@code long} at {@code offset} (any alignment), a plain read. */
    public final long getLong(long offset) {
        return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, inside(offset, Long.BYTES));
    }

    public final void setLong(long offset, long value) {
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, inside(offset, Long.BYTES), value);
    }

    /**
     * Copies {@code destination.length} bytes from {@code offset} into {@code destination}. A close
     * of another thread meanwhile lets the copy finish before it unmaps.
     *
     * @throws IllegalStateException if the region is closed
     */
    public final void getBytes(long offset, byte[] destination) {
        Objects.requireNonNull(destination, "destination");
        long start = inside(offset, destination.length);
        enterCopy();
        try {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, start, destination, 0, destination.length);
        } finally {
            inside.exit();
        }
    }

    /**
     * Copies {@code source} to {@code offset}. A close of another thread meanwhile lets the copy
     * finish before it unmaps.
     *
     * @throws IllegalStateException if the region is closed
     */
    public final void setBytes(long offset, byte[] source) {
        Objects.requireNonNull(source, "source");
        long start = inside(offset, source.length);
        enterCopy();
        try {
            MemorySegment.copy(source, 0, segment, ValueLayout.JAVA_BYTE, start, source.length);
        } finally {
            inside.exit();
        }
    }

    private void enterCopy() {
        if (!inside.enter()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    // ---------------------------------------------------------------- atomic int slots

    public final int getIntVolatile(long offset) {
        return (int) INT.getVolatile(segment, intSlot(offset));
    }

    public final void setIntVolatile(long offset, int value) {
        INT.setVolatile(segment, intSlot(offset), value);
    }

    /** Acquire load: pairs with another process's {@link #setIntRelease}. */
    public final int getIntAcquire(long offset) {
        return (int) INT.getAcquire(segment, intSlot(offset));
    }

    /** Release store: what this thread wrote before is visible to whoever acquires the stored value. */
    public final void setIntRelease(long offset, int value) {
        INT.setRelease(segment, intSlot(offset), value);
    }

    /**
     * Sets the {@code int} at {@code offset} to {@code value} if it holds {@code expected}. If another
     * process truncated a {@link SharedRegion}'s file below this slot, this may abort the whole JVM
     * rather than throw (see "When another process truncates the file" above).
     */
    public final boolean compareAndSetInt(long offset, int expected, int value) {
        return INT.compareAndSet(segment, intSlot(offset), expected, value);
    }

    /** Atomically adds {@code delta}; returns the previous value. */
    public final int getAndAddInt(long offset, int delta) {
        return (int) INT.getAndAdd(segment, intSlot(offset), delta);
    }

    public final int getAndSetInt(long offset, int value) {
        return (int) INT.getAndSet(segment, intSlot(offset), value);
    }

    // ---------------------------------------------------------------- atomic long slots

    public final long getLongVolatile(long offset) {
        return (long) LONG.getVolatile(segment, longSlot(offset));
    }

    public final void setLongVolatile(long offset, long value) {
        LONG.setVolatile(segment, longSlot(offset), value);
    }

    /** Acquire load: pairs with another process's {@link #setLongRelease}. */
    public final long getLongAcquire(long offset) {
        return (long) LONG.getAcquire(segment, longSlot(offset));
    }

    /** Release store: what this thread wrote before is visible to whoever acquires the stored value. */
    public final void setLongRelease(long offset, long value) {
        LONG.setRelease(segment, longSlot(offset), value);
    }

    /**
     * Sets the {@code long} at {@code offset} to {@code value} if it holds {@code expected}. If another
     * process truncated a {@link SharedRegion}'s file below this slot, this may abort the whole JVM
     * rather than throw (see "When another process truncates the file" above).
     */
    public final boolean compareAndSetLong(long offset, long expected, long value) {
        return LONG.compareAndSet(segment, longSlot(offset), expected, value);
    }

    /** Atomically adds {@code delta}; returns the previous value. */
    public final long getAndAddLong(long offset, long delta) {
        return (long) LONG.getAndAdd(segment, longSlot(offset), delta);
    }

    public final long getAndSetLong(long offset, long value) {
        return (long) LONG.getAndSet(segment, longSlot(offset), value);
    }

    private long intSlot(long offset) {
        return slot(offset, Integer.BYTES);
    }

    private long longSlot(long offset) {
        return slot(offset, Long.BYTES);
    }

    private long slot(long offset, int size) {
        inside(offset, size);
        if (((segment.address() + offset) & (size - 1)) != 0) {
            throw new IllegalArgumentException("offset " + offset + " is not " + size + "-byte aligned: an atomic "
                    + (size == 4 ? "int" : "long") + " slot must be aligned to its size");
        }
        return offset;
    }

    /**
     * {@code offset}, if {@code length} bytes from it lie inside the region: the one bounds check
     * (and message) of every accessor, plain or atomic, instead of the segment's, whose message
     * prints the mapping's address.
     */
    private long inside(long offset, long length) {
        long size = segment.byteSize();
        if (offset < 0 || length > size || offset > size - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " is outside the " + size
                    + "-byte region for a " + length + "-byte access");
        }
        return offset;
    }
}
