package io.jipc.mailbox.processes;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.CorruptSegmentException;
import io.jipc.InsecureFileException;
import io.jipc.JipcException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.ring.RingDescriptor;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.AllowLeftovers;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static io.jipc.mailbox.UnboundedMailboxDescriptor.CEILING_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.DEAD_SENDER_TIMEOUT_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.FIRST_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.LAST_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.PERMISSIONS_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.RING_CAPACITY_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_LENGTH_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SENDER_SLOTS_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.WAIT_STRATEGY_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files of an unbounded mailbox (its control file and its segment files) truncated,
 * overwritten or forged are refused with {@link CorruptSegmentException} (or
 * {@link InsecureFileException} for a link or a foreign mode) when opened, sent to or received
 * from: never a read outside the file, never an allocation or mapping sized by a forged value,
 * never another exception type, never a hang.
 */
@ExtendWith(JipcTestExtension.class)
@AllowLeftovers
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileUnboundedFileTest {
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(512).build();
    private static final long CEILING = 1 << 20;

    /** The two files of a valid mailbox holding three messages. */
    private record MailboxFiles(byte[] control, byte[] segment) {
    }

    /** Creates mailbox {@code name} holding "one", "two" and 300 zeros; returns its files' bytes. */
    private static MailboxFiles valid(String name) throws IOException {
        UnboundedMailbox.destroy(name);
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, CEILING)) {
            mailbox.put("one".getBytes());
            mailbox.put("two".getBytes());
            mailbox.put(new byte[300]);
        }
        return new MailboxFiles(Files.readAllBytes(UnboundedMailbox.path(name)),
                Files.readAllBytes(UnboundedFiles.segment(name, 0)));
    }

    /** Writes {@code bytes} as {@code path} with mode 0600, as jipc would. */
    private static void forge(Path path, byte[] bytes) throws IOException {
        Files.deleteIfExists(path);
        Files.write(path, bytes, StandardOpenOption.CREATE_NEW);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    private static CorruptSegmentException corrupt(Executable executable, String what) {
        return assertThrows(CorruptSegmentException.class, executable, what);
    }

    // ================================================================== control file

    @Test
    void aControlFileWithAnotherMagicOrMajorVersionIsRefused() throws Exception {
        MailboxFiles valid = valid("header");
        byte[] bytes = valid.control().clone();
        le(bytes).putLong(SegmentHeaderDescriptor.MAGIC_OFFSET, SegmentHeaderDescriptor.magic("JIPC-MBX"));
        forge(UnboundedMailbox.path("header"), bytes);
        CorruptSegmentException e = corrupt(() -> UnboundedMailbox.open("header"), "magic");
        assertTrue(e.getMessage().contains("JIPC-MBX") && e.getMessage().contains("JIPC-UMB"), e.getMessage());

        int major = UnboundedMailboxDescriptor.MAJOR_VERSION;
        for (int other : new int[] {major + 1, 1}) { // a later format, and 1.x (unmixed commit words)
            bytes = valid.control().clone();
            le(bytes).putInt(SegmentHeaderDescriptor.VERSION_OFFSET, SegmentHeaderDescriptor.version(other, 1));
            forge(UnboundedMailbox.path("header"), bytes);
            e = corrupt(() -> UnboundedMailbox.open("header"), "major version");
            assertTrue(e.getMessage().contains("version " + other + ".1"), e.getMessage());
        }

        // a newer minor version is read
        le(bytes).putInt(SegmentHeaderDescriptor.VERSION_OFFSET, SegmentHeaderDescriptor.version(major, 7));
        forge(UnboundedMailbox.path("header"), bytes);
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("header")) {
            assertArrayEquals("one".getBytes(), mailbox.poll());
        }
        assertTrue(UnboundedMailbox.destroy("header"));
    }

    @Test
    void aTruncatedControlFileIsRefused() throws Exception {
        MailboxFiles valid = valid("truncated");
        forge(UnboundedMailbox.path("truncated"), Arrays.copyOf(valid.control(), 60));
        CorruptSegmentException e = corrupt(() -> UnboundedMailbox.open("truncated"), "60 bytes");
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        forge(UnboundedMailbox.path("truncated"), Arrays.copyOf(valid.control(), 2048));
        e = corrupt(() -> UnboundedMailbox.open("truncated"), "2048 bytes");
        assertTrue(e.getMessage().contains("bytes long"), e.getMessage());
        // longer than the header says (a forged length must not size the mapping)
        forge(UnboundedMailbox.path("truncated"), Arrays.copyOf(valid.control(), 3 * 4096));
        corrupt(() -> UnboundedMailbox.open("truncated"), "12288 bytes");
        assertTrue(UnboundedMailbox.destroy("truncated"));
    }

    /** A forged value in the control file: an int or a long at an offset. */
    private record Forged(String what, int offset, long value, boolean isInt) {
        static Forged ofInt(String what, int offset, int value) {
            return new Forged(what, offset, value, true);
        }

        static Forged ofLong(String what, int offset, long value) {
            return new Forged(what, offset, value, false);
        }

        byte[] applyTo(byte[] valid) {
            byte[] bytes = valid.clone();
            if (isInt) {
                le(bytes).putInt(offset, (int) value);
            } else {
                le(bytes).putLong(offset, value);
            }
            return bytes;
        }
    }

    @Test
    void impossibleControlFieldsAreRefusedWhenOpened() throws Exception {
        MailboxFiles valid = valid("fields");
        long segmentLength = le(valid.control()).getLong(SEGMENT_LENGTH_OFFSET);
        Forged[] forgeries = {
            Forged.ofLong("segment length not matching the ring", SEGMENT_LENGTH_OFFSET, segmentLength + 4096),
            Forged.ofLong("segment length 0", SEGMENT_LENGTH_OFFSET, 0),
            Forged.ofLong("negative segment length", SEGMENT_LENGTH_OFFSET, -1),
            Forged.ofLong("huge segment length", SEGMENT_LENGTH_OFFSET, Long.MAX_VALUE),
            Forged.ofLong("ceiling below a segment", CEILING_OFFSET, segmentLength - 1),
            Forged.ofLong("ceiling 0", CEILING_OFFSET, 0),
            Forged.ofLong("negative ceiling", CEILING_OFFSET, Long.MIN_VALUE),
            Forged.ofLong("first after last", FIRST_OFFSET, 5),
            Forged.ofLong("negative first", FIRST_OFFSET, -1),
            Forged.ofLong("first at the end of the longs", FIRST_OFFSET, Long.MAX_VALUE),
            Forged.ofLong("negative last", LAST_OFFSET, -1),
            Forged.ofLong("more segments than the ceiling allows", LAST_OFFSET, CEILING / segmentLength),
            Forged.ofLong("last at the end of the longs", LAST_OFFSET, Long.MAX_VALUE),
            Forged.ofInt("wait strategy code 0", WAIT_STRATEGY_OFFSET, 0),
            Forged.ofInt("unknown wait strategy code", WAIT_STRATEGY_OFFSET, 99),
            Forged.ofInt("negative wait strategy code", WAIT_STRATEGY_OFFSET, -1),
            Forged.ofInt("permissions without 0600", PERMISSIONS_OFFSET, 0400),
            Forged.ofInt("permissions 0", PERMISSIONS_OFFSET, 0),
            Forged.ofInt("permissions beyond 0777", PERMISSIONS_OFFSET, 01600),
            Forged.ofInt("negative permissions", PERMISSIONS_OFFSET, -1),
            Forged.ofLong("ring capacity not a power of two", RING_CAPACITY_OFFSET, 3000),
            Forged.ofLong("ring capacity 0", RING_CAPACITY_OFFSET, 0),
            Forged.ofLong("ring capacity beyond the file", RING_CAPACITY_OFFSET, 1L << 40),
            Forged.ofLong("a larger ring", RING_CAPACITY_OFFSET, 8192),
            Forged.ofInt("max message size beyond the ring", MAX_MESSAGE_SIZE_OFFSET, 4096),
            Forged.ofInt("huge max message size", MAX_MESSAGE_SIZE_OFFSET, Integer.MAX_VALUE),
            Forged.ofInt("negative max message size", MAX_MESSAGE_SIZE_OFFSET, -1),
            Forged.ofInt("no sender slots", SENDER_SLOTS_OFFSET, 0),
            Forged.ofInt("too many sender slots", SENDER_SLOTS_OFFSET, 1 << 20),
            Forged.ofInt("other sender slots", SENDER_SLOTS_OFFSET, 1),
            Forged.ofLong("dead-sender timeout 0", DEAD_SENDER_TIMEOUT_OFFSET, 0),
            Forged.ofLong("negative dead-sender timeout", DEAD_SENDER_TIMEOUT_OFFSET, -1),
        };
        for (Forged forged : forgeries) {
            forge(UnboundedMailbox.path("fields"), forged.applyTo(valid.control()));
            // refused by open, or at the latest by the first use of its segment
            CorruptSegmentException e = corrupt(() -> {
                try (UnboundedMailbox mailbox = UnboundedMailbox.open("fields")) {
                    mailbox.poll();
                }
            }, forged.what());
            assertTrue(e.getMessage().contains("fields"), forged.what() + ": " + e.getMessage());
        }
        // the control file itself refuses the fields that need no segment to judge
        for (Forged forged : Arrays.copyOf(forgeries, 20)) {
            forge(UnboundedMailbox.path("fields"), forged.applyTo(valid.control()));
            corrupt(() -> UnboundedMailbox.open("fields").close(), forged.what() + " (at open)");
        }
        assertTrue(UnboundedMailbox.destroy("fields"));
    }

    /**
     * A control file whose ring and segment length agree with each other but not with the segment
     * files (a forged 1 GiB ring): the segment's real size is what is mapped and it is refused,
     * before anything is allocated for the forged size.
     */
    @Test
    void aConsistentButForeignGeometryIsRefusedAtTheSegment() throws Exception {
        MailboxFiles valid = valid("geometry");
        byte[] bytes = valid.control().clone();
        long ring = 1L << 30;
        long slots = le(bytes).getInt(SENDER_SLOTS_OFFSET);
        long length = UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET + RingDescriptor.dataOffset((int) slots) + ring;
        le(bytes).putLong(RING_CAPACITY_OFFSET, ring);
        le(bytes).putLong(SEGMENT_LENGTH_OFFSET, length);
        le(bytes).putLong(CEILING_OFFSET, 4 * length);
        forge(UnboundedMailbox.path("geometry"), bytes);
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("geometry")) {
            assertEquals(ring, mailbox.segmentCapacityBytes());
            CorruptSegmentException e = corrupt(mailbox::poll, "receiving");
            assertTrue(e.getMessage().contains("expected " + length), e.getMessage());
            corrupt(() -> mailbox.offer(new byte[10]), "sending");
        }
        assertTrue(UnboundedMailbox.destroy("geometry"));
    }

    // ================================================================== segment files

    @Test
    void aSegmentFileOfAnotherIndexOwnerOrRingIsRefusedBySenderAndReceiver() throws Exception {
        MailboxFiles valid = valid("segment");
        int ring = (int) UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET;
        Forged[] forgeries = {
            Forged.ofLong("another index", UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET, 7),
            Forged.ofLong("a negative index", UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET, -1),
            Forged.ofLong("another owner", UnboundedMailboxDescriptor.SEGMENT_OWNER_OFFSET, 0x1234_5678L),
            Forged.ofLong("another magic", SegmentHeaderDescriptor.MAGIC_OFFSET, SegmentHeaderDescriptor.magic("JIPC-UMB")),
            Forged.ofInt("another major version", SegmentHeaderDescriptor.VERSION_OFFSET,
                    SegmentHeaderDescriptor.version(3, 0)),
            Forged.ofLong("a file length not its own", SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, 1L << 40),
            Forged.ofLong("a ring of another capacity", ring + RingDescriptor.CAPACITY_OFFSET, 2048),
            Forged.ofLong("a ring larger than the file", ring + RingDescriptor.CAPACITY_OFFSET, 1L << 40),
            Forged.ofLong("a ring capacity not a power of two", ring + RingDescriptor.CAPACITY_OFFSET, 3000),
            Forged.ofInt("a ring of another max payload", ring + RingDescriptor.MAX_PAYLOAD_OFFSET, 100),
            Forged.ofInt("a ring of a huge max payload", ring + RingDescriptor.MAX_PAYLOAD_OFFSET, Integer.MAX_VALUE),
            Forged.ofInt("a ring of other slots", ring + RingDescriptor.INTENT_SLOTS_OFFSET, 1),
            Forged.ofLong("a ring's data outside the file", ring + RingDescriptor.DATA_OFFSET_OFFSET, 1L << 62),
            Forged.ofLong("an unaligned tail", ring + RingDescriptor.TAIL_OFFSET, 8),
            Forged.ofLong("a head after the tail", ring + RingDescriptor.HEAD_OFFSET, 1L << 20),
        };
        for (Forged forged : forgeries) {
            forge(UnboundedFiles.segment("segment", 0), forged.applyTo(valid.segment()));
            forge(UnboundedMailbox.path("segment"), valid.control());
            try (UnboundedMailbox receiver = UnboundedMailbox.open("segment")) {
                CorruptSegmentException e = corrupt(receiver::poll, forged.what() + " (receiving)");
                assertTrue(e.getMessage().contains("segment"), e.getMessage());
            }
            if (!forged.what().contains("head")) { // a sender does not look at the head beyond "is there room"
                try (UnboundedMailbox sender = UnboundedMailbox.open("segment")) {
                    corrupt(() -> sender.offer(new byte[10]), forged.what() + " (sending)");
                }
            }
        }
        forge(UnboundedFiles.segment("segment", 0), Arrays.copyOf(valid.segment(), 100));
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("segment")) {
            CorruptSegmentException e = corrupt(mailbox::poll, "a truncated segment");
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            corrupt(() -> mailbox.offer(new byte[10]), "a truncated segment (sending)");
        }
        assertTrue(UnboundedMailbox.destroy("segment"));
        assertEquals(0, UnboundedFiles.segmentFiles("segment"));
    }

    /**
     * A segment that is the newest of the chain yet marked retiring cannot come from jipc (the
     * receiver retires only older segments): a sender refuses it rather than spin on it forever.
     */
    @Test
    void aSenderRefusesANewestSegmentMarkedRetiring() throws Exception {
        MailboxFiles valid = valid("retiring");
        byte[] bytes = valid.segment().clone();
        le(bytes).putInt(UnboundedMailboxDescriptor.RETIRING_OFFSET, 1);
        forge(UnboundedFiles.segment("retiring", 0), bytes);
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("retiring")) {
            corrupt(() -> mailbox.offer(new byte[10]), "retiring");
            corrupt(() -> mailbox.put(new byte[400]), "retiring");
        }
        assertTrue(UnboundedMailbox.destroy("retiring"));
    }

    @Test
    void aSymbolicLinkOrAWrongModeIsRefused() throws Exception {
        MailboxFiles valid = valid("target");
        Files.createSymbolicLink(UnboundedMailbox.path("link"), UnboundedMailbox.path("target"));
        InsecureFileException e = assertThrows(InsecureFileException.class, () -> UnboundedMailbox.open("link"));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        Files.delete(UnboundedMailbox.path("link"));

        // a segment file replaced by a link to another file of the same user
        Path segment = UnboundedFiles.segment("target", 0);
        Path elsewhere = UnboundedFiles.directory().resolve("elsewhere");
        forge(elsewhere, valid.segment());
        Files.delete(segment);
        Files.createSymbolicLink(segment, elsewhere);
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("target")) {
            assertThrows(InsecureFileException.class, mailbox::poll);
            assertThrows(InsecureFileException.class, () -> mailbox.offer(new byte[1]));
        }
        Files.delete(segment);
        Files.delete(elsewhere);
        forge(segment, valid.segment());

        Files.setPosixFilePermissions(UnboundedMailbox.path("target"), PosixFilePermissions.fromString("rw-rw-rw-"));
        e = assertThrows(InsecureFileException.class, () -> UnboundedMailbox.open("target"));
        assertTrue(e.getMessage().contains("0666"), e.getMessage());
        Files.setPosixFilePermissions(UnboundedMailbox.path("target"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("rw-r--r--"));
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("target")) {
            e = assertThrows(InsecureFileException.class, mailbox::poll);
            assertTrue(e.getMessage().contains("0644"), e.getMessage());
        }
        assertTrue(UnboundedMailbox.destroy("target"));
        assertEquals(0, UnboundedFiles.segmentFiles("target"));
    }

    // ================================================================== random damage

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    /**
     * Random damage to the control file and the segment file of a valid mailbox: opening it,
     * receiving from it and sending to it either work or fail with a {@link JipcException}.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void randomlyDamagedFilesFailCleanly(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        MailboxFiles valid = pristine();
        exercise(damage(valid.control(), random, 1024),
                random.nextInt(3) == 0 ? valid.segment() : damage(valid.segment(), random, 8192 + 1024), random);
    }

    /**
     * A Jazzer fuzz target (regression mode in every build: the empty input, and inputs under
     * {@code HostileUnboundedFileTestInputs/hostileFields} if any; {@code JAZZER_FUZZ=1 mvn -pl
     * jipc-core-process-tests -am test -Dtest=HostileUnboundedFileTest} fuzzes for real): the input overwrites
     * the control file's fields (bytes 128..1023: geometry, ceiling, state, first, last, receiver
     * lease), then the segment file's retiring flag and its ring's control block (from byte 4096).
     */
    @FuzzTest(maxDuration = "40s") // under the class's timeout of 60 s
    void hostileFields(byte[] input) throws Exception {
        MailboxFiles valid = pristine();
        byte[] control = valid.control().clone();
        byte[] segment = valid.segment().clone();
        int at = 0;
        at += overlay(input, at, control, 128, 1024 - 128);
        at += overlay(input, at, segment, UnboundedMailboxDescriptor.RETIRING_OFFSET, 4);
        overlay(input, at, segment, (int) UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET, 1024);
        exercise(control, segment, new SplittableRandom(input.length));
    }

    /** Copies up to {@code length} bytes of {@code input} from {@code from} over {@code target} at {@code to}; returns how many. */
    private static int overlay(byte[] input, int from, byte[] target, int to, int length) {
        int n = Math.max(0, Math.min(length, input.length - from));
        System.arraycopy(input, from, target, to, n);
        return n;
    }

    /** Forges mailbox "damaged" from these files, then opens it, receives and sends: it works or fails with a JipcException. */
    private static void exercise(byte[] control, byte[] segment, SplittableRandom random) throws IOException {
        forge(UnboundedMailbox.path("damaged"), control);
        forge(UnboundedFiles.segment("damaged", 0), segment);
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("damaged")) {
            for (int i = 0; i < 6; i++) {
                mailbox.poll(m -> { }, Duration.ofMillis(1));
                mailbox.offer(new byte[random.nextInt(600)]);
            }
        } catch (JipcException refused) {
            // refused cleanly
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            UnboundedMailbox.destroy("damaged");
        }
    }

    private static MailboxFiles pristine;

    private static MailboxFiles pristine() throws IOException {
        if (pristine == null) {
            pristine = valid("pristine");
            UnboundedMailbox.destroy("pristine");
        }
        return pristine;
    }

    private static byte[] damage(byte[] valid, SplittableRandom random, int hotLimit) {
        byte[] bytes = valid.clone();
        int mutations = 1 + random.nextInt(6);
        for (int i = 0; i < mutations; i++) {
            // mostly where it matters: the headers, the fields, the ring's control block
            int limit = random.nextInt(4) != 0 ? Math.min(hotLimit, bytes.length) : bytes.length;
            int at = random.nextInt(limit - 8) & ~3;
            switch (random.nextInt(3)) {
                case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> le(bytes).putInt(at, new int[] {-1, 0, 1, Integer.MAX_VALUE, 4096, 1 << 30}[random.nextInt(6)]);
                default -> le(bytes).putLong(at & ~7, new long[] {-1L, 0L, 1L, Long.MAX_VALUE, 1L << 40,
                        random.nextLong()}[random.nextInt(6)]);
            }
        }
        return bytes;
    }

    // ================================================================== layout

    @Test
    void offsetsMatchTheLayouts() {
        StructLayout c = UnboundedMailboxDescriptor.LAYOUT;
        assertEquals(UnboundedMailboxDescriptor.SEGMENT_LENGTH_OFFSET, offset(c, "segmentLength"));
        assertEquals(UnboundedMailboxDescriptor.CEILING_OFFSET, offset(c, "ceiling"));
        assertEquals(UnboundedMailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET, offset(c, "maxMessageSize"));
        assertEquals(UnboundedMailboxDescriptor.PERMISSIONS_OFFSET, offset(c, "permissions"));
        assertEquals(UnboundedMailboxDescriptor.RING_CAPACITY_OFFSET, offset(c, "ringCapacity"));
        assertEquals(UnboundedMailboxDescriptor.SENDER_SLOTS_OFFSET, offset(c, "senderSlots"));
        assertEquals(UnboundedMailboxDescriptor.WAIT_STRATEGY_OFFSET, offset(c, "waitStrategy"));
        assertEquals(UnboundedMailboxDescriptor.DEAD_SENDER_TIMEOUT_OFFSET, offset(c, "deadSenderTimeout"));
        assertEquals(UnboundedMailboxDescriptor.STATE_OFFSET, offset(c, "state"));
        assertEquals(UnboundedMailboxDescriptor.FIRST_OFFSET, offset(c, "first"));
        assertEquals(UnboundedMailboxDescriptor.LAST_OFFSET, offset(c, "last"));
        assertEquals(UnboundedMailboxDescriptor.RECEIVER_LEASE_OFFSET, offset(c, "receiverLease"));
        assertEquals(UnboundedMailboxDescriptor.DOORBELL_OFFSET, offset(c, "doorbell"));
        assertEquals(UnboundedMailboxDescriptor.DOORBELL_LENGTH, c.select(PathElement.groupElement("doorbell")).byteSize());
        assertEquals(UnboundedMailboxDescriptor.CONTROL_LENGTH, c.byteSize());
        // the doorbell is used as a ring control block: its consumer wait block must fit
        assertTrue(RingDescriptor.DATA_SIGNAL_OFFSET + 4 <= UnboundedMailboxDescriptor.DOORBELL_LENGTH);
        assertEquals(0, UnboundedMailboxDescriptor.FIRST_OFFSET % 128, "first on a cache line of its own");
        assertEquals(0, UnboundedMailboxDescriptor.LAST_OFFSET % 128, "last on a cache line of its own");

        StructLayout s = UnboundedMailboxDescriptor.SEGMENT_LAYOUT;
        assertEquals(UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET, offset(s, "index"));
        assertEquals(UnboundedMailboxDescriptor.SEGMENT_OWNER_OFFSET, offset(s, "owner"));
        assertEquals(UnboundedMailboxDescriptor.RETIRING_OFFSET, offset(s, "retiring"));
        assertEquals(UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET, s.byteSize());
        assertEquals(0, UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET % RingDescriptor.PAGE, "the ring starts on a page");
    }

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(PathElement.groupElement(field));
    }
}
