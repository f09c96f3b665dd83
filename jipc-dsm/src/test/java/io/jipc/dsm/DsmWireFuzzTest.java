package io.jipc.dsm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.testkit.ThreadAllocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Whatever bytes the other side of a replicated region's connection sends, {@link DsmWire#decode}
 * either returns a frame that holds (its fields as on the wire, its diff's ranges inside the region,
 * ascending and disjoint, and it encodes back to the same bytes) or throws {@link DsmProtocolException}:
 * no other exception, and no allocation much beyond the frame's length. And whatever two equal-size
 * segments a write section compares, {@link Diff#between} makes a diff whose encoding is at most
 * {@code 12 + size} bytes and that, decoded and applied to the twin, gives back the new bytes exactly.
 *
 * <p>{@link #decodeFrame(byte[])} and {@link #diffRoundTrip(byte[])} are Jazzer fuzz targets:
 * {@code mvn test} replays their seed inputs (under
 * {@code src/test/resources/io/jipc/dsm/DsmWireFuzzTestInputs/<target>}); {@code JAZZER_FUZZ=1 mvn
 * -pl jipc-dsm test -Dtest=DsmWireFuzzTest#decodeFrame} fuzzes one (60 s). An input of
 * {@code decodeFrame} is the frame, then the region size as a big-endian {@code int} in its last 4
 * bytes (negative: -1, the region not open yet; above 1 GiB: 1 GiB); an input shorter than 4 bytes is
 * a frame decoded with -1. An input of {@code diffRoundTrip} is described at {@link #pairOf(byte[])}.
 * {@link #mutatedFrames(long)} runs the frame check on random mutations of valid frames in every
 * build; the explicit tests pin each hostile length and each refusal, and the parameterized property
 * tests run {@code Diff.between} over seeded change patterns.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DsmWireFuzzTest {
    private static final int GAP = Diff.GAP;
    /** Allocation allowed to one decode: a few times the frame (the REFUSED message as chars and a String) plus a constant for the exception. */
    private static final long ALLOCATION_SLACK = 64 * 1024;

    static {
        // the first decodes load classes and may allocate for that: not the decoder's doing
        for (byte[] frame : validFrames()) {
            for (int i = 0; i < 3; i++) {
                decodeQuietly(frame, 64);
                decodeQuietly(frame, -1);
                decodeQuietly(Arrays.copyOf(frame, frame.length - 1), 64);
                decodeQuietly(Arrays.copyOf(frame, frame.length + 1), 64);
            }
        }
    }

    private static void decodeQuietly(byte[] frame, long regionSize) {
        try {
            DsmWire.decode(frame, regionSize);
        } catch (DsmProtocolException refused) {
            assertNotNull(refused.getMessage());
        }
    }

    // ------------------------------------------------------------------ the properties

    /**
     * Refused with {@link DsmProtocolException}, or decoded to a frame that holds; either way without
     * changing {@code frame} and without allocating much more than it.
     *
     * @return the frame, or null if refused
     */
    static DsmWire.Frame check(byte[] frame, long regionSize) {
        byte[] original = frame.clone();
        DsmWire.Frame decoded = null;
        try {
            decoded = DsmWire.decode(frame, regionSize);
        } catch (DsmProtocolException refused) {
            assertNotNull(refused.getMessage());
        }
        assertArrayEquals(original, frame, "decode changed the frame");
        // the least of up to three decodes: the first run of a path may link call sites (string
        // concatenation, exceptions) and allocate for that, a decoder that allocates by what a
        // hostile length announces does so every time
        long allowed = 4L * frame.length + ALLOCATION_SLACK;
        long allocated;
        try {
            allocated = ThreadAllocation.leastPerWindow(3, allowed, i -> decodeQuietly(frame, regionSize));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertTrue(allocated <= allowed, "decoding " + frame.length + " bytes allocated " + allocated + " bytes");
        if (decoded != null) {
            holds(decoded, frame, regionSize);
        }
        return decoded;
    }

    /** What a decoded frame must be: exactly the bytes it came from. */
    private static void holds(DsmWire.Frame decoded, byte[] frame, long regionSize) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        byte type = in.get();
        switch (decoded) {
            case DsmWire.Open open -> {
                assertEquals(DsmWire.OPEN, type);
                assertEquals(DsmWire.MAGIC, in.getInt());
                assertEquals(Short.toUnsignedInt(in.getShort()), open.major());
                assertEquals(Short.toUnsignedInt(in.getShort()), open.minor());
                assertEquals(Integer.toUnsignedLong(in.getInt()), open.size());
                int nameLength = Short.toUnsignedInt(in.getShort());
                assertEquals(in.remaining(), nameLength);
                assertTrue(nameLength >= 1 && nameLength <= DsmWire.MAX_NAME_BYTES, "name of " + nameLength + " bytes");
                assertEquals(open.name(), DsmWire.checkName(open.name()));
                assertArrayEquals(Arrays.copyOfRange(frame, frame.length - nameLength, frame.length),
                        open.name().getBytes(StandardCharsets.US_ASCII));
                if (open.major() == DsmWire.MAJOR && open.minor() == DsmWire.MINOR) {
                    assertArrayEquals(frame, DsmWire.open(open.name(), open.size()), "OPEN round trip");
                }
            }
            case DsmWire.Opened opened -> {
                assertEquals(DsmWire.OPENED, type);
                assertSame(frame, opened.frame(), "the snapshot shares the frame");
                long version = in.getLong();
                assertTrue(version >= 0, "version " + version);
                assertEquals(version, opened.version());
                assertEquals(frame.length - DsmWire.SNAPSHOT_AT, opened.size());
                if (regionSize >= 0) {
                    assertEquals(regionSize, opened.size(), "snapshot size");
                }
            }
            case DsmWire.Signal signal -> {
                assertEquals(type, signal.type());
                assertTrue(type == DsmWire.ACQUIRE || type == DsmWire.SYNC || type == DsmWire.HEARTBEAT
                        || type == DsmWire.REVOKE, "signal " + type);
                assertEquals(1, frame.length);
            }
            case DsmWire.Versioned versioned -> {
                assertEquals(type, versioned.type());
                assertTrue(type == DsmWire.GRANTED || type == DsmWire.RELEASED || type == DsmWire.SYNCED
                        || type == DsmWire.KEPT, "versioned " + type);
                assertEquals(9, frame.length);
                assertTrue(versioned.version() >= 0);
                assertArrayEquals(frame, DsmWire.versioned(type, versioned.version()));
            }
            case DsmWire.Release release -> {
                assertEquals(DsmWire.RELEASE, type);
                assertTrue(regionSize >= 0, "a RELEASE decoded before the region was open");
                diffHolds(release.diff(), frame, 1, regionSize);
                assertArrayEquals(frame, DsmWire.release(release.diff()), "RELEASE round trip");
            }
            case DsmWire.Update update -> {
                assertEquals(DsmWire.UPDATE, type);
                assertTrue(regionSize >= 0, "an UPDATE decoded before the region was open");
                long version = in.getLong();
                assertTrue(version >= 0, "version " + version);
                assertEquals(version, update.version());
                diffHolds(update.diff(), frame, 9, regionSize);
                assertArrayEquals(frame, DsmWire.update(version, DsmWire.release(update.diff())), "UPDATE round trip");
            }
            case DsmWire.Refused refused -> {
                assertEquals(DsmWire.REFUSED, type);
                int code = Short.toUnsignedInt(in.getShort());
                assertEquals(RegionRefusedException.Reason.of(code), refused.reason());
                assertTrue(in.remaining() <= DsmWire.MAX_MESSAGE_BYTES, "message of " + in.remaining() + " bytes");
                assertNotNull(refused.message());
                assertTrue(refused.message().length() <= DsmWire.MAX_MESSAGE_BYTES, "message of "
                        + refused.message().length() + " chars");
                byte[] message = Arrays.copyOfRange(frame, 3, frame.length);
                if (Arrays.equals(message, refused.message().getBytes(StandardCharsets.UTF_8))
                        && refused.reason().code() == code) {
                    assertArrayEquals(frame, DsmWire.refused(refused.reason(), refused.message()), "REFUSED round trip");
                }
            }
        }
    }

    /** The diff's ranges: non-empty, ascending, disjoint, inside the region, their bytes those of the frame after {@code headerEnd}. */
    private static void diffHolds(Diff diff, byte[] frame, int headerEnd, long regionSize) {
        assertEquals(frame.length - headerEnd, diff.encodedSize(), "encoded size");
        ByteBuffer in = ByteBuffer.wrap(frame, headerEnd, frame.length - headerEnd);
        assertEquals(Integer.toUnsignedLong(in.getInt()), diff.count());
        long previousEnd = 0;
        long changed = 0;
        byte[] region = regionSize <= 64 * 1024 ? new byte[(int) regionSize] : null;
        for (int k = 0; k < diff.count(); k++) {
            long offset = diff.offset(k);
            long length = diff.length(k);
            assertEquals(Integer.toUnsignedLong(in.getInt()), offset, "offset of range " + k);
            assertEquals(Integer.toUnsignedLong(in.getInt()), length, "length of range " + k);
            assertTrue(length >= 1, "empty range " + k);
            assertTrue(offset >= previousEnd, "range " + k + " at " + offset + " before " + previousEnd);
            assertTrue(offset + length <= regionSize, "range " + k + " [" + offset + ", " + (offset + length)
                    + ") outside " + regionSize);
            if (region != null) {
                in.get(region, (int) offset, (int) length);
            } else {
                in.position(in.position() + (int) length);
            }
            previousEnd = offset + length;
            changed += length;
        }
        assertEquals(0, in.remaining(), "bytes after the diff");
        assertEquals(changed, diff.changedBytes());
        if (region != null) {
            byte[] applied = new byte[region.length];
            diff.applyTo(applied);
            assertArrayEquals(region, applied, "applyTo(byte[])");
            MemorySegment segment = MemorySegment.ofArray(new byte[region.length]);
            diff.applyTo(segment);
            assertArrayEquals(region, segment.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "applyTo(segment)");
        }
    }

    /**
     * {@code Diff.between(now, twin)}: at most {@code 12 + size} bytes encoded; decoded and applied to a
     * copy of the twin it gives {@code now}; no change, no range; ranges are minimal (start and end on a
     * changed byte) and at least {@link Diff#GAP} equal bytes apart.
     *
     * @return the diff
     */
    static Diff roundTrip(byte[] now, byte[] twin) {
        assertEquals(now.length, twin.length);
        byte[] nowCopy = now.clone();
        byte[] twinCopy = twin.clone();
        int size = now.length;
        Diff diff = Diff.between(MemorySegment.ofArray(now), MemorySegment.ofArray(twin));
        assertArrayEquals(nowCopy, now, "between changed now");
        assertArrayEquals(twinCopy, twin, "between changed the twin");
        assertTrue(diff.encodedSize() <= 12L + size, "diff of " + diff.encodedSize() + " bytes for a region of " + size);
        assertEquals(Arrays.equals(now, twin), diff.isEmpty(), "empty diff iff no change");
        boolean wholeRegion = diff.count() == 1 && diff.offset(0) == 0 && diff.length(0) == size;
        for (int k = 0; k < diff.count(); k++) {
            int start = (int) diff.offset(k);
            int end = (int) (diff.offset(k) + diff.length(k));
            if (!wholeRegion) {
                assertTrue(now[start] != twin[start], "range " + k + " starts on an unchanged byte at " + start);
                assertTrue(now[end - 1] != twin[end - 1], "range " + k + " ends on an unchanged byte at " + (end - 1));
            }
            if (k > 0) {
                long gap = diff.offset(k) - (diff.offset(k - 1) + diff.length(k - 1));
                assertTrue(gap >= GAP, "ranges " + (k - 1) + " and " + k + " only " + gap + " bytes apart");
            }
        }
        ByteBuffer encoded = ByteBuffer.allocate(diff.encodedSize());
        diff.encodeTo(encoded);
        assertEquals(0, encoded.remaining());
        encoded.flip();
        Diff decoded = Diff.decode(encoded, size);
        assertEquals(diff.count(), decoded.count());
        byte[] applied = twin.clone();
        decoded.applyTo(applied);
        assertArrayEquals(now, applied, "decoded diff applied to the twin");
        MemorySegment segment = MemorySegment.ofArray(twin.clone());
        decoded.applyTo(segment);
        assertArrayEquals(now, segment.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "applied to a segment");
        byte[] direct = twin.clone();
        diff.applyTo(direct);
        assertArrayEquals(now, direct, "diff applied to the twin");
        // as a RELEASE frame too
        byte[] release = DsmWire.release(diff);
        DsmWire.Release r = assertInstanceOf(DsmWire.Release.class, check(release, size));
        byte[] viaFrame = twin.clone();
        r.diff().applyTo(viaFrame);
        assertArrayEquals(now, viaFrame, "diff sent in a RELEASE frame");
        return diff;
    }

    // ------------------------------------------------------------------ the fuzz targets

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // fuzzing for 60 s, and Jazzer's start
    void decodeFrame(byte[] input) {
        check(frameOf(input), regionSizeOf(input));
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void diffRoundTrip(byte[] input) {
        byte[][] pair = pairOf(input);
        roundTrip(pair[0], pair[1]);
    }

    static byte[] frameOf(byte[] input) {
        return input.length < 4 ? input : Arrays.copyOf(input, input.length - 4);
    }

    static long regionSizeOf(byte[] input) {
        if (input.length < 4) {
            return -1;
        }
        int r = ByteBuffer.wrap(input, input.length - 4, 4).getInt();
        return r < 0 ? -1 : Math.min(r, DsmOptions.MAX_REGION_SIZE);
    }

    /**
     * An input of {@code diffRoundTrip}: a mode byte, the size as a big-endian {@code u16} (taken modulo
     * 8193), then the twin's bytes (zero-filled if the input is shorter). With mode bit 0 set, the next
     * {@code size} bytes are the new bytes (an arbitrary pair); otherwise the new bytes are the twin
     * changed by the rest of the input, in edits of 4 bytes: position ({@code u16} modulo size),
     * length minus one (low 6 bits), value (written to every byte of the edit).
     *
     * @return {now, twin}
     */
    static byte[][] pairOf(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        int mode = in.hasRemaining() ? in.get() : 0;
        int size = in.remaining() >= 2 ? Short.toUnsignedInt(in.getShort()) % 8193 : 0;
        byte[] twin = new byte[size];
        in.get(twin, 0, Math.min(size, in.remaining()));
        byte[] now = twin.clone();
        if ((mode & 1) != 0) {
            Arrays.fill(now, (byte) 0);
            in.get(now, 0, Math.min(size, in.remaining()));
        } else if (size > 0) {
            while (in.remaining() >= 4) {
                int position = Short.toUnsignedInt(in.getShort()) % size;
                int length = 1 + (in.get() & 0x3F);
                byte value = in.get();
                Arrays.fill(now, position, Math.min(size, position + length), value);
            }
        }
        return new byte[][] {now, twin};
    }

    // ------------------------------------------------------------------ the seed inputs

    private static List<Path> seeds(String target) throws Exception {
        URL url = DsmWireFuzzTest.class.getResource("DsmWireFuzzTestInputs/" + target);
        assertNotNull(url, "seed directory of " + target);
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.sorted().toList();
        }
    }

    /** The seeds of {@code decodeFrame} are what their names say: {@code valid-*} decode, the others are refused. */
    @Test
    void frameSeedsAreWhatTheirNamesSay() throws Exception {
        List<Path> seeds = seeds("decodeFrame");
        assertTrue(seeds.size() >= 20, "seeds: " + seeds);
        int valid = 0;
        for (Path seed : seeds) {
            byte[] input = Files.readAllBytes(seed);
            byte[] frame = frameOf(input);
            long regionSize = regionSizeOf(input);
            String name = seed.getFileName().toString();
            if (name.startsWith("valid-")) {
                assertNotNull(check(frame, regionSize), name + " is refused");
                valid++;
            } else {
                assertThrows(DsmProtocolException.class, () -> DsmWire.decode(frame, regionSize), name + " is decoded");
                check(frame, regionSize);
            }
        }
        assertTrue(valid >= 11, "a valid seed of each frame type");
    }

    @Test
    void diffSeedsRoundTrip() throws Exception {
        List<Path> seeds = seeds("diffRoundTrip");
        assertTrue(seeds.size() >= 6, "seeds: " + seeds);
        for (Path seed : seeds) {
            byte[][] pair = pairOf(Files.readAllBytes(seed));
            roundTrip(pair[0], pair[1]);
        }
    }

    // ------------------------------------------------------------------ valid frames

    private static final int REGION = 64;

    static List<byte[]> validFrames() {
        byte[] region = new byte[REGION];
        byte[] changed = region.clone();
        changed[3] = 7;
        changed[60] = 9;
        changed[63] = 1;
        Diff two = Diff.between(MemorySegment.ofArray(changed), MemorySegment.ofArray(region));
        byte[] release = DsmWire.release(two);
        return List.of(
                DsmWire.open("counters", REGION),
                DsmWire.opened(5, changed),
                DsmWire.signal(DsmWire.ACQUIRE),
                DsmWire.versioned(DsmWire.GRANTED, 5),
                release,
                DsmWire.release(Diff.EMPTY),
                DsmWire.versioned(DsmWire.RELEASED, 6),
                DsmWire.update(6, release),
                DsmWire.signal(DsmWire.SYNC),
                DsmWire.versioned(DsmWire.SYNCED, Long.MAX_VALUE),
                DsmWire.signal(DsmWire.HEARTBEAT),
                DsmWire.refused(RegionRefusedException.Reason.SIZE_MISMATCH, "region counters has 64 bytes, not 128"),
                DsmWire.versioned(DsmWire.KEPT, 7),
                DsmWire.signal(DsmWire.REVOKE));
    }

    @Test
    void everyValidFrameDecodesAndEncodesBack() {
        List<byte[]> frames = validFrames();
        for (byte[] frame : frames) {
            assertNotNull(check(frame, REGION), "type " + frame[0]);
        }
        // every type of the table, once
        assertEquals(IntStream.rangeClosed(1, 13).boxed().toList(),
                frames.stream().map(f -> (int) f[0]).distinct().sorted().toList());
        DsmWire.Open open = assertInstanceOf(DsmWire.Open.class, DsmWire.decode(frames.get(0), -1));
        assertEquals(new DsmWire.Open(1, 1, REGION, "counters"), open);
        DsmWire.Update update = assertInstanceOf(DsmWire.Update.class, DsmWire.decode(frames.get(7), REGION));
        assertEquals(6, update.version());
        assertEquals(2, update.diff().count());
        DsmWire.Refused refused = assertInstanceOf(DsmWire.Refused.class, DsmWire.decode(frames.get(11), -1));
        assertEquals(RegionRefusedException.Reason.SIZE_MISMATCH, refused.reason());
        assertEquals("region counters has 64 bytes, not 128", refused.message());
    }

    @Test
    void theFramesAreBigEndianAsDocumented() {
        ByteBuffer open = ByteBuffer.wrap(DsmWire.open("ab", 0x01020304));
        assertEquals(1, open.get());
        assertEquals(0x4A44534D, open.getInt());
        assertEquals(1, open.getShort());
        assertEquals(1, open.getShort());
        assertEquals(0x01020304, open.getInt());
        assertEquals(2, open.getShort());
        assertEquals('a', open.get());
        assertEquals('b', open.get());
        assertEquals(0, open.remaining());
        assertArrayEquals(new byte[] {4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88},
                DsmWire.versioned(DsmWire.GRANTED, 0x1122334455667788L));
        assertArrayEquals(new byte[] {11, 0, 5, 'n', 'o'}, DsmWire.refused(RegionRefusedException.Reason.VERSION, "no"));
        assertArrayEquals(new byte[] {11, 0, 1}, DsmWire.refused(RegionRefusedException.Reason.of(0x0102), ""),
                "a code this version does not know is PROTOCOL");
        byte[] region = new byte[16];
        byte[] now = region.clone();
        now[5] = (byte) 0xAB;
        byte[] release = DsmWire.release(Diff.between(MemorySegment.ofArray(now), MemorySegment.ofArray(region)));
        assertArrayEquals(new byte[] {5, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1, (byte) 0xAB}, release);
        assertArrayEquals(new byte[] {7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1, (byte) 0xAB},
                DsmWire.update(9, release));
    }

    // ------------------------------------------------------------------ building hostile frames

    /** A frame written field by field, big-endian. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        Bytes u32(long v) {
            return u16((int) (v >>> 16) & 0xFFFF).u16((int) v & 0xFFFF);
        }

        Bytes u64(long v) {
            return u32(v >>> 32).u32(v & 0xFFFFFFFFL);
        }

        Bytes fill(int n, int value) {
            for (int i = 0; i < n; i++) {
                out.write(value);
            }
            return this;
        }

        Bytes raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        /** A range header and {@code length} bytes of {@code value}. */
        Bytes range(long offset, long length, int value) {
            return u32(offset).u32(length).fill((int) length, value);
        }

        byte[] get() {
            return out.toByteArray();
        }
    }

    static Bytes release(long count) {
        return new Bytes().u8(DsmWire.RELEASE).u32(count);
    }

    static Bytes update(long version, long count) {
        return new Bytes().u8(DsmWire.UPDATE).u64(version).u32(count);
    }

    static Bytes openHeader(int major, long size, int nameLength) {
        return new Bytes().u8(DsmWire.OPEN).u32(DsmWire.MAGIC & 0xFFFFFFFFL).u16(major).u16(0).u32(size).u16(nameLength);
    }

    static byte[] open(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return openHeader(1, 64, n.length).raw(n).get();
    }

    private static DsmProtocolException refused(byte[] frame, long regionSize) {
        check(frame, regionSize);
        DsmProtocolException e = assertThrows(DsmProtocolException.class, () -> DsmWire.decode(frame, regionSize));
        assertNotNull(e.getMessage());
        return e;
    }

    private static void assertMentions(DsmProtocolException e, String part) {
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }

    /** Refused as a RELEASE and, after a version, as an UPDATE. */
    private static DsmProtocolException refusedDiff(byte[] diff, long regionSize) {
        byte[] asRelease = new Bytes().u8(DsmWire.RELEASE).raw(diff).get();
        byte[] asUpdate = new Bytes().u8(DsmWire.UPDATE).u64(1).raw(diff).get();
        refused(asUpdate, regionSize);
        return refused(asRelease, regionSize);
    }

    private static Diff acceptedDiff(byte[] diff, long regionSize) {
        byte[] asUpdate = new Bytes().u8(DsmWire.UPDATE).u64(1).raw(diff).get();
        assertInstanceOf(DsmWire.Update.class, check(asUpdate, regionSize));
        byte[] asRelease = new Bytes().u8(DsmWire.RELEASE).raw(diff).get();
        return assertInstanceOf(DsmWire.Release.class, check(asRelease, regionSize)).diff();
    }

    // ------------------------------------------------------------------ hostile lengths in diffs

    @Test
    void anEmptyFrameIsRefused() {
        for (long regionSize : new long[] {-1, 0, 64}) {
            assertMentions(refused(new byte[0], regionSize), "empty");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0xFFFFFFFFL, 0x80000000L, 0x7FFFFFFFL, 0x1C71C71DL, 2, 1})
    void aDiffCountBeyondTheFrameIsRefusedBeforeAnyAllocation(long count) {
        // one range present (13 bytes after the count), the count announcing more
        byte[] diff = new Bytes().u32(count).range(0, 4, 1).get();
        if (count == 1) {
            acceptedDiff(diff, 64);
            return;
        }
        assertMentions(refusedDiff(diff, 64), "range");
        byte[] bare = new Bytes().u32(count).get();
        refusedDiff(bare, 64);
        // a count that fits the bytes (9 per range) but whose ranges are not all there
        byte[] cut = new Bytes().u32(3).range(0, 4, 1).fill(15, 0).get();
        refusedDiff(cut, 64);
    }

    @Test
    void aRangeLengthOfFourGigabytesIsRefused() {
        assertMentions(refusedDiff(new Bytes().u32(1).u32(0).u32(0xFFFFFFFFL).fill(16, 1).get(), 64), "outside");
        assertMentions(refusedDiff(new Bytes().u32(1).u32(0).u32(0xFFFFFFFFL).fill(16, 1).get(), DsmOptions.MAX_REGION_SIZE),
                "outside");
        // within the region but longer than the frame
        assertMentions(refusedDiff(new Bytes().u32(1).u32(0).u32(1000).fill(16, 1).get(), DsmOptions.MAX_REGION_SIZE),
                "left");
        assertMentions(refusedDiff(new Bytes().u32(1).u32(0).u32(0x7FFFFFFF).fill(16, 1).get(), DsmOptions.MAX_REGION_SIZE),
                "outside");
    }

    @ParameterizedTest
    @ValueSource(longs = {0xFFFFFFFFL, 0xFFFFFFF0L, 0x80000000L, 0xFFFFFFFCL})
    void anOffsetPlusLengthOverflowing32BitsIsRefused(long offset) {
        long length = 0x100000000L - offset + 4; // offset + length = 2^32 + 4: 4 as a wrapped u32
        byte[] diff = new Bytes().u32(1).u32(offset).u32(length).fill(8, 0x5A).get();
        assertMentions(refusedDiff(diff, DsmOptions.MAX_REGION_SIZE), "outside");
        assertMentions(refusedDiff(diff, 64), "outside");
        // a second range whose end wraps around to before the first
        byte[] second = new Bytes().u32(2).range(0, 4, 1).u32(offset).u32(length).fill(8, 2).get();
        refusedDiff(second, DsmOptions.MAX_REGION_SIZE);
    }

    @Test
    void overlappingAndDescendingRangesAreRefused() {
        assertMentions(refusedDiff(new Bytes().u32(2).range(0, 8, 1).range(7, 4, 2).get(), 64), "overlaps");
        assertMentions(refusedDiff(new Bytes().u32(2).range(10, 4, 1).range(2, 4, 2).get(), 64), "precedes");
        assertMentions(refusedDiff(new Bytes().u32(2).range(10, 4, 1).range(10, 4, 2).get(), 64), "overlaps");
        assertMentions(refusedDiff(new Bytes().u32(3).range(0, 1, 1).range(40, 4, 2).range(41, 1, 3).get(), 64), "overlaps");
        // adjacent ranges are disjoint
        Diff adjacent = acceptedDiff(new Bytes().u32(2).range(0, 8, 1).range(8, 4, 2).get(), 64);
        assertEquals(2, adjacent.count());
    }

    @Test
    void anEmptyRangeIsRefused() {
        assertMentions(refusedDiff(new Bytes().u32(1).u32(5).u32(0).fill(1, 0).get(), 64), "empty");
        assertMentions(refusedDiff(new Bytes().u32(2).range(0, 1, 1).u32(5).u32(0).u8(0).get(), 64), "range 1 is empty");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 16, 64, 4096})
    void aRangePastTheRegionsEndIsRefusedAndOneEndingAtItAccepted(long regionSize) {
        int length = (int) Math.min(regionSize, 8);
        acceptedDiff(new Bytes().u32(1).range(regionSize - length, length, 3).get(), regionSize);
        assertMentions(refusedDiff(new Bytes().u32(1).range(regionSize - length + 1, length, 3).get(), regionSize),
                "outside the region of " + regionSize);
        assertMentions(refusedDiff(new Bytes().u32(1).range(regionSize, 1, 3).get(), regionSize), "outside");
        assertMentions(refusedDiff(new Bytes().u32(1).range(0, length, 3).get(), 0), "outside");
    }

    @Test
    void bytesAfterTheLastRangeAreRefused() {
        assertMentions(refusedDiff(new Bytes().u32(1).range(0, 4, 1).u8(0).get(), 64), "after the last range");
        assertMentions(refusedDiff(new Bytes().u32(0).u8(0).get(), 64), "after the last range");
        assertMentions(refusedDiff(new Bytes().u32(0).fill(9, 0).get(), 64), "after the last range");
        acceptedDiff(new Bytes().u32(0).get(), 64);
    }

    @Test
    void diffsBeforeTheRegionIsOpenAreRefused() {
        assertMentions(refused(DsmWire.release(Diff.EMPTY), -1), "before the region is open");
        assertMentions(refused(DsmWire.update(1, DsmWire.release(Diff.EMPTY)), -1), "before the region is open");
    }

    // ------------------------------------------------------------------ cut short, too long

    /** Every valid frame cut at every length is refused, except where a shorter frame is valid too. */
    @Test
    void everyFrameCutShortIsRefused() {
        for (byte[] frame : validFrames()) {
            int shortestValid = switch (frame[0]) {
                case DsmWire.REFUSED -> 3; // a shorter message
                default -> frame.length;
            };
            for (int length = 0; length < shortestValid; length++) {
                byte[] cut = Arrays.copyOf(frame, length);
                refused(cut, REGION);
                if (frame[0] != DsmWire.OPENED) { // a shorter snapshot is a smaller region before open
                    refused(cut, frame[0] == DsmWire.OPEN || frame[0] == DsmWire.REFUSED ? -1 : REGION);
                }
            }
        }
    }

    @Test
    void truncatedHeadersOfEachTypeAreRefusedWithAReason() {
        assertMentions(refused(Arrays.copyOf(openHeader(1, 64, 1).get(), 5), -1), "cut short");
        assertMentions(refused(Arrays.copyOf(DsmWire.open("x", 64), 14), -1), "cut short");
        assertMentions(refused(new byte[] {DsmWire.OPENED, 0, 0, 0, 0, 0, 0, 0}, 0), "no version");
        assertMentions(refused(new byte[] {DsmWire.GRANTED, 0, 0, 0, 0, 0, 0, 0}, 64), "of 8 bytes, not 9");
        assertMentions(refused(new byte[] {DsmWire.UPDATE, 0, 0, 0, 0, 0, 0, 1}, 64), "no version");
        assertMentions(refused(update(1, 2).range(0, 10, 1).get(), 64), "range 1 header cut short");
        assertMentions(refused(update(1, 1).u32(0).get(), 64), "announces 1 ranges in 4 bytes");
        assertMentions(refused(new byte[] {DsmWire.UPDATE, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, 64), "shorter than its count");
        assertMentions(refused(new byte[] {DsmWire.RELEASE, 0, 0}, 64), "shorter than its count");
        assertMentions(refused(new byte[] {DsmWire.REFUSED, 0}, -1), "without a code");
        assertMentions(refused(new byte[] {DsmWire.REFUSED}, -1), "without a code");
    }

    static Stream<Arguments> wrongExactSizes() {
        List<Arguments> cases = new ArrayList<>();
        for (byte type : new byte[] {DsmWire.ACQUIRE, DsmWire.SYNC, DsmWire.HEARTBEAT, DsmWire.REVOKE}) {
            for (int length : new int[] {2, 9, 100}) {
                cases.add(Arguments.of(type, length));
            }
        }
        for (byte type : new byte[] {DsmWire.GRANTED, DsmWire.RELEASED, DsmWire.SYNCED, DsmWire.KEPT}) {
            for (int length : new int[] {1, 2, 8, 10, 17, 1000}) {
                cases.add(Arguments.of(type, length));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "type {0}, {1} bytes")
    @MethodSource("wrongExactSizes")
    void framesOfAFixedSizeWithAnotherSizeAreRefused(byte type, int length) {
        byte[] frame = new byte[length];
        frame[0] = type;
        for (long regionSize : new long[] {-1, 64}) {
            DsmProtocolException e = refused(frame, regionSize);
            assertTrue(e.getMessage().contains("of " + length + " bytes"), e.getMessage());
        }
    }

    @Test
    void aSnapshotOfAnotherSizeIsRefused() {
        byte[] snapshot = DsmWire.opened(1, new byte[64]);
        assertInstanceOf(DsmWire.Opened.class, check(snapshot, 64));
        assertInstanceOf(DsmWire.Opened.class, check(snapshot, -1));
        assertMentions(refused(snapshot, 63), "snapshot of 64 bytes for a region of 63");
        assertMentions(refused(snapshot, 65), "snapshot of 64 bytes");
        assertMentions(refused(snapshot, 0), "snapshot of 64 bytes");
        assertInstanceOf(DsmWire.Opened.class, check(DsmWire.opened(0, new byte[0]), 0));
    }

    @Test
    void negativeVersionsAreRefused() {
        for (long version : new long[] {-1, Long.MIN_VALUE}) {
            assertMentions(refused(DsmWire.versioned(DsmWire.GRANTED, version), 64), "negative version");
            assertMentions(refused(DsmWire.versioned(DsmWire.SYNCED, version), 64), "negative version");
            assertMentions(refused(DsmWire.opened(version, new byte[64]), 64), "negative version");
            assertMentions(refused(DsmWire.update(version, DsmWire.release(Diff.EMPTY)), 64), "negative version");
        }
    }

    // ------------------------------------------------------------------ OPEN

    @Test
    void anOpenWithANameLengthOf65535IsRefused() {
        assertMentions(refused(openHeader(1, 64, 0xFFFF).get(), -1), "name of 65535 bytes, 0 follow");
        assertMentions(refused(openHeader(1, 64, 0xFFFF).fill(10, 'a').get(), -1), "10 follow");
        byte[] whole = openHeader(1, 64, 0xFFFF).fill(0xFFFF, 'a').get();
        assertMentions(refused(whole, -1), "region name of 65535 bytes");
        assertMentions(refused(openHeader(1, 64, 129).fill(129, 'a').get(), -1), "region name of 129 bytes");
        assertInstanceOf(DsmWire.Open.class, check(openHeader(1, 64, 128).fill(128, 'a').get(), -1));
        assertMentions(refused(openHeader(1, 64, 3).fill(4, 'a').get(), -1), "3 bytes, 4 follow");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 0x4A44534E, 0x4D53444A, 0xFFFFFFFF, 0x4A445300})
    void anOpenWithoutTheMagicIsRefused(int magic) {
        byte[] frame = DsmWire.open("r", 64);
        ByteBuffer.wrap(frame).putInt(1, magic);
        assertMentions(refused(frame, -1), "magic");
    }

    @ParameterizedTest
    @ValueSource(strings = {"é", "caf\u00e9", "\u00ff", "a\u0000", ".hidden", ".", "..", "../x", "a/b", "/", "a b", "a\\b",
        "a:b", "\u2603", "a\nb", "x*", ""})
    void badRegionNamesAreRefused(String name) {
        assertMentions(refused(open(name), -1), "name");
        byte[] latin1 = name.getBytes(StandardCharsets.ISO_8859_1);
        if (name.chars().allMatch(c -> c < 256)) {
            refused(openHeader(1, 64, latin1.length).raw(latin1).get(), -1);
        }
        assertThrows(IllegalArgumentException.class, () -> DsmWire.checkName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"r", "a.b", "-x", "_", "x..", "A-Z_a-z.0-9", "0"})
    void goodRegionNamesAreAccepted(String name) {
        DsmWire.Open open = assertInstanceOf(DsmWire.Open.class, check(open(name), -1));
        assertEquals(name, open.name());
    }

    @Test
    void anOpenKeepsAnyMajorAndSizeForTheHomeToJudge() {
        DsmWire.Open open = assertInstanceOf(DsmWire.Open.class, check(openHeader(0xFFFF, 0xFFFFFFFFL, 1).u8('r').get(), -1));
        assertEquals(0xFFFF, open.major());
        assertEquals(0xFFFFFFFFL, open.size());
        assertEquals(0, assertInstanceOf(DsmWire.Open.class, check(openHeader(1, 0, 1).u8('r').get(), -1)).size());
    }

    // ------------------------------------------------------------------ REFUSED, unknown types

    @Test
    void aRefusedMessageAbove1024BytesIsRefused() {
        byte[] limit = new Bytes().u8(DsmWire.REFUSED).u16(3).fill(1024, 'm').get();
        assertEquals(1024, assertInstanceOf(DsmWire.Refused.class, check(limit, -1)).message().length());
        assertMentions(refused(new Bytes().u8(DsmWire.REFUSED).u16(3).fill(1025, 'm').get(), -1), "1025 bytes");
        assertMentions(refused(new Bytes().u8(DsmWire.REFUSED).u16(3).fill(70_000, 'm').get(), 64), "70000 bytes");
        // the home cuts a long message to fit
        byte[] sent = DsmWire.refused(RegionRefusedException.Reason.PROTOCOL, "x".repeat(5000));
        assertEquals(3 + 1024, sent.length);
        assertInstanceOf(DsmWire.Refused.class, check(sent, -1));
    }

    @Test
    void aRefusedMessageOfBadUtf8IsReplacedNotThrown() {
        byte[] frame = new Bytes().u8(DsmWire.REFUSED).u16(1).u8(0xC3).u8(0x28).u8(0xFF).u8(0xED).u8(0xA0).u8(0x80)
                .get();
        DsmWire.Refused refused = assertInstanceOf(DsmWire.Refused.class, check(frame, -1));
        assertTrue(refused.message().contains("\uFFFD"), refused.message());
        // a message cut inside a character, as the home's cut at 1024 bytes may do
        byte[] cut = DsmWire.refused(RegionRefusedException.Reason.PROTOCOL, "x".repeat(1023) + "\u00e9");
        assertEquals(3 + 1024, cut.length);
        assertTrue(assertInstanceOf(DsmWire.Refused.class, check(cut, -1)).message().endsWith("\uFFFD"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 77, 0xFFFF})
    void refusedCodesMapToReasons(int code) {
        byte[] frame = new Bytes().u8(DsmWire.REFUSED).u16(code).raw("why".getBytes(StandardCharsets.UTF_8)).get();
        DsmWire.Refused refused = assertInstanceOf(DsmWire.Refused.class, check(frame, -1));
        RegionRefusedException.Reason expected = code >= 1 && code <= 6 ? RegionRefusedException.Reason.values()[code - 1]
                : RegionRefusedException.Reason.PROTOCOL;
        assertEquals(expected, refused.reason());
        assertEquals("why", refused.message());
    }

    static IntStream unknownTypes() {
        return IntStream.concat(IntStream.of(0), IntStream.rangeClosed(14, 255));
    }

    @ParameterizedTest
    @MethodSource("unknownTypes")
    void unknownTypeBytesAreRefused(int type) {
        for (int length : new int[] {1, 9, 40}) {
            byte[] frame = new byte[length];
            frame[0] = (byte) type;
            for (long regionSize : new long[] {-1, 64}) {
                assertMentions(refused(frame, regionSize), "unknown frame type " + type);
            }
        }
    }

    // ------------------------------------------------------------------ random mutations, in every build

    static LongStream seeds() {
        return LongStream.range(0, 2000);
    }

    /** Up to four random bytes changed (mostly near the start), now and then cut short or lengthened, with odd region sizes. */
    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedFrames(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> valid = validFrames();
        byte[] frame = valid.get(random.nextInt(valid.size())).clone();
        int mutations = random.nextInt(5);
        for (int i = 0; i < mutations; i++) {
            int at = random.nextInt(3) == 0 ? random.nextInt(frame.length) : random.nextInt(Math.min(frame.length, 22));
            frame[at] = random.nextBoolean() ? (byte) random.nextInt()
                    : (byte) new int[] {0, 1, 2, 7, 8, 9, 11, 14, 0x3F, 0x40, 0x7F, 0x80, 0xFF}[random.nextInt(13)];
        }
        switch (random.nextInt(6)) {
            case 0 -> frame = Arrays.copyOf(frame, random.nextInt(frame.length + 1));
            case 1 -> frame = Arrays.copyOf(frame, frame.length + 1 + random.nextInt(40));
            default -> {
                // only the bytes change
            }
        }
        long regionSize = new long[] {-1, 0, 1, 4, 55, REGION, REGION + 1, 1 << 20, DsmOptions.MAX_REGION_SIZE}[random.nextInt(9)];
        check(frame, regionSize);
    }

    // ------------------------------------------------------------------ Diff.between: exact shapes

    private static Diff diffOf(byte[] now, byte[] twin) {
        return roundTrip(now, twin);
    }

    @Test
    void twoChangesFewerThanGapBytesApartAreOneRangeAndGapApartTwo() {
        for (int between : new int[] {0, 1, GAP - 2, GAP - 1}) {
            byte[] twin = new byte[1024];
            byte[] now = twin.clone();
            now[100] = 1;
            now[100 + between + 1] = 2;
            Diff diff = diffOf(now, twin);
            assertEquals(1, diff.count(), between + " equal bytes between");
            assertEquals(100, diff.offset(0));
            assertEquals(between + 2, diff.length(0));
        }
        for (int between : new int[] {GAP, GAP + 1, 100}) {
            byte[] twin = new byte[1024];
            byte[] now = twin.clone();
            now[100] = 1;
            now[100 + between + 1] = 2;
            Diff diff = diffOf(now, twin);
            assertEquals(2, diff.count(), between + " equal bytes between");
            assertEquals(1, diff.length(0));
            assertEquals(1, diff.length(1));
            assertEquals(100 + between + 1, diff.offset(1));
        }
    }

    @Test
    void edgeShapes() {
        // no change
        assertTrue(diffOf(new byte[100], new byte[100]).isEmpty());
        assertSame(Diff.EMPTY, Diff.between(MemorySegment.ofArray(new byte[100]), MemorySegment.ofArray(new byte[100])));
        assertTrue(diffOf(new byte[0], new byte[0]).isEmpty());
        // region of one byte
        Diff one = diffOf(new byte[] {1}, new byte[] {0});
        assertEquals(1, one.count());
        assertEquals(13, one.encodedSize());
        assertTrue(diffOf(new byte[] {5}, new byte[] {5}).isEmpty());
        // first and last byte only
        byte[] twin = new byte[1000];
        byte[] now = twin.clone();
        now[0] = 1;
        now[999] = 1;
        Diff ends = diffOf(now, twin);
        assertEquals(2, ends.count());
        assertEquals(0, ends.offset(0));
        assertEquals(999, ends.offset(1));
        // first and last of a small region: one range
        byte[] smallTwin = new byte[10];
        byte[] small = smallTwin.clone();
        small[0] = 1;
        small[9] = 1;
        Diff merged = diffOf(small, smallTwin);
        assertEquals(1, merged.count());
        assertEquals(10, merged.length(0));
        // every byte
        byte[] all = new byte[4096];
        Arrays.fill(all, (byte) 0xEE);
        Diff whole = diffOf(all, new byte[4096]);
        assertEquals(1, whole.count());
        assertEquals(12 + 4096, whole.encodedSize());
        // sizes must match
        assertThrows(IllegalArgumentException.class,
                () -> Diff.between(MemorySegment.ofArray(new byte[3]), MemorySegment.ofArray(new byte[4])));
    }

    // ------------------------------------------------------------------ Diff.between: seeded change patterns

    enum Pattern {
        /** A few single bytes anywhere. */
        SPARSE_SINGLE_BYTES,
        /** Short runs separated by GAP-2 .. GAP+2 equal bytes. */
        RUNS_NEAR_GAP_APART,
        /** Every byte changed. */
        ALL_BYTES,
        /** The first byte, the last, or both. */
        FIRST_AND_OR_LAST,
        /** A region of one byte. */
        REGION_OF_ONE_BYTE,
        /** Random runs of random lengths, some rewriting a byte with its own value. */
        RANDOM_RUNS,
        /** Every other byte, or every GAP-th. */
        STRIDES
    }

    static Stream<Arguments> patterns() {
        return Arrays.stream(Pattern.values()).flatMap(p -> LongStream.range(0, 60).mapToObj(seed -> Arguments.of(p, seed)));
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("patterns")
    void betweenRoundTripsEveryChangePattern(Pattern pattern, long seed) {
        SplittableRandom random = new SplittableRandom(seed * 31 + pattern.ordinal());
        int size = switch (pattern) {
            case REGION_OF_ONE_BYTE -> 1;
            case FIRST_AND_OR_LAST -> 1 + random.nextInt(300);
            default -> new int[] {2, 33, 64, 65, 100, 1000, 4096, 10_000}[random.nextInt(8)];
        };
        byte[] twin = new byte[size];
        if (random.nextBoolean()) {
            random.nextBytes(twin);
        }
        byte[] now = twin.clone();
        switch (pattern) {
            case SPARSE_SINGLE_BYTES -> {
                int changes = 1 + random.nextInt(8);
                for (int i = 0; i < changes; i++) {
                    int at = random.nextInt(size);
                    now[at] = (byte) (twin[at] + 1 + random.nextInt(255));
                }
            }
            case RUNS_NEAR_GAP_APART -> {
                int at = random.nextInt(Math.min(size, 40));
                while (at < size) {
                    int run = 1 + random.nextInt(6);
                    for (int i = at; i < Math.min(size, at + run); i++) {
                        now[i] = (byte) ~twin[i];
                    }
                    at += run + GAP - 2 + random.nextInt(5);
                }
            }
            case ALL_BYTES -> {
                for (int i = 0; i < size; i++) {
                    now[i] = (byte) (twin[i] ^ (1 + random.nextInt(255)));
                }
            }
            case FIRST_AND_OR_LAST -> {
                int which = 1 + random.nextInt(3);
                if ((which & 1) != 0) {
                    now[0] ^= 0x40;
                }
                if ((which & 2) != 0) {
                    now[size - 1] ^= 0x01;
                }
            }
            case REGION_OF_ONE_BYTE -> {
                if (random.nextInt(4) != 0) {
                    now[0] = (byte) (twin[0] + 1);
                }
            }
            case RANDOM_RUNS -> {
                int runs = random.nextInt(20);
                for (int r = 0; r < runs; r++) {
                    int at = random.nextInt(size);
                    int length = 1 + random.nextInt(Math.min(size - at, 200));
                    boolean same = random.nextInt(4) == 0;
                    for (int i = at; i < at + length; i++) {
                        now[i] = same ? twin[i] : (byte) random.nextInt();
                    }
                }
            }
            case STRIDES -> {
                int stride = new int[] {2, 3, GAP, GAP + 1, GAP + 9}[random.nextInt(5)];
                for (int i = random.nextInt(stride); i < size; i += stride) {
                    now[i] = (byte) (twin[i] + 1);
                }
            }
        }
        Diff diff = roundTrip(now, twin);
        int changed = 0;
        for (int i = 0; i < size; i++) {
            if (now[i] != twin[i]) {
                changed++;
            }
        }
        assertTrue(diff.changedBytes() >= changed, "every changed byte is sent");
        switch (pattern) {
            case ALL_BYTES -> {
                assertEquals(1, diff.count());
                assertEquals(size, diff.length(0));
            }
            case REGION_OF_ONE_BYTE -> assertEquals(changed, diff.count());
            case SPARSE_SINGLE_BYTES, RUNS_NEAR_GAP_APART, STRIDES, FIRST_AND_OR_LAST, RANDOM_RUNS -> {
                // checked by roundTrip: minimal ranges at least GAP apart, at most 12 + size bytes
            }
        }
    }

    /** Random pairs through the fuzz target's own input format, in every build. */
    static LongStream diffSeeds() {
        return LongStream.range(0, 500);
    }

    @ParameterizedTest
    @MethodSource("diffSeeds")
    void randomInputsOfTheDiffTarget(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] input = new byte[random.nextInt(3 * 1024)];
        random.nextBytes(input);
        if (input.length >= 3) {
            input[0] = (byte) random.nextInt(2);
            ByteBuffer.wrap(input).putShort(1, (short) random.nextInt(2 * 1024));
        }
        byte[][] pair = pairOf(input);
        roundTrip(pair[0], pair[1]);
    }

    @Test
    void theFuzzTargetsHandleTinyInputs() {
        for (int length = 0; length < 6; length++) {
            byte[] input = new byte[length];
            decodeFrame(input);
            diffRoundTrip(input);
            Arrays.fill(input, (byte) 0xFF);
            decodeFrame(input);
            diffRoundTrip(input);
        }
        try {
            decodeFrame(new byte[] {DsmWire.HEARTBEAT, 0, 0, 0, 64});
        } catch (RuntimeException e) {
            fail(e);
        }
    }
}
