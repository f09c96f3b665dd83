package io.jipc.mailbox.processes;

import io.jipc.CorruptSegmentException;
import io.jipc.InsecureFileException;
import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.ring.RecordDescriptor;
import io.jipc.ring.RingDescriptor;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.AllowLeftovers;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mailbox files that were truncated, overwritten or forged are refused with a clear exception when
 * opened or read: no read outside the file, no allocation sized by a corrupt value, no other
 * exception type.
 */
@ExtendWith(JipcTestExtension.class)
@AllowLeftovers
class HostileMailboxFileTest {

    /** Creates a valid mailbox holding three messages and returns its file's bytes. */
    private static byte[] validMailbox(String name) throws Exception {
        try (Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().capacityBytes(4096).maxMessageSize(512).build())) {
            mailbox.put("one".getBytes());
            mailbox.put("two".getBytes());
            mailbox.put(new byte[300]);
        }
        return Files.readAllBytes(Mailbox.path(name));
    }

    /** Writes {@code bytes} as mailbox {@code name} (mode 0600, like jipc would). */
    private static void forge(String name, byte[] bytes) throws IOException {
        Path path = Mailbox.path(name);
        Files.deleteIfExists(path);
        Files.write(path, bytes, StandardOpenOption.CREATE_NEW);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * A mailbox whose file another process truncates while this one has it open closes, releases
     * its mapping and says so ({@link CorruptSegmentException}, the fault as its cause). Its close let
     * the fault ({@link InternalError}) out of the wake of its sleepers and kept the file mapped until
     * the process exited. In a child JVM: a compare-and-set on truncated memory that the JVM still
     * interprets aborts the JVM (docs/shared-memory.md), which the close must not reach.
     */
    @ParameterizedTest(name = "{1} truncated to {0} bytes")
    @org.junit.jupiter.params.provider.CsvSource({"0, bounded", "4096, bounded", "0, unbounded"})
    void aMailboxTruncatedWhileOpenClosesReleasesItsMappingAndSaysSo(long length, String kind) throws Exception {
        String name = "cut-" + length + "-" + kind;
        boolean unbounded = kind.equals("unbounded");
        if (unbounded) {
            try (io.jipc.mailbox.UnboundedMailbox mailbox = io.jipc.mailbox.UnboundedMailbox.create(name)) {
                mailbox.put("one".getBytes());
            }
        } else {
            try (Mailbox mailbox = Mailbox.create(name)) {
                mailbox.put("one".getBytes());
            }
        }
        try (io.jipc.testkit.ChildJvm child = io.jipc.testkit.ChildJvm.builder(CloseTruncated.class)
                .args(name, Long.toString(length), kind).start()) {
            Duration line = Duration.ofMinutes(1);
            assertEquals("TOOK one", child.awaitLine("TOOK", line));
            String closed = child.awaitLine("C", line);
            assertTrue(closed.startsWith("CORRUPT java.lang.InternalError: " + (unbounded ? "unbounded " : "")
                    + "mailbox '" + name + "': its memory faulted at close"), child.output());
            assertEquals("AGAIN true", child.awaitLine("AGAIN", line));
            assertEquals("FILE UNMAPPED", child.awaitLine("FILE", line), child.output());
            child.assertSuccess(line);
        } finally {
            if (unbounded) {
                io.jipc.mailbox.UnboundedMailbox.destroy(name);
            } else {
                Mailbox.destroy(name);
            }
        }
        assertTrue(!Files.exists(unbounded ? io.jipc.mailbox.UnboundedMailbox.path(name) : Mailbox.path(name)));
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        byte[] valid = validMailbox("truncated");
        forge("truncated", java.util.Arrays.copyOf(valid, 60));
        CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> Mailbox.open("truncated"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        // cut inside the ring: the header's file length no longer matches
        forge("truncated", java.util.Arrays.copyOf(valid, valid.length - 4096));
        e = assertThrows(CorruptSegmentException.class, () -> Mailbox.open("truncated"));
        assertTrue(e.getMessage().contains("bytes long"), e.getMessage());
        Mailbox.destroy("truncated");
    }

    @Test
    void aFileWithAnotherMagicIsRefused() throws Exception {
        byte[] bytes = validMailbox("magic");
        le(bytes).putLong(SegmentHeaderDescriptor.MAGIC_OFFSET, SegmentHeaderDescriptor.magic("NOTJIPC!"));
        forge("magic", bytes);
        CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> Mailbox.open("magic"));
        assertTrue(e.getMessage().contains("NOTJIPC!") && e.getMessage().contains("JIPC-MBX"), e.getMessage());
        Mailbox.destroy("magic");
    }

    @Test
    void aFileOfAnotherMajorVersionIsRefusedButANewerMinorIsRead() throws Exception {
        byte[] bytes = validMailbox("version");
        int major = MailboxDescriptor.MAJOR_VERSION;
        for (int other : new int[] {major + 1, 1}) { // a later format, and 1.x (unmixed commit words)
            le(bytes).putInt(SegmentHeaderDescriptor.VERSION_OFFSET, SegmentHeaderDescriptor.version(other, 1));
            forge("version", bytes);
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> Mailbox.open("version"));
            assertTrue(e.getMessage().contains("version " + other + ".1"), e.getMessage());
        }
        le(bytes).putInt(SegmentHeaderDescriptor.VERSION_OFFSET, SegmentHeaderDescriptor.version(major, 7));
        forge("version", bytes);
        try (Mailbox mailbox = Mailbox.open("version")) {
            assertEquals("one", new String(mailbox.poll()));
        }
        Mailbox.destroy("version");
    }

    @Test
    void impossibleRingGeometryIsRefused() throws Exception {
        byte[] valid = validMailbox("geometry");
        int ring = (int) MailboxDescriptor.RING_OFFSET;
        long[][] corruptions = {
            {ring + RingDescriptor.CAPACITY_OFFSET, 3000},           // not a power of two
            {ring + RingDescriptor.CAPACITY_OFFSET, 1L << 40},       // larger than the file
            {ring + RingDescriptor.DATA_OFFSET_OFFSET, 1L << 62},    // data outside the file
            {MailboxDescriptor.RING_OFFSET_OFFSET, 12345},           // ring not where it must be
            {MailboxDescriptor.RING_LENGTH_OFFSET, Long.MAX_VALUE},
            {ring + RingDescriptor.HEAD_OFFSET, 8},                  // unaligned head
            {ring + RingDescriptor.TAIL_OFFSET, -4096 * 1024L},      // tail far behind the head
        };
        for (long[] corruption : corruptions) {
            byte[] bytes = valid.clone();
            le(bytes).putLong((int) corruption[0], corruption[1]);
            forge("geometry", bytes);
            assertThrows(CorruptSegmentException.class, () -> {
                try (Mailbox m = Mailbox.open("geometry")) {
                    m.poll();
                }
            }, "offset " + corruption[0] + " = " + corruption[1]);
        }
        byte[] bytes = valid.clone();
        le(bytes).putInt(ring + RingDescriptor.MAX_PAYLOAD_OFFSET, Integer.MAX_VALUE);
        forge("geometry", bytes);
        assertThrows(CorruptSegmentException.class, () -> Mailbox.open("geometry"));
        Mailbox.destroy("geometry");
    }

    @Test
    void impossibleFeaturesLevelsAndLimitsAreRefused() throws Exception {
        byte[] plain = validMailbox("features");
        byte[] levels;
        try (Mailbox mailbox = Mailbox.create("levels", MailboxOptions.builder().capacityBytes(4096)
                .maxMessageSize(100).priorities(2).build())) {
            mailbox.put("x".getBytes(), 1);
        }
        levels = Files.readAllBytes(Mailbox.path("levels"));
        Mailbox.destroy("levels");
        Object[][] corruptions = {
            {plain, MailboxDescriptor.FEATURES_OFFSET, 0x80},                       // unknown feature
            {plain, MailboxDescriptor.FEATURES_OFFSET, MailboxDescriptor.FEATURE_RENDEZVOUS}, // without headers
            {plain, MailboxDescriptor.PRIORITIES_OFFSET, 2},                        // levels without headers
            {levels, MailboxDescriptor.PRIORITIES_OFFSET, 33},                      // too many levels
            {levels, MailboxDescriptor.PRIORITIES_OFFSET, 3},                       // rings do not fit the file
            {levels, MailboxDescriptor.PRIORITIES_OFFSET, Integer.MIN_VALUE},
            {levels, MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET, Integer.MAX_VALUE}, // beyond the records
            {levels, MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET, -1},
            {levels, MailboxDescriptor.MESSAGE_LIMIT_OFFSET, 0},                    // rendezvous without the flag
            {levels, MailboxDescriptor.MESSAGE_LIMIT_OFFSET, 5},                    // slots the records do not have
        };
        for (Object[] corruption : corruptions) {
            byte[] bytes = ((byte[]) corruption[0]).clone();
            le(bytes).putInt((int) corruption[1], (int) corruption[2]);
            forge("features", bytes);
            assertThrows(CorruptSegmentException.class, () -> Mailbox.open("features"),
                    "offset " + corruption[1] + " = " + corruption[2]);
        }
        Mailbox.destroy("features");
    }

    @Test
    void aProtocolLabelOfOtherThanPrintableAsciiThenZerosIsRefused() throws Exception {
        byte[] plain = validMailbox("label");
        byte[][] labels = {
            {'a', ' ', 'b'},                 // a space
            {'r', 'p', 'c', (byte) 0xc3},    // not ASCII
            {0x7f},                           // DEL
            {'a', 0, 'b'},                    // a byte after the label's end
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        };
        for (byte[] label : labels) {
            byte[] bytes = plain.clone();
            System.arraycopy(label, 0, bytes, MailboxDescriptor.PROTOCOL_OFFSET, label.length);
            forge("label", bytes);
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> Mailbox.open("label"),
                    java.util.Arrays.toString(label));
            assertTrue(e.getMessage().contains("protocol label"), e.getMessage());
        }
        byte[] full = plain.clone(); // 16 characters, no terminating zero: the longest label
        System.arraycopy("0123456789abcdef".getBytes(), 0, full, MailboxDescriptor.PROTOCOL_OFFSET, 16);
        forge("label", full);
        try (Mailbox mailbox = Mailbox.open("label")) {
            assertEquals("0123456789abcdef", mailbox.protocol());
        }
        Mailbox.destroy("label");
    }

    @Test
    void aCommittedRecordWithAHostileLengthIsReportedWhenReceived() throws Exception {
        byte[] valid = validMailbox("lengths");
        int firstRecord = (int) (MailboxDescriptor.RING_OFFSET + RingDescriptor.dataOffset(16));
        for (int hostile : new int[] {-1, Integer.MAX_VALUE, 1 << 20, 4096, 513}) {
            byte[] bytes = valid.clone();
            le(bytes).putInt(firstRecord + RecordDescriptor.LENGTH_OFFSET, hostile);
            forge("lengths", bytes);
            try (Mailbox mailbox = Mailbox.open("lengths")) {
                CorruptSegmentException e = assertThrows(CorruptSegmentException.class, mailbox::poll,
                        "length " + hostile);
                assertTrue(e.getMessage().contains("claims " + hostile + " bytes"), e.getMessage());
                assertThrows(CorruptSegmentException.class, () -> mailbox.poll(ByteBuffer.allocate(64)));
                assertThrows(CorruptSegmentException.class, () -> mailbox.drain(m -> { }));
            }
        }
        Mailbox.destroy("lengths");
    }

    /**
     * Another process overwrites a many-sender ring's control block (tail, intent table) while the
     * mailbox is open: every intent slot then looks owned by a dead process whose claim never
     * resolves. A send must report the damage, not wait for a free slot for ever (an at-once
     * offer() did).
     */
    @Test
    void aSendIntoAnOverwrittenIntentTableReportsTheDamage() throws Exception {
        try (Mailbox mailbox = Mailbox.create("scribbled", MailboxOptions.builder().capacityBytes(4096)
                .maxMessageSize(512).build())) {
            mailbox.put("one".getBytes());
            int from = (int) (MailboxDescriptor.RING_OFFSET + RingDescriptor.TAIL_OFFSET);
            int to = (int) (MailboxDescriptor.RING_OFFSET + RingDescriptor.dataOffset(16));
            byte[] scribble = new byte[to - from];
            java.util.Arrays.fill(scribble, (byte) 0x41);
            try (FileChannel file = FileChannel.open(Mailbox.path("scribbled"), StandardOpenOption.WRITE)) {
                file.write(ByteBuffer.wrap(scribble), from); // the mapping sees it
            }
            Throwable[] outcome = new Throwable[1];
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try {
                    mailbox.offer("two".getBytes());
                } catch (Throwable t) {
                    outcome[0] = t;
                }
            });
            sender.join(60_000);
            assertTrue(!sender.isAlive(), "offer() still waits for an intent slot");
            assertTrue(outcome[0] instanceof CorruptSegmentException, String.valueOf(outcome[0]));
            assertThrows(CorruptSegmentException.class, mailbox::poll);
        } finally {
            Mailbox.destroy("scribbled");
        }
    }

    @Test
    void aMailboxThatNeverBecameReadyIsReportedAfterTheReadyTimeout() throws Exception {
        forge("empty", new byte[0]);
        CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> Mailbox.open("empty"));
        assertTrue(e.getMessage().contains("never initialised"), e.getMessage());
        byte[] bytes = validMailbox("unready");
        le(bytes).putInt(SegmentHeaderDescriptor.VERSION_OFFSET, 0);
        le(bytes).putLong(SegmentHeaderDescriptor.CREATOR_PID_OFFSET, (1L << 22) + 1);
        forge("unready", bytes);
        e = assertThrows(CorruptSegmentException.class, () -> Mailbox.open("unready"));
        assertTrue(e.getMessage().contains("(dead)"), e.getMessage());
        Mailbox.destroy("empty");
        Mailbox.destroy("unready");
    }

    @Test
    void aSymbolicLinkOrAWrongModeIsRefused() throws Exception {
        validMailbox("target");
        Files.createSymbolicLink(Mailbox.path("link"), Mailbox.path("target"));
        assertThrows(InsecureFileException.class, () -> Mailbox.open("link"));
        Files.setPosixFilePermissions(Mailbox.path("target"), PosixFilePermissions.fromString("rw-rw-rw-"));
        InsecureFileException e = assertThrows(InsecureFileException.class, () -> Mailbox.open("target"));
        assertTrue(e.getMessage().contains("0666"), e.getMessage());
        Files.delete(Mailbox.path("link"));
        Mailbox.destroy("target");
    }

    static LongStream seeds() {
        return LongStream.range(0, 1000);
    }

    /** Random damage to a valid mailbox file: opening and draining it fails cleanly or works. */
    @ParameterizedTest
    @MethodSource("seeds")
    void randomlyDamagedMailboxesFailCleanly(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = damagedCopy(random);
        forge("damaged", bytes);
        try (Mailbox mailbox = Mailbox.open("damaged")) {
            for (int i = 0; i < 8; i++) {
                if (mailbox.poll(m -> { }, Duration.ofMillis(1)) && random.nextBoolean()) {
                    mailbox.offer(new byte[random.nextInt(600)]);
                }
            }
        } catch (JipcException expected) {
            // refused, with a jipc exception
        } finally {
            Mailbox.destroy("damaged");
        }
    }

    private static byte[] validBytes;

    private static byte[] damagedCopy(SplittableRandom random) throws Exception {
        if (validBytes == null) {
            validBytes = validMailbox("pristine");
            Mailbox.destroy("pristine");
        }
        byte[] bytes = validBytes.clone();
        int mutations = 1 + random.nextInt(8);
        for (int i = 0; i < mutations; i++) {
            // damage where it matters most: the headers, the ring control block, the first records
            int limit = random.nextBoolean() ? 8192 + 1024 : bytes.length;
            int at = random.nextInt(limit - 8) & ~3;
            switch (random.nextInt(3)) {
                case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> le(bytes).putInt(at, new int[] {-1, 0, Integer.MAX_VALUE, 4096, 1 << 30}[random.nextInt(5)]);
                default -> le(bytes).putLong(at & ~7, random.nextLong());
            }
        }
        return bytes;
    }
}
