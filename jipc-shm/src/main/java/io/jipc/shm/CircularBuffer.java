package io.jipc.shm;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.InsecureFileException;
import io.jipc.Timeouts;
import io.jipc.Uninterruptibly;
import io.jipc.platform.AsymmetricFence;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Futex;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.WakeSignal;
import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.jipc.shm.CircularBufferDescriptor.CAPACITY_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.CONSUMERS_ASLEEP_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.DEQUEUE_POSITION_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.ENQUEUE_POSITION_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.ITEM_IN_SLOT_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.ITEM_SIZE_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.NOT_EMPTY_SIGNAL_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.NOT_FULL_SIGNAL_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.PRODUCERS_ASLEEP_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.SLOTS_OFFSET;
import static io.jipc.shm.CircularBufferDescriptor.STRIDE_OFFSET;

/**
 * The bounded producer/consumer buffer of the lecture ("Shared Memory – Producer / Consumer"),
 * done right: a circular buffer of fixed-size items in shared memory, into which any number of
 * threads of any number of processes put items and from which any number take them. Each item is
 * taken exactly once; items put by one thread are taken in the order it put them.
 *
 * <h2>Verbs</h2>
 * <table class="striped">
 * <caption>Putting and taking</caption>
 * <tr><th></th><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>put</td><td>{@link #offer(byte[])}: false if full</td><td>{@link #put(byte[])}</td>
 *     <td>{@link #offer(byte[], Duration)}</td></tr>
 * <tr><td>take</td><td>{@link #poll()}: null if empty</td><td>{@link #take()}</td>
 *     <td>{@link #poll(Duration)}</td></tr>
 * </table>
 * Each verb also has a {@link MemorySegment} form that copies without allocating. An item is
 * exactly {@link #itemSize()} bytes; another length is refused with {@link IllegalArgumentException}.
 * A segment the calling thread cannot copy from or to — of a closed arena ({@link IllegalStateException}),
 * or of a confined arena of another thread ({@link WrongThreadException}) — is refused before
 * anything is claimed, by every form and on every retry of a blocked call: nothing is put or taken
 * then, and the buffer goes on for every process. (Until 2026-12-06 the copy failed after the
 * claim and left the slot unfinished, as a process killed in the copy does; see "When a process
 * dies". An arena that another thread closes during the copy itself still can, where the JDK
 * answers that with an exception rather than a crash: do not close memory another thread copies.)
 *
 * <h2>What was wrong with the lecture's version</h2>
 * The lecture's buffer keeps an index {@code in} written by the producer and {@code out} written
 * by the consumer. It is correct for one producer and one consumer only if every access is
 * ordered, which plain C (and Java) accesses are not: the item may become visible after the index,
 * and a compiler may keep the index in a register so the busy loop never ends. With two producers
 * it is wrong whatever the ordering: both read the same {@code in}, both write the same slot, one
 * item is lost; two consumers both take the same item. Here, a producer <em>claims</em> a position
 * with one compare-and-set of the enqueue position, so no two producers ever get the same slot, and
 * publishes the item through the slot's own sequence number (a release store) — the algorithm of
 * Dmitry Vyukov's bounded MPMC queue; consumers likewise. See {@link CircularBufferDescriptor}.
 *
 * <h2>Blocking</h2>
 * A blocked {@code put} or {@code take} first retries for about 20 µs, then sleeps in
 * {@code futex(2)} on a shared word ("not full" or "not empty") without using CPU, after raising
 * a shared "asleep" flag of its side. A producer or consumer that made an item or room reads the
 * other side's flag after a full barrier (its own fence, or — where {@code membarrier(2)} is
 * available — the one a sleeper forces on every CPU before it sleeps, so that publishing costs no
 * fence, as in the mailbox); only if it is raised does it take the wake (its own mark in the
 * flag), bump the word, wake every sleeper ({@code FUTEX_WAKE} of all: each re-checks, the losers
 * sleep again) and then clear its mark ({@link io.jipc.ring.WakeSignal}). So nobody enters the
 * kernel while nobody sleeps, and one wake-up call (and those of publishers that come while it is
 * under way) serves all the items published until a sleeper raises the flag again. Blocked calls are interruptible (within 50 ms,
 * see {@link Futex}) and safe on virtual threads; {@link #close()} ends them in this process with
 * {@link ClosedException}, and a put or take of another thread that it overtakes either completes
 * or changes nothing.
 *
 * <p>Interrupts follow the library's rule (docs/architecture.md, "Interrupts and timeouts"): a
 * {@code put}, {@code take} or timed {@code offer}/{@code poll} that can complete at once completes
 * and leaves the interrupt status set; one that cannot and finds the thread interrupted throws
 * {@link InterruptedException} and clears the status — also with a zero or negative timeout, which
 * would otherwise return false. The at-once {@code offer} and {@code poll} never look at it.
 *
 * <h2>When a process dies</h2>
 * A process killed outside a put or take, or while blocked in one, leaves the buffer intact
 * (a sleeper killed in its sleep leaves the flag raised: the next publisher clears it with one
 * needless wake-up call). A process killed after publishing, while it wakes the other side's
 * sleepers, leaves its mark in their flag: the next publisher wakes them (until then, the item of
 * a dead producer waits for that, or for the consumers' deadline). Room freed by a consumer killed
 * so is seen by the producers within 100 ms: a producer sleeps at most that long at a time, since
 * no later take may come (the dead consumer may have emptied the buffer, and the producer that
 * would refill it is the one asleep; until 2026-12-06 an untimed {@code put} slept on for good).
 * A process killed <em>between claiming and publishing</em> a
 * position — a window of one item copy — leaves that slot unfinished: consumers stop at it (and
 * producers, a lap later) until the buffer is re-created. Where producers may die mid-put, use
 * a mailbox ({@code io.jipc.mailbox.Mailbox}), which skips a dead sender's claim.
 *
 * <h2>Hostile memory</h2>
 * The configuration is read once when attaching and checked against the region; every slot index
 * is a position masked by the capacity, so no access can leave the region whatever other processes
 * write. Inconsistent positions that would make a call loop forever are reported as
 * {@link CorruptSegmentException}.
 *
 * <h2>Memory consistency effects</h2>
 * Actions in a thread (of any process) before it puts an item happen-before actions after that
 * item is taken by another thread (of any process).
 */
public final class CircularBuffer implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long FOREVER = Timeouts.NO_DEADLINE;
    /** What {@link #claim} returns when there is nothing to claim. */
    private static final long NONE = Long.MIN_VALUE;
    /**
     * How long a blocked call retries before it sleeps: about the cost of a futex sleep and
     * wake-up, so that a peer running on another core is waited for without a system call, as the
     * mailbox's default wait strategy does.
     */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final int MIN_SPINS = 16;
    /**
     * The longest a producer sleeps for room before it looks again: a consumer killed between
     * freeing a slot and its wake rings nobody, and no later take may come (it may have emptied
     * the buffer, and the producer that would refill it is the one asleep).
     */
    private static final long ROOM_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long READY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Region region;
    private final boolean ownsRegion;
    private final String name;
    private final MemorySegment memory;
    private final int itemSize;
    private final int capacity;
    private final long mask;
    private final long stride;
    /** Who formatted the buffer, as its header says (read once, when attaching). */
    private final ProcessIdentity creator;
    /** The consumers' asleep flag and "not empty" word: producers wake consumers through it. */
    private final WakeSignal notEmpty;
    /** The producers' asleep flag and "not full" word: consumers wake producers through it. */
    private final WakeSignal notFull;
    /** Whether this process publishes without a full fence ({@link AsymmetricFence#registerLight()}). */
    private final boolean lightPublisher = AsymmetricFence.registerLight();
    private volatile boolean closed;
    /**
     * Threads of this handle inside a put's or take's steps from claiming a position to publishing
     * it, or waiting to (a waiting thread counts twice while it tries): the region is unmapped by
     * whoever leaves last after {@link #close()}, never between a claim and its publication (a
     * claimed position never published would stop every process at it).
     */
    private final UnmapGuard inside = new UnmapGuard(this::unmap);

    private CircularBuffer(Region region, boolean ownsRegion, String name) {
        this(region, region.segment(), ownsRegion, name, READY_TIMEOUT_NANOS);
    }

    /** Attaches to {@code memory}; {@code region} (may be null) is closed on close if {@code ownsRegion}. */
    private CircularBuffer(Region region, MemorySegment memory, boolean ownsRegion, String name, long readyTimeoutNanos) {
        this.region = region;
        this.ownsRegion = ownsRegion;
        this.name = name;
        this.memory = memory;
        awaitReady(memory, name, readyTimeoutNanos);
        int size = memory.get(ValueLayout.JAVA_INT, ITEM_SIZE_OFFSET);
        int slots = memory.get(ValueLayout.JAVA_INT, CAPACITY_OFFSET);
        int slotStride = memory.get(ValueLayout.JAVA_INT, STRIDE_OFFSET);
        long length;
        try {
            length = CircularBufferDescriptor.length(size, slots);
        } catch (IllegalArgumentException e) {
            throw new CorruptSegmentException(name + ": " + e.getMessage());
        }
        if (slotStride != CircularBufferDescriptor.stride(size)) {
            throw new CorruptSegmentException(name + ": slot stride " + slotStride + " does not fit item size " + size);
        }
        long declared = memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.FILE_LENGTH_OFFSET);
        if (declared != length || length > memory.byteSize()) {
            throw new CorruptSegmentException(name + ": says it is " + declared + " bytes long, needs " + length
                    + ", the region has " + memory.byteSize());
        }
        this.itemSize = size;
        this.capacity = slots;
        this.mask = slots - 1;
        this.stride = slotStride;
        this.creator = new ProcessIdentity(memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.CREATOR_PID_OFFSET),
                memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET));
        // asymmetric: a publisher of any process may be fence-free (its own registerLight()), so
        // every sleeper pays the heavy fence and bounds its sleep where that fence is unavailable
        this.notEmpty = new WakeSignal(memory, CONSUMERS_ASLEEP_OFFSET, NOT_EMPTY_SIGNAL_OFFSET, true);
        this.notFull = new WakeSignal(memory, PRODUCERS_ASLEEP_OFFSET, NOT_FULL_SIGNAL_OFFSET, true);
    }

    // =================================================================== lifecycle

    /**
     * Creates a named buffer of {@code capacity} items of {@code itemSize} bytes: a
     * {@link SharedRegion} (mode {@code 0600}) formatted as a buffer.
     *
     * @throws RegionExistsException    if the name is taken
     * @throws IllegalArgumentException if the item size is not in 1..1 MiB or the capacity is not
     *                                  a power of two of at least 2
     */
    public static CircularBuffer create(String name, int itemSize, int capacity) {
        return create(name, itemSize, capacity, 0600);
    }

    /**
     * Creates a named buffer whose region has permission bits {@code mode}; other processes open it
     * with {@link #open(String, int) open(name, mode)}.
     */
    public static CircularBuffer create(String name, int itemSize, int capacity, int mode) {
        long length = CircularBufferDescriptor.length(itemSize, capacity);
        SharedRegion region = SharedRegion.create(name, length, mode);
        try {
            format(region.segment(), itemSize, capacity);
            return new CircularBuffer(region, true, name);
        } catch (RuntimeException e) {
            region.close();
            region.unlink();
            throw e;
        }
    }

    /**
     * Opens a named buffer (read-write) created with permissions {@code 0600}.
     *
     * @throws RegionNotFoundException if there is no region of that name
     * @throws InsecureFileException   if the file has other permission bits (see
     *                                 {@link #open(String, int)}), is a symbolic link or not a regular
     *                                 file, or (a jipc name) is another user's
     * @throws CorruptSegmentException if the region is not a buffer of this version, or its creator
     *                                 never finished it
     */
    public static CircularBuffer open(String name) {
        return open(name, 0600);
    }

    /**
     * Opens a named buffer (read-write) created with permission bits {@code permissions}
     * ({@link #create(String, int, int, int)}): as every opener of a file with a jipc header, it
     * refuses a file with other bits, which someone else may have changed ({@code chmod}) to let
     * more users in. A raw {@link SharedRegion} has no such check: the kernel checks its mode.
     *
     * @throws InsecureFileException    as {@link #open(String)}, for bits other than {@code permissions}
     * @throws IllegalArgumentException if {@code permissions} are not permission bits (0 to 0777), before
     *                                  anything is looked at (until 2026-12-07 -1 or 01000 was compared with
     *                                  the file's mode: {@link InsecureFileException}, or
     *                                  {@link RegionNotFoundException} for a missing buffer)
     */
    public static CircularBuffer open(String name, int permissions) {
        Objects.requireNonNull(name, "name");
        if (permissions < 0 || permissions > 0777) { // as a mailbox's and a synchronization object's open
            throw new IllegalArgumentException("permissions must be permission bits (0 to 0777): 0"
                    + Integer.toOctalString(permissions));
        }
        SharedRegion region = SharedRegion.open(name, Access.READ_WRITE);
        try {
            if (region.permissions() != permissions) {
                throw new InsecureFileException("refusing " + region.path() + ": mode "
                        + FileStatus.octal(region.permissions()) + ", expected " + FileStatus.octal(permissions));
            }
            return new CircularBuffer(region, true, name);
        } catch (RuntimeException e) {
            region.close();
            throw e;
        }
    }

    /**
     * Removes a named buffer's region, whichever buffer the name names now; open handles keep
     * working. Returns false if there was none. A process that removes its own buffer on exit uses
     * {@link #unlink()}, which leaves a buffer another process created under the name since.
     */
    public static boolean destroy(String name) {
        return SharedRegion.unlink(name);
    }

    /**
     * Removes this buffer's name if it still names this buffer's region (the same file: device and
     * inode), not one created under the same name since; open handles keep working. Works on a
     * closed handle too (a shutdown hook). False if the name is gone or names another file, and for
     * a buffer {@linkplain #format formatted in} or {@linkplain #attach(Region) attached to} a region
     * the caller gave (the region's owner removes its name).
     */
    public boolean unlink() {
        return ownsRegion && region instanceof SharedRegion named && named.unlink();
    }

    /**
     * The process that formatted this buffer (its creator, for a named one), as the buffer's header
     * says: with {@link ProcessIdentity#isAlive()} a process tells a buffer in use from one a dead
     * creator left behind.
     */
    public ProcessIdentity creator() {
        return creator;
    }

    /**
     * Formats the start of {@code region} (e.g. an {@link AnonymousRegion} about to be handed to
     * children) as an empty buffer and attaches to it. The region stays the caller's to close; its
     * close closes this buffer first (blocked puts and takes of this process end with
     * {@link ClosedException}, on platform and virtual threads alike) and unmaps only once every
     * thread has left this buffer's calls, so no put is cut between claim and publication.
     *
     * @throws ClosedException if the region was closed meanwhile (an already closed region throws
     *                         its {@link IllegalStateException})
     */
    public static CircularBuffer format(Region region, int itemSize, int capacity) {
        checkWritable(region);
        long length = CircularBufferDescriptor.length(itemSize, capacity);
        if (length > region.size()) {
            throw new IllegalArgumentException("a buffer of " + capacity + " items of " + itemSize + " bytes needs "
                    + length + " bytes; the region has " + region.size());
        }
        return whileMapped(region, () -> {
            format(region.segment(), itemSize, capacity);
            return attached(new CircularBuffer(region, false, region.toString()));
        });
    }

    /**
     * Attaches to a buffer another process formatted at the start of {@code region}, waiting
     * (at most 2 s) for it to be ready. The region stays the caller's to close, which closes this
     * buffer first (see {@link #format(Region, int, int)}).
     */
    public static CircularBuffer attach(Region region) {
        checkWritable(region);
        return whileMapped(region, () -> attached(new CircularBuffer(region, false, region.toString())));
    }

    /**
     * Runs {@code make} counted in the region's mapping, so that a close meanwhile does not unmap
     * under the format's writes or the wait for a formatter (the JDK's bare "Already closed" came out
     * of them): a close meanwhile gives a {@link ClosedException} naming the region, whatever
     * {@code make} met (an attach whose wait for a formatter ended says the buffer was never made
     * ready).
     *
     * @throws IllegalStateException if the region is closed already, as any access to it
     */
    private static CircularBuffer whileMapped(Region region, Supplier<CircularBuffer> make) {
        if (!region.enterMapped()) {
            throw new IllegalStateException(region + " is closed");
        }
        try {
            return make.get();
        } catch (RuntimeException e) {
            if (e instanceof ClosedException || region.isOpen()) {
                throw e;
            }
            ClosedException closed = new ClosedException("region " + region + " was closed meanwhile");
            closed.addSuppressed(e);
            throw closed;
        } finally {
            region.exitMapped();
        }
    }

    /** {@code buffer}, which its region closes (waking its sleepers) before it unmaps. */
    private static CircularBuffer attached(CircularBuffer buffer) {
        if (!buffer.region.attach(buffer)) {
            throw new ClosedException("region " + buffer.region + " is closed");
        }
        return buffer;
    }

    private static void checkWritable(Region region) {
        if (Objects.requireNonNull(region, "region").isReadOnly()) {
            throw new IllegalArgumentException("a circular buffer needs a read-write region: " + region);
        }
    }

    /** Bytes a buffer of {@code capacity} items of {@code itemSize} bytes takes in a region. */
    public static long requiredBytes(int itemSize, int capacity) {
        return CircularBufferDescriptor.length(itemSize, capacity);
    }

    /** Writes an empty buffer; the version goes last, with a release store. */
    static void format(MemorySegment memory, int itemSize, int capacity) {
        long length = CircularBufferDescriptor.length(itemSize, capacity);
        INT.setVolatile(memory, (long) SegmentHeaderDescriptor.VERSION_OFFSET, 0);
        memory.asSlice(0, SLOTS_OFFSET).fill((byte) 0);
        ProcessIdentity self = ProcessIdentity.current();
        memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.MAGIC_OFFSET, CircularBufferDescriptor.MAGIC);
        memory.set(ValueLayout.JAVA_INT, SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET, SegmentHeaderDescriptor.LENGTH);
        memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, length);
        memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.CREATOR_PID_OFFSET, self.pid());
        memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET, self.startTime());
        memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.CREATED_AT_OFFSET, System.currentTimeMillis());
        memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.OBJECT_ID_OFFSET, ThreadLocalRandom.current().nextLong());
        memory.set(ValueLayout.JAVA_INT, ITEM_SIZE_OFFSET, itemSize);
        memory.set(ValueLayout.JAVA_INT, CAPACITY_OFFSET, capacity);
        memory.set(ValueLayout.JAVA_INT, STRIDE_OFFSET, CircularBufferDescriptor.stride(itemSize));
        long stride = CircularBufferDescriptor.stride(itemSize);
        for (long i = 0; i < capacity; i++) {
            memory.set(ValueLayout.JAVA_LONG, SLOTS_OFFSET + i * stride, i);
        }
        INT.setRelease(memory, (long) SegmentHeaderDescriptor.VERSION_OFFSET,
                SegmentHeaderDescriptor.version(CircularBufferDescriptor.MAJOR_VERSION,
                        CircularBufferDescriptor.MINOR_VERSION));
    }

    /** Attaches to a buffer in plain memory without waiting for it to be ready (for tests of hostile contents). */
    static CircularBuffer attach(MemorySegment memory, String name) {
        return new CircularBuffer(null, memory, false, name, 0);
    }

    /** The pause between looks at a buffer that is not ready yet while it is opened. */
    private static final long READY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static void awaitReady(MemorySegment memory, String name, long timeoutNanos) {
        if (memory.byteSize() < SLOTS_OFFSET) {
            throw new CorruptSegmentException(name + " is " + memory.byteSize() + " bytes, too short for a circular buffer");
        }
        long deadline = System.nanoTime() + timeoutNanos;
        int version;
        while ((version = (int) INT.getAcquire(memory, (long) SegmentHeaderDescriptor.VERSION_OFFSET)) == 0) {
            long early = memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.MAGIC_OFFSET);
            if (early != 0 && early != CircularBufferDescriptor.MAGIC) { // a creator writes the magic first
                throw new CorruptSegmentException(name + " has magic '" + SegmentHeaderDescriptor.tag(early)
                        + "', not a circular buffer ('JIPC-CBF')");
            }
            if (System.nanoTime() - deadline >= 0) {
                long pid = memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.CREATOR_PID_OFFSET);
                throw new CorruptSegmentException(name + " was never made ready by its creator ("
                        + (pid == 0 ? "none recorded: it may be no circular buffer, such as a plain region"
                                : "pid " + pid) + "); remove it if that process died");
            }
            // a creator being slow (or a file that is no buffer) is waited for in pauses of a
            // millisecond, not interrupted (the timeout bounds it; an interrupt is kept): until
            // 2026-12-06 this spun and yielded, a CPU busy for the whole ready timeout
            Uninterruptibly.sleepNanos(READY_PAUSE_NANOS);
        }
        long magic = memory.get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.MAGIC_OFFSET);
        if (magic != CircularBufferDescriptor.MAGIC) {
            throw new CorruptSegmentException(name + " has magic '" + SegmentHeaderDescriptor.tag(magic)
                    + "', not a circular buffer ('JIPC-CBF')");
        }
        if (SegmentHeaderDescriptor.major(version) != CircularBufferDescriptor.MAJOR_VERSION) {
            throw new CorruptSegmentException(name + " has format version " + SegmentHeaderDescriptor.major(version)
                    + "." + SegmentHeaderDescriptor.minor(version) + "; this jipc reads version "
                    + CircularBufferDescriptor.MAJOR_VERSION + ".x");
        }
        int headerLength = memory.get(ValueLayout.JAVA_INT, SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET);
        if (headerLength != SegmentHeaderDescriptor.LENGTH) {
            throw new CorruptSegmentException(name + " has header length " + headerLength);
        }
    }

    /**
     * Stops using the buffer in this process: blocked calls end with {@link ClosedException}, and
     * a buffer opened or created by name is unmapped once no thread of this handle is between
     * claiming and publishing a position (a put or take that close overtakes either completes or
     * changes nothing). The buffer and its items stay for the other processes. Idempotent.
     *
     * <p>If another process truncated the buffer's file, close still closes the handle and releases
     * the mapping, and then reports it: waking this handle's sleepers faults on the memory beyond the
     * file's new end, and close throws {@link CorruptSegmentException} naming the buffer, with the
     * fault ({@link InternalError}) as its cause. A second close returns at once.
     *
     * @throws CorruptSegmentException after closing, if the buffer's memory faulted (its file was
     *                                  truncated by another process)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        InternalError fault = null;
        try { // a sleeper of this handle about to sleep sees the word move; one asleep is woken
            notEmpty.wakeAll();
            notFull.wakeAll();
        } catch (RuntimeException alreadyUnmapped) {
            // the caller closed the region first
        } catch (InternalError truncated) { // SIGBUS beyond the file's end, as HotSpot reports it
            fault = truncated;
        }
        inside.close(); // unmaps now if nobody is inside, else the last one out does
        if (fault != null) {
            CorruptSegmentException e = new CorruptSegmentException("circular buffer " + name
                    + ": its memory faulted at close (was its file truncated by another process?); this handle"
                    + " is closed and its mapping released");
            e.initCause(fault);
            throw e;
        }
    }

    private void unmap() {
        if (ownsRegion) {
            region.close();
        } else if (region != null) {
            region.detach(this);
        }
    }

    /**
     * Counts the calling thread in before it claims a position: in this handle and, for a buffer
     * in a region the caller owns ({@link #format}, {@link #attach(Region)}), in that region too, so
     * that the region's close does not unmap the memory under it (it closes this buffer first).
     */
    private void enter() {
        if (!inside.enter()) {
            throw closedException();
        }
        if (!ownsRegion && region != null && !region.enterMapped()) {
            inside.exit();
            throw closedException();
        }
    }

    /** Counts the calling thread out after it published (or claimed nothing); the last one out after close unmaps. */
    private void exit() {
        if (!ownsRegion && region != null) {
            region.exitMapped();
        }
        inside.exit();
    }

    public boolean isClosed() {
        return closed;
    }

    // =================================================================== putting

    /**
     * Puts {@code item} if there is room at once; false if the buffer is full.
     *
     * @throws IllegalArgumentException if {@code item} is not exactly {@link #itemSize()} bytes
     * @throws WrongThreadException   if {@code item} is of a confined arena of another thread (nothing was put)
     * @throws IllegalStateException  if {@code item}'s arena is closed (nothing was put)
     */
    public boolean offer(MemorySegment item) {
        checkItem(item);
        return tryOffer(item);
    }

    /** Puts {@code item} if there is room at once; false if the buffer is full. */
    public boolean offer(byte[] item) {
        return offer(MemorySegment.ofArray(Objects.requireNonNull(item, "item")));
    }

    /**
     * Puts {@code item}, waiting while the buffer is full.
     *
     * @throws InterruptedException if interrupted while waiting, or already when there is no room at
     *                              once; nothing was put
     * @throws WrongThreadException   if {@code item} is of a confined arena of another thread (nothing was put)
     * @throws IllegalStateException  if {@code item}'s arena is closed (nothing was put)
     */
    public void put(MemorySegment item) throws InterruptedException {
        checkItem(item);
        if (!tryOffer(item)) {
            awaitPut(item, FOREVER);
        }
    }

    public void put(byte[] item) throws InterruptedException {
        put(MemorySegment.ofArray(Objects.requireNonNull(item, "item")));
    }

    /**
     * Puts {@code item}, waiting at most {@code timeout} for room; false if there was none.
     *
     * @throws InterruptedException if interrupted while waiting, or already when there is no room at
     *                              once, whatever the timeout (also zero or negative); nothing was put
     * @throws WrongThreadException   if {@code item} is of a confined arena of another thread (nothing was put)
     * @throws IllegalStateException  if {@code item}'s arena is closed (nothing was put)
     */
    public boolean offer(MemorySegment item, Duration timeout) throws InterruptedException {
        checkItem(item);
        Objects.requireNonNull(timeout, "timeout"); // also when the call need not wait
        return tryOffer(item) || awaitPut(item, deadline(timeout));
    }

    public boolean offer(byte[] item, Duration timeout) throws InterruptedException {
        return offer(MemorySegment.ofArray(Objects.requireNonNull(item, "item")), timeout);
    }

    private boolean awaitPut(MemorySegment item, long deadline) throws InterruptedException {
        return await(notFull, deadline, () -> tryOffer(item));
    }

    private boolean tryOffer(MemorySegment item) {
        enter();
        try {
            checkOpen();
            requireAccessible(item, "item", "nothing was put"); // on every attempt: a shared arena may close while it waits
            long position = claim(ENQUEUE_POSITION_OFFSET, 0);
            if (position == NONE) {
                return false;
            }
            long slot = slot(position);
            MemorySegment.copy(item, 0, memory, slot + ITEM_IN_SLOT_OFFSET, itemSize);
            // publishes the item: a consumer's acquire load of the sequence sees it whole
            LONG.setRelease(memory, slot, position + 1);
            signal(notEmpty);
            return true;
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exit();
        }
    }

    // =================================================================== taking

    /**
     * Takes the next item into {@code destination} (at least {@link #itemSize()} bytes) if there is one; false if empty.
     *
     * @throws IllegalArgumentException if {@code destination} is smaller than an item
     * @throws ReadOnlyBufferException  if {@code destination} is read-only (checked first: nothing is taken)
     * @throws WrongThreadException   if {@code destination} is of a confined arena of another thread (nothing is taken)
     * @throws IllegalStateException  if {@code destination}'s arena is closed (nothing is taken)
     */
    public boolean poll(MemorySegment destination) {
        checkDestination(destination);
        return tryPoll(destination);
    }

    /** Takes the next item if there is one at once; {@code null} if the buffer is empty. */
    public byte[] poll() {
        byte[] item = new byte[itemSize];
        return tryPoll(MemorySegment.ofArray(item)) ? item : null;
    }

    /**
     * Takes the next item into {@code destination}, waiting while the buffer is empty.
     *
     * @throws InterruptedException if interrupted while waiting, or already when no item is there at
     *                              once; nothing was taken
     * @throws IllegalArgumentException if {@code destination} is smaller than an item
     * @throws ReadOnlyBufferException  if {@code destination} is read-only (nothing is taken)
     * @throws WrongThreadException   if {@code destination} is of a confined arena of another thread (nothing is taken)
     * @throws IllegalStateException  if {@code destination}'s arena is closed (nothing is taken)
     */
    public void take(MemorySegment destination) throws InterruptedException {
        checkDestination(destination);
        if (!tryPoll(destination)) {
            awaitTake(destination, FOREVER);
        }
    }

    /** Takes the next item, waiting while the buffer is empty. */
    public byte[] take() throws InterruptedException {
        byte[] item = new byte[itemSize];
        take(MemorySegment.ofArray(item));
        return item;
    }

    /**
     * Takes the next item into {@code destination}, waiting at most {@code timeout}; false if none came.
     *
     * @throws InterruptedException if interrupted while waiting, or already when no item is there at
     *                              once, whatever the timeout (also zero or negative); nothing was taken
     * @throws IllegalArgumentException if {@code destination} is smaller than an item
     * @throws ReadOnlyBufferException  if {@code destination} is read-only (nothing is taken)
     * @throws WrongThreadException   if {@code destination} is of a confined arena of another thread (nothing is taken)
     * @throws IllegalStateException  if {@code destination}'s arena is closed (nothing is taken)
     */
    public boolean poll(MemorySegment destination, Duration timeout) throws InterruptedException {
        checkDestination(destination);
        Objects.requireNonNull(timeout, "timeout"); // also when the call need not wait
        return tryPoll(destination) || awaitTake(destination, deadline(timeout));
    }

    /**
     * Takes the next item, waiting at most {@code timeout}; {@code null} if none came.
     *
     * @throws InterruptedException as {@link #poll(MemorySegment, Duration)}
     */
    public byte[] poll(Duration timeout) throws InterruptedException {
        byte[] item = new byte[itemSize];
        return poll(MemorySegment.ofArray(item), timeout) ? item : null;
    }

    private boolean awaitTake(MemorySegment destination, long deadline) throws InterruptedException {
        return await(notEmpty, deadline, () -> tryPoll(destination));
    }

    private boolean tryPoll(MemorySegment destination) {
        enter();
        try {
            checkOpen();
            requireAccessible(destination, "destination", "nothing was taken");
            long position = claim(DEQUEUE_POSITION_OFFSET, 1);
            if (position == NONE) {
                return false;
            }
            long slot = slot(position);
            MemorySegment.copy(memory, slot + ITEM_IN_SLOT_OFFSET, destination, 0, itemSize);
            // frees the slot for the producer of the next lap, after the copy
            LONG.setRelease(memory, slot, position + capacity);
            signal(notFull);
            return true;
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exit();
        }
    }

    // =================================================================== shared machinery

    private long slot(long position) {
        return SLOTS_OFFSET + (position & mask) * stride;
    }

    /**
     * Claims the next position of one side: the slot at the position read from
     * {@code positionOffset} is ready when its sequence is the position plus {@code lag} (0 for a
     * producer: free; 1 for a consumer: holding an item); one compare-and-set of the position then
     * makes it this caller's alone. Returns the position, or {@link #NONE} if the buffer is full
     * (producer) or empty (consumer). A position equal to {@link #NONE} (2^63 items after the
     * start: only hostile memory) is reported as {@link CorruptSegmentException}: claimed, it would
     * pass for "none" and never be published.
     */
    private long claim(long positionOffset, long lag) {
        long position = (long) LONG.getVolatile(memory, positionOffset);
        while (true) {
            if (position == NONE) {
                throw new CorruptSegmentException(name + ": position " + position
                        + " is beyond any count of items; the buffer's memory is corrupt");
            }
            long ahead = (long) LONG.getAcquire(memory, slot(position)) - (position + lag);
            if (ahead == 0) {
                long witness = (long) LONG.compareAndExchange(memory, positionOffset, position, position + 1);
                if (witness == position) {
                    return position;
                }
                position = witness;
            } else if (ahead < 0) {
                return NONE;
            } else {
                position = advanced(positionOffset, position);
            }
        }
    }

    /**
     * The position after another party moved it past {@code seen}. A slot ahead of the position
     * was published after the position moved (and read with acquire), so a position that has not
     * moved means the shared memory is inconsistent; looping on it would never end.
     */
    private long advanced(long positionOffset, long seen) {
        long now = (long) LONG.getVolatile(memory, positionOffset);
        if (now == seen) {
            throw new CorruptSegmentException(name + ": slot of position " + seen
                    + " is ahead of the position, which did not move; the buffer's memory is inconsistent");
        }
        return now;
    }

    /**
     * After a publishing store: wakes the sleepers of the other side, if any. Dekker: the store,
     * then the read of the sleepers' flag, with a full barrier between them — a fence here, or,
     * where this process is registered for {@code membarrier}, the barrier a sleeper forces on
     * every CPU before it sleeps ({@link AsymmetricFence}), so that publishing costs no fence.
     *
     * <p>The signals are {@code asymmetric} ({@link WakeSignal}): every sleeper, of any process,
     * runs the heavy fence in {@link WakeSignal#prepare()} whether or not its own process
     * registered, since the publishers of another process may have. A fence-free publisher still
     * reads the flag with {@link WakeSignal#signalIfWaiting()}'s volatile load, at least as strong
     * as the acquire load the rings' light publishers use ({@code signalIfWaitingLight}). A raised
     * flag (1) is replaced with this wake's mark, the word moved and every sleeper woken, and only
     * then the mark cleared; a publisher that finds a mark (a wake under way, or one left by a
     * process killed before its {@code FUTEX_WAKE}) wakes them too. Its volatile read of the flag
     * comes after the barrier, so the ordering argument above is unchanged; the compare-and-sets on the
     * flag are full fences themselves. Until 2026-12-05 the publisher cleared the flag
     * ({@code getAndSet(0)}) before it woke: a process killed between the two left the flag down
     * with the sleepers asleep, and every later publisher found nobody asleep.
     */
    private void signal(WakeSignal sleepers) {
        if (!lightPublisher) {
            VarHandle.fullFence();
        }
        sleepers.signalIfWaiting();
    }

    @FunctionalInterface
    private interface Attempt {
        boolean run();
    }

    /** Waits, counted in (so the memory it sleeps on stays mapped until it has left). */
    private boolean await(WakeSignal sleepers, long deadline, Attempt attempt) throws InterruptedException {
        enter();
        try {
            return awaitInside(sleepers, deadline, attempt);
        } finally {
            exit();
        }
    }

    /**
     * Retries {@code attempt} for about {@link #SPIN_NANOS}, then sleeps on {@code sleepers}
     * between attempts, with {@link WakeSignal}'s waiter protocol: {@link WakeSignal#prepare()}
     * reads the signal word, raises the flag and runs the heavy fence ({@link AsymmetricFence#heavy()},
     * for publishers of any process that publish without a fence); then a full fence, the re-check,
     * and {@link WakeSignal#await} sleeps only while the word still holds what it read, so a signal
     * between the re-check and the sleep is never missed (the publisher either sees the flag or the
     * re-check sees its item or room). Where the heavy fence is unavailable, a fence-free publisher
     * may miss the flag, so {@code await} bounds the sleep to 1 ms. A producer's sleep is bounded
     * to {@link #ROOM_LOOK_NANOS}: a consumer killed before its wake rings nobody.
     */
    private boolean awaitInside(WakeSignal sleepers, long deadline, Attempt attempt) throws InterruptedException {
        if (Thread.interrupted()) { // the first attempt failed: the call cannot complete at once
            throw new InterruptedException();
        }
        boolean virtual = Thread.currentThread().isVirtual();
        long spinEnd = System.nanoTime() + SPIN_NANOS;
        for (int i = 0; i < MIN_SPINS || System.nanoTime() - spinEnd < 0; i++) {
            if (virtual) {
                Thread.yield(); // lets the other virtual threads of this carrier (maybe the peer) run
            } else {
                Thread.onSpinWait();
            }
            if (attempt.run()) {
                return true;
            }
        }
        while (true) {
            checkOpen();
            try {
                int signal = sleepers.prepare(); // raises the flag, over a publisher's wake mark too
                // the re-check reads slot sequences with acquire, not volatile (WakeSignal's
                // contract): this orders the flag's store before them, for a fenced publisher and
                // whether or not the heavy fence (a kernel barrier the JMM does not know) ran
                VarHandle.fullFence();
                if (attempt.run()) {
                    return true;
                }
                if (deadline != FOREVER && System.nanoTime() - deadline >= 0) {
                    if (Thread.interrupted()) { // interrupted rather than timed out
                        throw new InterruptedException();
                    }
                    return false;
                }
                // bounded to 1 ms where the heavy fence is unavailable; a producer's to ROOM_LOOK_NANOS
                sleepers.await(signal, sleepers == notFull ? roomSleepDeadline(deadline) : deadline);
            } catch (IllegalStateException e) {
                throw closedOr(e);
            }
        }
    }

    /** {@code deadline}, or sooner: {@link #ROOM_LOOK_NANOS} from now. */
    private static long roomSleepDeadline(long deadline) {
        long lookAgainAt = System.nanoTime() + ROOM_LOOK_NANOS;
        return deadline == FOREVER || lookAgainAt - deadline < 0 ? lookAgainAt : deadline;
    }

    private static long deadline(Duration timeout) {
        return Timeouts.deadline(timeout); // a timeout of centuries is no deadline, never an overflow
    }

    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private ClosedException closedException() {
        return new ClosedException("circular buffer " + name + " is closed");
    }

    private RuntimeException closedOr(IllegalStateException e) {
        return closed || !memory.scope().isAlive() ? closedException() : e;
    }

    private void checkItem(MemorySegment item) {
        if (Objects.requireNonNull(item, "item").byteSize() != itemSize) {
            throw new IllegalArgumentException("an item of this buffer is exactly " + itemSize + " bytes, not "
                    + item.byteSize());
        }
    }

    /**
     * Fails if the calling thread cannot copy from or to the caller's {@code memory} now, before a
     * put or take claims a position for it: the copy after the claim must not fail, or the claimed
     * slot would never be published (consumers of every process stop at it) or released (its item
     * is lost and producers stop at it a lap later), as if this process had died in the copy.
     * Memory of a closed arena or of a confined arena of another thread fails here with the
     * exception the JDK would throw on the access. Heap arrays always pass.
     *
     * @throws WrongThreadException  if {@code memory} is of a confined arena of another thread
     * @throws IllegalStateException if {@code memory}'s arena is closed
     */
    private void requireAccessible(MemorySegment memory, String what, String outcome) {
        if (!memory.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("Attempted access outside owning thread: the " + what + " segment is of"
                    + " a confined arena of another thread; " + outcome + " (circular buffer " + name + ")");
        }
        if (!memory.scope().isAlive()) {
            throw new IllegalStateException("Already closed: the " + what + " segment is of a closed arena; "
                    + outcome + " (circular buffer " + name + ")");
        }
    }

    private void checkDestination(MemorySegment destination) {
        if (Objects.requireNonNull(destination, "destination").byteSize() < itemSize) {
            throw new IllegalArgumentException("destination of " + destination.byteSize()
                    + " bytes is smaller than an item (" + itemSize + " bytes)");
        }
        if (destination.isReadOnly()) {
            throw new ReadOnlyBufferException(); // as Mailbox.poll(ByteBuffer) and StreamConnection.read
        }
    }

    // =================================================================== state

    /** Bytes per item. */
    public int itemSize() {
        return itemSize;
    }

    /** Items the buffer holds when full. */
    public int capacity() {
        return capacity;
    }

    /** Items in the buffer now (a snapshot; may be stale by the time it is read). */
    public int size() {
        long enqueued = position(ENQUEUE_POSITION_OFFSET);
        long dequeued = position(DEQUEUE_POSITION_OFFSET);
        return (int) Math.max(0, Math.min(capacity, enqueued - dequeued));
    }

    /**
     * Items ever put (the enqueue position).
     *
     * @throws ClosedException if this handle is closed (as {@link #size()} and {@link #takeCount()})
     */
    public long putCount() {
        return position(ENQUEUE_POSITION_OFFSET);
    }

    /** Items ever taken (the dequeue position). */
    public long takeCount() {
        return position(DEQUEUE_POSITION_OFFSET);
    }

    /** The position word at {@code offset}, read through an open handle. */
    private long position(int offset) {
        checkOpen();
        try {
            return (long) LONG.getVolatile(memory, (long) offset);
        } catch (IllegalStateException e) { // closed (unmapped) since the check
            throw closedOr(e);
        }
    }

    @Override
    public String toString() {
        return "CircularBuffer[" + name + ", " + capacity + " x " + itemSize + " bytes]";
    }
}
