package io.jipc.bench.jmh;

import io.jipc.bench.GccLibrary;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.segment.SharedSegment;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What {@link MemorySegment}'s checks cost per message: the same sketch of a single-producer record
 * ring (no wrap padding, no leases, no wake-ups: the accesses every message needs) run by Java
 * through {@code MemorySegment} accesses and by C ({@code accesscost.c}, compiled with
 * {@code gcc -O2} at set-up) on the same shared mapping.
 *
 * <p>Per message the producer writes the source's sequence word, checks for room against its
 * cached head, stores the record's length and type, copies the payload, releases the commit word
 * and the tail; the consumer acquires the commit word, reads the header and the payload's first
 * word; per batch it stores the delivered count and releases the head. That is 8 accesses of a
 * segment per message with {@code payload = 8} (the payload is one word), and a copy call
 * instead of one of them with 64. Each access of a segment checks the segment's class, that it is
 * writable, the offset against its length, alignment and that its arena is open; C does none
 * of that, and runs a whole batch in one call (linked critical).
 *
 * <p>Score: records per microsecond, each offered and read, in one thread (as
 * {@code RecordRingBenchmark.offerRead}). {@code kind}: {@code segment} (Java) or {@code c}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=true",
        "-XX:+UseSerialGC"})
public class SegmentAccessCostBenchmark {
    static final int BATCH = 64;
    static final long CAPACITY = 1 << 16;
    static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-ACC");
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long RECORD = 128;
    private static final long TAIL = 128;
    private static final long HEAD = 256;
    private static final long DELIVERED = 264;
    private static final long DATA = 4096;
    private static final long SALT = 0x5a5a_5a5a_1234_5678L;
    private static final long MASK = CAPACITY - 1;
    // indexes of the C half's state array
    private static final int ST_TAIL = 0;
    private static final int ST_HEAD = 2;
    private static final int ST_SUM = 5;

    @State(Scope.Thread)
    public static class Ring {
        @Param({"segment", "agrona", "c"})
        public String kind;

        @Param({"8", "64"})
        public int payload;

        Path file;
        SharedSegment shared;
        MemorySegment control;
        MemorySegment data;
        MemorySegment source;
        long tail;
        long cachedHead;
        long head;
        long delivered;
        long sequence;
        long sum;

        UnsafeBuffer controlBuffer;
        UnsafeBuffer dataBuffer;
        UnsafeBuffer sourceBuffer;

        Arena arena;
        MemorySegment state;
        MethodHandle offerRead;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            Path root = JmhRoot.enter();
            file = JipcRoot.directory("jmh").resolve("access-cost");
            shared = SharedSegment.create(file, MAGIC, DATA + CAPACITY, 0600);
            control = shared.memory().asSlice(0, DATA);
            data = shared.memory().asSlice(DATA, CAPACITY);
            shared.publish(1, 0);
            arena = Arena.ofShared();
            source = arena.allocate(payload, 64);
            if (kind.equals("c")) {
                Path library = root.resolve("accesscost.so");
                GccLibrary.compile(SegmentAccessCostBenchmark.class, "accesscost.c", library);
                SymbolLookup lookup = SymbolLookup.libraryLookup(library, arena);
                ValueLayout pointer = ValueLayout.ADDRESS;
                offerRead = Linker.nativeLinker().downcallHandle(lookup.findOrThrow("accesscost_offer_read"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, pointer, pointer, pointer, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_LONG, pointer, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                        Linker.Option.critical(false));
                state = arena.allocate(ValueLayout.JAVA_LONG, 6);
            } else if (kind.equals("agrona")) {
                controlBuffer = new UnsafeBuffer(control.address(), (int) DATA);
                dataBuffer = new UnsafeBuffer(data.address(), (int) CAPACITY);
                sourceBuffer = new UnsafeBuffer(source.address(), payload);
            } else if (!kind.equals("segment")) {
                throw new IllegalArgumentException("kind: segment, agrona or c, not " + kind);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (state != null && state.getAtIndex(ValueLayout.JAVA_LONG, ST_TAIL)
                    != state.getAtIndex(ValueLayout.JAVA_LONG, ST_HEAD)) {
                throw new IllegalStateException("records left in the ring");
            }
            arena.close();
            shared.close();
            SharedSegment.unlink(file);
            JmhRoot.leave();
        }
    }

    private static boolean offer(Ring r, int length) {
        long t = r.tail;
        if (t + RECORD - r.cachedHead > CAPACITY) {
            r.cachedHead = (long) LONG.getAcquire(r.control, HEAD);
            if (t + RECORD - r.cachedHead > CAPACITY) {
                return false;
            }
        }
        MemorySegment data = r.data;
        long at = t & MASK;
        data.set(ValueLayout.JAVA_LONG, at + 8, (1L << 32) | length);
        if (length == 8) {
            data.set(ValueLayout.JAVA_LONG, at + 16, r.source.get(ValueLayout.JAVA_LONG, 0));
        } else {
            MemorySegment.copy(r.source, 0, data, at + 16, length);
        }
        r.tail = t + RECORD;
        LONG.setRelease(data, at, t ^ SALT);
        LONG.setRelease(r.control, TAIL, r.tail);
        return true;
    }

    private static int read(Ring r, int limit) {
        MemorySegment data = r.data;
        long h = r.head;
        int count = 0;
        while (count < limit) {
            long at = h & MASK;
            if ((long) LONG.getAcquire(data, at) != (h ^ SALT)) {
                break;
            }
            int length = (int) data.get(ValueLayout.JAVA_LONG, at + 8);
            if (length < 0 || length > 4096) {
                throw new IllegalStateException("impossible record length " + length);
            }
            h += RECORD;
            count++;
            r.sum += data.get(ValueLayout.JAVA_LONG, at + 16);
        }
        r.head = h;
        r.delivered += count;
        r.control.set(ValueLayout.JAVA_LONG, DELIVERED, r.delivered);
        LONG.setRelease(r.control, HEAD, h);
        return count;
    }

    private static boolean offer(Ring r, UnsafeBuffer data, UnsafeBuffer source, int length) {
        long t = r.tail;
        if (t + RECORD - r.cachedHead > CAPACITY) {
            r.cachedHead = r.controlBuffer.getLongAcquire((int) HEAD);
            if (t + RECORD - r.cachedHead > CAPACITY) {
                return false;
            }
        }
        int at = (int) (t & MASK);
        data.putLong(at + 8, (1L << 32) | length);
        if (length == 8) {
            data.putLong(at + 16, source.getLong(0));
        } else {
            data.putBytes(at + 16, source, 0, length);
        }
        r.tail = t + RECORD;
        data.putLongRelease(at, t ^ SALT);
        r.controlBuffer.putLongRelease((int) TAIL, r.tail);
        return true;
    }

    private static int read(Ring r, UnsafeBuffer data, int limit) {
        long h = r.head;
        int count = 0;
        while (count < limit) {
            int at = (int) (h & MASK);
            if (data.getLongAcquire(at) != (h ^ SALT)) {
                break;
            }
            int length = (int) data.getLong(at + 8);
            if (length < 0 || length > 4096) {
                throw new IllegalStateException("impossible record length " + length);
            }
            h += RECORD;
            count++;
            r.sum += data.getLong(at + 16);
        }
        r.head = h;
        r.delivered += count;
        r.controlBuffer.putLong((int) DELIVERED, r.delivered);
        r.controlBuffer.putLongRelease((int) HEAD, h);
        return count;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long offerRead(Ring r) throws Throwable {
        if (r.offerRead != null) {
            int read = (int) r.offerRead.invokeExact(r.control, r.data, r.source, MASK, SALT, r.state, BATCH, r.payload);
            if (read != BATCH) {
                throw new IllegalStateException("C read " + read + " of " + BATCH);
            }
            return r.state.getAtIndex(ValueLayout.JAVA_LONG, ST_SUM);
        }
        if (r.dataBuffer != null) {
            for (int i = 0; i < BATCH; i++) {
                r.sourceBuffer.putLong(0, r.sequence++);
                if (!offer(r, r.dataBuffer, r.sourceBuffer, r.payload)) {
                    throw new IllegalStateException("ring full");
                }
            }
            if (read(r, r.dataBuffer, BATCH) != BATCH) {
                throw new IllegalStateException("short read");
            }
            return r.sum;
        }
        for (int i = 0; i < BATCH; i++) {
            r.source.set(ValueLayout.JAVA_LONG, 0, r.sequence++);
            if (!offer(r, r.payload)) {
                throw new IllegalStateException("ring full");
            }
        }
        if (read(r, BATCH) != BATCH) {
            throw new IllegalStateException("short read");
        }
        return r.sum;
    }
}
