package io.jipc.ring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Copies a short message into shared memory with plain 8-byte loads and stores in ascending
 * address order, on processors where that measured faster between processes; longer messages, and
 * every message elsewhere, go through {@link MemorySegment#copy}. Every send of the rings and
 * mailboxes copies its payload through here.
 *
 * <p>Why: below 64 bytes {@code MemorySegment.copy} already copies this way, but from 64 bytes on it
 * calls the JVM's generic copy routine ({@code Unsafe.copyMemory}). On the Intel Xeon (AVX-512) of
 * one 2-vCPU dev VM that routine made the round trip of a two-process ping-pong much slower than
 * its cost in one thread suggests: {@code jipc-bench aeron} with 128-byte messages had a jipc RTT
 * p50 of 0.41–0.54 µs with it and 0.32 µs with this copy (Aeron 0.39–0.43 µs); with 64-byte
 * messages the p50 did not move but p90 fell by about 13 % and p99 by 10 %. On an AMD EPYC (Zen 3)
 * VM it was the other way round: the routine's round trips were shorter by about 6 ns at 64 bytes
 * and 35 ns at 128 bytes ({@code jipc-bench interleaved}, mailbox against Aeron); an earlier AMD
 * (Zen 5) host showed no difference. Hence the default: this copy on Intel processors only
 * ({@code vendor_id} GenuineIntel in {@code /proc/cpuinfo}). The system property
 * {@value #PROPERTY} ({@code true} or {@code false}) overrides it for the whole process. The
 * figures are in docs/benchmarks.md ("Ascending copies", "The copy on AMD Zen 3").
 *
 * <p>In one thread the routine is faster (about 130 against 80 copies of 64 bytes per µs,
 * {@code CopyBenchmark}), so where this copy is used a stream of small messages pays about 10 % of
 * its one-way rate; at 256 bytes it halved the one-way rate and gained little latency, hence the
 * limit of {@value #MAX_LENGTH} bytes.
 *
 * <p>Any thread may call it. It has no memory-ordering effect of its own: the caller publishes the
 * record afterwards with a release store. Overlapping ranges go to {@code MemorySegment.copy}, which
 * copies as if through an intermediate buffer.
 */
public final class AscendingCopy {
    /** The longest copy made with plain stores, in bytes; longer ones use {@link MemorySegment#copy}. */
    public static final int MAX_LENGTH = 128;

    /** The system property that chooses the copy: {@code true}, {@code false}, or unset (by processor). */
    public static final String PROPERTY = "jipc.ring.ascendingCopy";

    /** Whether {@link #copy} copies payloads of up to {@link #MAX_LENGTH} bytes itself in this process. */
    public static final boolean ENABLED = enabled(System.getProperty(PROPERTY), cpuVendor(Path.of("/proc/cpuinfo")));

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private AscendingCopy() {
    }

    /**
     * Copies {@code length} bytes from {@code source} at {@code sourceOffset} to {@code target} at
     * {@code targetOffset}, with the bounds, access and liveness checks of segment accesses.
     *
     * @throws IndexOutOfBoundsException if either range is not inside its segment or {@code length} is
     *         negative (part of the target range may have been written by then)
     * @throws IllegalStateException if either segment's arena is closed
     * @throws IllegalArgumentException if {@code target} is read-only
     */
    public static void copy(MemorySegment source, long sourceOffset, MemorySegment target, long targetOffset,
                            int length) {
        copy(ENABLED, source, sourceOffset, target, targetOffset, length);
    }

    /**
     * {@link #copy(MemorySegment, long, MemorySegment, long, int)} with plain ascending stores up to
     * {@link #MAX_LENGTH} bytes whatever the processor: for benchmarks that compare the two ways.
     */
    public static void copyAscending(MemorySegment source, long sourceOffset, MemorySegment target, long targetOffset,
                                     int length) {
        copy(true, source, sourceOffset, target, targetOffset, length);
    }

    /** {@link #copy(MemorySegment, long, MemorySegment, long, int)} with the choice made by the caller. */
    static void copy(boolean ascending, MemorySegment source, long sourceOffset, MemorySegment target,
                     long targetOffset, int length) {
        if (!ascending || length > MAX_LENGTH || length < 0
                || overlap(source, sourceOffset, target, targetOffset, length)) {
            MemorySegment.copy(source, sourceOffset, target, targetOffset, length);
            return;
        }
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            target.set(LONG, targetOffset + i, source.get(LONG, sourceOffset + i));
        }
        for (; i < length; i++) {
            target.set(ValueLayout.JAVA_BYTE, targetOffset + i, source.get(ValueLayout.JAVA_BYTE, sourceOffset + i));
        }
    }

    /**
     * Whether to copy short payloads in ascending order: as {@code setting} says ({@code true} or
     * {@code false}), or, if it is null, on an Intel processor ({@code vendor} GenuineIntel).
     *
     * @throws IllegalArgumentException if {@code setting} is something else
     */
    static boolean enabled(String setting, String vendor) {
        if (setting == null) {
            return "GenuineIntel".equals(vendor);
        }
        return switch (setting.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("system property " + PROPERTY + " must be true or false, not '"
                    + setting + "'");
        };
    }

    /** The {@code vendor_id} of the first processor in {@code cpuinfo}, or "" if it cannot be read. */
    static String cpuVendor(Path cpuinfo) {
        try { // not Files.lines: its channel closes itself if the loading thread has an interrupt pending
            return Files.readAllLines(cpuinfo).stream().filter(line -> line.startsWith("vendor_id")).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).strip()).orElse("");
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /** Whether the two ranges may share bytes (two heap segments are left to {@code MemorySegment.copy}). */
    private static boolean overlap(MemorySegment source, long sourceOffset, MemorySegment target, long targetOffset,
                                   int length) {
        if (!source.isNative() || !target.isNative()) {
            return !source.isNative() && !target.isNative();
        }
        long from = source.address() + sourceOffset;
        long to = target.address() + targetOffset;
        return from < to + length && to < from + length;
    }
}
