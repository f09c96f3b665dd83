package io.jipc.bench.jmh;

import io.jipc.ring.AscendingCopy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Copying a payload into a ring's data area, the two ways a send may do it: {@code ascending} is
 * {@link AscendingCopy#copyAscending} (plain 8-byte stores in ascending order; what sends use up to
 * {@value AscendingCopy#MAX_LENGTH} bytes on Intel processors), {@code segmentCopy} is
 * {@link MemorySegment#copy} (what they use beyond, and on other processors). In one thread the
 * second is faster from 64 bytes on; between two processes which one gives the shorter round trip
 * depends on the processor (see {@code AscendingCopy}). Source: a native segment; target:
 * a slot of a 1 MiB native segment (the position advances by the record size, as in a ring).
 * Score: copies per microsecond.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-XX:+UseSerialGC"})
@State(Scope.Thread)
public class CopyBenchmark {
    private static final long AREA = 1 << 20;

    @Param({"16", "64", "256"})
    public int length;

    private Arena arena;
    private MemorySegment source;
    private MemorySegment target;
    private long position;
    private long step;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        source = arena.allocate(length, 64);
        target = arena.allocate(AREA, 4096);
        step = (16 + length + 15) & -16L;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private long next() {
        long p = position;
        position = p + step + length > AREA ? 0 : p + step;
        return p + 16;
    }

    @Benchmark
    public MemorySegment ascending() {
        AscendingCopy.copyAscending(source, 0, target, next(), length);
        return target;
    }

    @Benchmark
    public MemorySegment segmentCopy() {
        MemorySegment.copy(source, 0, target, next(), length);
        return target;
    }
}
