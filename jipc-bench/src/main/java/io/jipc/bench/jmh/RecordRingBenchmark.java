package io.jipc.bench.jmh;

import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordRing;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * The record rings in one process (the shared file is in {@code /dev/shm}, as between processes).
 *
 * <ul>
 * <li>{@code offerRead}: one thread offers a batch of {@value #BATCH} records (copying the payload
 *     in), then reads the batch (the handler reads the first 8 bytes of each). Score: records per
 *     microsecond, each offered and read.</li>
 * <li>{@code claimCommitRead}: the same with {@code tryClaim}, the payload written in place
 *     (a sequence number and a copy of the rest), {@code commit}.</li>
 * <li>group {@code pair} / {@code pairClaim}: a producer thread offers (or claims and commits) while
 *     a consumer thread reads, on two handles of the same ring, as two processes would. An offer
 *     that finds the ring full and a read that finds it empty return at once; the meaningful figures
 *     are the secondary counters {@code sent} and {@code received} (records per microsecond), and
 *     {@code full} / {@code empty} (failed attempts).</li>
 * </ul>
 * Parameters: {@code kind} = {@code spsc} (single producer, a lease) or {@code mpsc} (many producers,
 * compare-and-set claims; one producer here); {@code payload} = bytes per record.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-XX:+UseSerialGC"})
public class RecordRingBenchmark {
    static final int BATCH = 64;
    /** Room for a batch of the largest records, several times over. */
    static final long CAPACITY = 1 << 20;

    /** One ring used by one thread as producer and consumer. */
    @State(Scope.Thread)
    public static class SingleThread {
        @Param({"spsc", "mpsc"})
        public String kind;

        @Param({"64", "256", "4096"})
        public int payload;

        SharedRing shared;
        RecordRing ring;
        MemorySegment source;
        long sequence;
        long sum;
        final RecordHandler handler = (buffer, offset, length) -> sum += buffer.get(ValueLayout.JAVA_LONG, offset);

        @Setup(Level.Trial)
        public void setUp() {
            shared = new SharedRing(CAPACITY, kind.equals("spsc"));
            ring = shared.attach(true, true);
            source = Arena.ofAuto().allocate(payload, 64);
            for (long i = 0; i < payload; i++) {
                source.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ring.detach();
            shared.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long offerRead(SingleThread s) {
        RecordRing ring = s.ring;
        MemorySegment source = s.source;
        int payload = s.payload;
        for (int i = 0; i < BATCH; i++) {
            source.set(ValueLayout.JAVA_LONG, 0, s.sequence++);
            if (!ring.offer(source, 0, payload)) {
                throw new IllegalStateException("ring full");
            }
        }
        if (ring.read(s.handler, BATCH) != BATCH) {
            throw new IllegalStateException("short read");
        }
        return s.sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long claimCommitRead(SingleThread s) {
        RecordRing ring = s.ring;
        MemorySegment buffer = ring.buffer();
        MemorySegment source = s.source;
        int payload = s.payload;
        for (int i = 0; i < BATCH; i++) {
            long position = ring.tryClaim(payload);
            if (position == RecordRing.FULL) {
                throw new IllegalStateException("ring full");
            }
            long offset = ring.payloadOffset(position);
            buffer.set(ValueLayout.JAVA_LONG, offset, s.sequence++);
            MemorySegment.copy(source, 8, buffer, offset + 8, payload - 8);
            ring.commit(position);
        }
        if (ring.read(s.handler, BATCH) != BATCH) {
            throw new IllegalStateException("short read");
        }
        return s.sum;
    }

    /** One ring, with a producer handle and a consumer handle, shared by the two threads of a group. */
    @State(Scope.Group)
    public static class Pair {
        @Param({"spsc", "mpsc"})
        public String kind;

        @Param({"64", "256", "4096"})
        public int payload;

        SharedRing shared;
        RecordRing producer;
        RecordRing consumer;

        @Setup(Level.Trial)
        public void setUp() {
            shared = new SharedRing(CAPACITY, kind.equals("spsc"));
            producer = shared.attach(true, false);
            consumer = shared.attach(false, true);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            producer.detach();
            consumer.detach();
            shared.close();
        }
    }

    /** The producer thread's payload and counters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class ProducerCounters {
        public long sent;
        public long full;
        MemorySegment source;
        long sequence;

        @Setup(Level.Trial)
        public void allocate(Pair pair) {
            source = Arena.ofAuto().allocate(pair.payload, 64);
        }

        @Setup(Level.Iteration)
        public void reset() {
            sent = 0;
            full = 0;
        }
    }

    /** The consumer thread's handler and counters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class ConsumerCounters {
        public long received;
        public long empty;
        long sum;
        final RecordHandler handler = (buffer, offset, length) -> sum += buffer.get(ValueLayout.JAVA_LONG, offset);

        @Setup(Level.Iteration)
        public void reset() {
            received = 0;
            empty = 0;
        }
    }

    @Benchmark
    @Group("pair")
    @GroupThreads(1)
    public boolean pairOffer(Pair pair, ProducerCounters c) {
        c.source.set(ValueLayout.JAVA_LONG, 0, c.sequence);
        if (pair.producer.offer(c.source, 0, pair.payload)) {
            c.sequence++;
            c.sent++;
            return true;
        }
        c.full++;
        return false;
    }

    @Benchmark
    @Group("pair")
    @GroupThreads(1)
    public long pairRead(Pair pair, ConsumerCounters c) {
        return read(pair, c);
    }

    @Benchmark
    @Group("pairClaim")
    @GroupThreads(1)
    public boolean pairClaimCommit(Pair pair, ProducerCounters c) {
        RecordRing ring = pair.producer;
        long position = ring.tryClaim(pair.payload);
        if (position == RecordRing.FULL) {
            c.full++;
            return false;
        }
        MemorySegment buffer = ring.buffer();
        long offset = ring.payloadOffset(position);
        buffer.set(ValueLayout.JAVA_LONG, offset, c.sequence++);
        MemorySegment.copy(c.source, 8, buffer, offset + 8, pair.payload - 8);
        ring.commit(position);
        c.sent++;
        return true;
    }

    @Benchmark
    @Group("pairClaim")
    @GroupThreads(1)
    public long pairClaimRead(Pair pair, ConsumerCounters c) {
        return read(pair, c);
    }

    private static long read(Pair pair, ConsumerCounters c) {
        int n = pair.consumer.read(c.handler, 256);
        if (n == 0) {
            c.empty++;
        } else {
            c.received += n;
        }
        return c.sum;
    }
}
