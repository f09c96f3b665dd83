package io.jipc.sync;

import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A shared file that the test and its child processes map, holding one object of each kind in a
 * slot (as a region of another module would) and some plain data they protect.
 *
 * <pre>
 *   offset  content
 *      128  mutex slot (64)
 *      192  condition slot (64)
 *      256  barrier slot (64), untracked, {@link #BARRIER_PARTIES} parties unless the test says
 *      320  latch slot (64), count {@link #BARRIER_PARTIES}
 *      512  semaphore slot, tracked, {@link #HOLDERS} entries, {@link #PERMITS} permits
 *     2048  data: plain longs (counter A, counter B, inside flag, ..., per-party rounds)
 *     4096  tracked barrier slot, {@link #TRACKED_PARTIES} parties unless the test says (room for
 *           {@link #MAX_PARTIES})
 * </pre>
 * The barriers' parties are fixed when the file is created ({@link #create(String, int, int, int)}):
 * a child process reads them from the barrier ({@link ProcessBarrier#parties()}).
 */
final class SharedArea implements AutoCloseable {
    static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-SYT");
    static final long LENGTH = 8192;
    static final long MUTEX = 128;
    static final long CONDITION = 192;
    static final long BARRIER = 256;
    static final long LATCH = 320;
    static final long SEMAPHORE = 512;
    static final long DATA = 2048;
    static final long TRACKED_BARRIER = 4096;
    static final int HOLDERS = 16;
    static final int BARRIER_PARTIES = 4;
    static final int TRACKED_PARTIES = 3;
    /** Most parties a barrier of the file may have: the tracked slot's room, and a {@link #ROUNDS} word each. */
    static final int MAX_PARTIES = 64;

    /** Data words (index into {@link #DATA}, 8 bytes each). */
    static final int COUNTER_A = 0;
    static final int COUNTER_B = 1;
    static final int INSIDE = 2;
    static final int FLAG = 3;
    static final int START = 4;
    static final int ROUNDS = 8;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    final SharedSegment segment;
    final MemorySegment memory;

    private SharedArea(SharedSegment segment) {
        this.segment = segment;
        this.memory = segment.memory();
    }

    static Path path(String name) {
        return JipcRoot.directory("test").resolve(name);
    }

    /** Creates the file with every slot formatted; the semaphore has {@code permits} permits. */
    static SharedArea create(String name, int permits) {
        return create(name, permits, BARRIER_PARTIES, TRACKED_PARTIES);
    }

    /**
     * Creates the file with every slot formatted; the semaphore has {@code permits} permits, the
     * untracked barrier {@code barrierParties} parties, the tracked one {@code trackedParties} (each at
     * most {@link #MAX_PARTIES}).
     */
    static SharedArea create(String name, int permits, int barrierParties, int trackedParties) {
        if (trackedParties > MAX_PARTIES || barrierParties > MAX_PARTIES) {
            throw new IllegalArgumentException("at most " + MAX_PARTIES + " parties a barrier");
        }
        SharedSegment segment = SharedSegment.create(path(name), MAGIC, LENGTH, 0600);
        MemorySegment memory = segment.memory();
        ProcessMutex.format(memory.asSlice(MUTEX, ProcessMutex.SLOT_LENGTH));
        ProcessCondition.format(memory.asSlice(CONDITION, ProcessCondition.SLOT_LENGTH));
        ProcessBarrier.format(memory.asSlice(BARRIER, ProcessBarrier.SLOT_LENGTH), barrierParties);
        ProcessBarrier.formatTracked(memory.asSlice(TRACKED_BARRIER, ProcessBarrier.slotLength(trackedParties)),
                trackedParties);
        ProcessCountDownLatch.format(memory.asSlice(LATCH, ProcessCountDownLatch.SLOT_LENGTH), BARRIER_PARTIES);
        ProcessSemaphore.format(memory.asSlice(SEMAPHORE, ProcessSemaphore.slotLength(HOLDERS)), permits, HOLDERS);
        segment.publish(1, 0);
        return new SharedArea(segment);
    }

    static SharedArea open(String name) {
        return new SharedArea(SharedSegment.open(path(name), MAGIC, 1, 0600, Duration.ofSeconds(5)));
    }

    ProcessMutex mutex() {
        return ProcessMutex.in(memory.asSlice(MUTEX));
    }

    ProcessCondition condition() {
        return ProcessCondition.in(memory.asSlice(CONDITION));
    }

    ProcessBarrier barrier() {
        return ProcessBarrier.in(memory.asSlice(BARRIER));
    }

    ProcessBarrier trackedBarrier() {
        return ProcessBarrier.in(memory.asSlice(TRACKED_BARRIER));
    }

    ProcessCountDownLatch latch() {
        return ProcessCountDownLatch.in(memory.asSlice(LATCH));
    }

    ProcessSemaphore semaphore() {
        return ProcessSemaphore.in(memory.asSlice(SEMAPHORE));
    }

    /** A plain (not atomic) read of data word {@code index}. */
    long get(int index) {
        return memory.get(ValueLayout.JAVA_LONG, DATA + 8L * index);
    }

    /** A plain (not atomic) write of data word {@code index}. */
    void set(int index, long value) {
        memory.set(ValueLayout.JAVA_LONG, DATA + 8L * index, value);
    }

    /** A volatile write, for words written outside the objects (the parent's signals). */
    void setVolatile(int index, long value) {
        LONG.setVolatile(memory, DATA + 8L * index, value);
    }

    /** A volatile read, for words read outside the objects (the parent's checks). */
    long getVolatile(int index) {
        return (long) LONG.getVolatile(memory, DATA + 8L * index);
    }

    @Override
    public void close() {
        segment.close();
    }

    void destroy() {
        segment.close();
        SharedSegment.unlink(segment.path());
    }
}
