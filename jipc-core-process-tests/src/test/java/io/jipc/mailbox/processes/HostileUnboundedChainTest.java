package io.jipc.mailbox.processes;

import io.jipc.CorruptSegmentException;
import io.jipc.JipcException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.ring.RecordDescriptor;
import io.jipc.ring.RingDescriptor;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.AllowLeftovers;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A <em>later</em> segment file ({@code k >= 1}) of an unbounded mailbox's chain truncated,
 * overwritten or forged, met by a receiver that drains the segments before it and by a sender
 * whose newest segment it is: each ends in {@link CorruptSegmentException} naming the file
 * ({@code <name>@<k>}), after every message of the intact segments before it came out unchanged;
 * never a read outside the file, an allocation sized by a forged value, another exception, a
 * message silently lost, or a hang. The receives are blocking {@code take()}s, each under a hard
 * timeout (a hang guard only: a wedged receiver fails the test instead of the build timing out).
 * {@link HostileUnboundedFileTest} does the same for the control file and segment 0.
 */
@ExtendWith(JipcTestExtension.class)
@AllowLeftovers
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileUnboundedChainTest {
    /** 4 KiB rings, so that 60 messages of 200 bytes make segments 0..3; a short dead-sender timeout. */
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(512)
            .deadSenderTimeout(Duration.ofMillis(20)).build();
    private static final long CEILING = 1 << 20;
    private static final int MESSAGES = 60;
    private static final int BODY = 200;
    /** Generous: a hang guard, never a measure. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);
    private static final int RING = (int) UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET;

    /** The files of a valid mailbox of segments 0..3, and which segment each message went to. */
    private record Chain(byte[] control, List<byte[]> segments, int[] segmentOf) {
        int last() {
            return segments.size() - 1;
        }

        /** How many messages lie in the segments before {@code k}. */
        int before(int k) {
            return (int) Arrays.stream(segmentOf).filter(s -> s < k).count();
        }
    }

    private static Chain pristine;

    private static synchronized Chain pristine() throws IOException {
        if (pristine == null) {
            String name = "pristine-chain";
            int[] segmentOf = new int[MESSAGES];
            try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, CEILING)) {
                for (int i = 0; i < MESSAGES; i++) {
                    mailbox.put(message(i));
                    segmentOf[i] = mailbox.segmentCount() - 1; // single sender, nothing received: `last`
                }
            }
            List<byte[]> segments = new ArrayList<>();
            for (int k = 0; Files.exists(UnboundedFiles.segment(name, k)); k++) {
                segments.add(Files.readAllBytes(UnboundedFiles.segment(name, k)));
            }
            pristine = new Chain(Files.readAllBytes(UnboundedMailbox.path(name)), segments, segmentOf);
            assertTrue(UnboundedMailbox.destroy(name));
            assertEquals(3, pristine.last(), "the chain the tests damage");
        }
        return pristine;
    }

    /** Message {@code i}: its number, then bytes that are a function of it (none zero). */
    private static byte[] message(int i) {
        byte[] bytes = new byte[BODY];
        le(bytes).putInt(0, i);
        for (int b = 4; b < BODY; b++) {
            bytes[b] = (byte) (1 + (i * 31 + b) % 255);
        }
        return bytes;
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    /** Writes the chain's files as mailbox {@code name}, segment {@code k} as {@code damaged} (null: no file). */
    private static void forge(String name, Chain chain, int k, byte[] damaged) throws IOException {
        write(UnboundedMailbox.path(name), chain.control());
        for (int s = 0; s <= chain.last(); s++) {
            Path path = UnboundedFiles.segment(name, s);
            Files.deleteIfExists(path);
            byte[] bytes = s == k ? damaged : chain.segments().get(s);
            if (bytes != null) {
                write(path, bytes);
            }
        }
    }

    /** Writes {@code bytes} as {@code path} with mode 0600, as jipc would. */
    private static void write(Path path, byte[] bytes) throws IOException {
        Files.deleteIfExists(path);
        Files.write(path, bytes, StandardOpenOption.CREATE_NEW);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    // ================================================================== damage to one segment file

    /** Where segment {@code segment}'s first record starts in its file (nothing of it was received). */
    private static int firstRecord(byte[] segment) {
        return RING + (int) le(segment).getLong(RING + RingDescriptor.DATA_OFFSET_OFFSET);
    }

    /**
     * One way to damage a segment file: {@code apply} returns the damaged bytes (null: the file is
     * missing); {@code sender} tells whether a sender, which only claims at the tail, meets it too.
     */
    private record Damage(String what, boolean sender, UnaryOperator<byte[]> apply) {
        @Override
        public String toString() {
            return what;
        }

        static Damage putLong(String what, boolean sender, int offset, long value) {
            return new Damage(what, sender, bytes -> {
                byte[] copy = bytes.clone();
                le(copy).putLong(offset, value);
                return copy;
            });
        }

        static Damage putInt(String what, boolean sender, int offset, int value) {
            return new Damage(what, sender, bytes -> {
                byte[] copy = bytes.clone();
                le(copy).putInt(offset, value);
                return copy;
            });
        }

        /** The first record's length and type as {@code length} and {@code type}. */
        static Damage firstRecord(String what, int length, int type) {
            return new Damage(what, false, bytes -> {
                byte[] copy = bytes.clone();
                le(copy).putLong(HostileUnboundedChainTest.firstRecord(copy) + RecordDescriptor.LENGTH_OFFSET,
                        RecordDescriptor.lengthAndType(length, type));
                return copy;
            });
        }
    }

    static List<Damage> damages() {
        int tail = RING + RingDescriptor.TAIL_OFFSET;
        return List.of(
                new Damage("truncated to 100 bytes", true, bytes -> Arrays.copyOf(bytes, 100)),
                new Damage("truncated within its ring", true, bytes -> Arrays.copyOf(bytes, bytes.length - 4096)),
                Damage.putLong("another magic", true, SegmentHeaderDescriptor.MAGIC_OFFSET,
                        SegmentHeaderDescriptor.magic("JIPC-UMB")),
                Damage.putInt("major version 3", true, SegmentHeaderDescriptor.VERSION_OFFSET,
                        SegmentHeaderDescriptor.version(UnboundedMailboxDescriptor.MAJOR_VERSION + 1, 0)),
                Damage.putInt("major version 1", true, SegmentHeaderDescriptor.VERSION_OFFSET,
                        SegmentHeaderDescriptor.version(1, 0)),
                Damage.firstRecord("a huge record length", Integer.MAX_VALUE, RecordDescriptor.TYPE_MESSAGE),
                Damage.firstRecord("a negative record length", -16, RecordDescriptor.TYPE_MESSAGE),
                Damage.firstRecord("a padding record past the end of the ring", 4096, RecordDescriptor.TYPE_PADDING),
                // within the max payload, so it is handed out; the next "record" lies in its successor's payload
                Damage.firstRecord("a record length past the committed records", 500, RecordDescriptor.TYPE_MESSAGE),
                Damage.firstRecord("a record of an unknown type", BODY, 7),
                Damage.putLong("an index naming the next segment", true, UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET,
                        4),
                Damage.putLong("an index naming segment 0", true, UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET, 0),
                new Damage("another owner", true, bytes -> {
                    byte[] copy = bytes.clone();
                    int owner = UnboundedMailboxDescriptor.SEGMENT_OWNER_OFFSET;
                    le(copy).putLong(owner, le(copy).getLong(owner) ^ 0x5a5a);
                    return copy;
                }),
                new Damage("a missing file", true, bytes -> null),
                // the tail ahead of the committed records, and no sender's intent naming the gap
                new Damage("a tail ahead of the records with no sender recorded", false, bytes -> {
                    byte[] copy = bytes.clone();
                    le(copy).putLong(tail, le(copy).getLong(tail) + 64);
                    return copy;
                }),
                new Damage("an unaligned tail", true, bytes -> {
                    byte[] copy = bytes.clone();
                    le(copy).putLong(tail, le(copy).getLong(tail) + 8);
                    return copy;
                }),
                Damage.putLong("a head after the tail", false, RING + RingDescriptor.HEAD_OFFSET, 1L << 20));
    }

    static Stream<Damage> senderDamages() {
        return damages().stream().filter(Damage::sender);
    }

    /**
     * A receiver that drains segments 0 and 1 and then retires into the damaged segment 2: every
     * message of 0 and 1 arrives unchanged and in order, then a blocking {@code take} throws
     * {@link CorruptSegmentException} naming {@code damaged@2} (a message of segment 2 may come
     * first, e.g. one whose forged length is within the max payload).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void aReceiverRetiringIntoADamagedLaterSegmentGetsCorruptSegmentException(Damage damage) throws Exception {
        Chain chain = pristine();
        int k = 2;
        forge("damaged", chain, k, damage.apply().apply(chain.segments().get(k)));
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("damaged")) {
            int intact = chain.before(k);
            for (int i = 0; i < intact; i++) {
                assertArrayEquals(message(i), guarded(mailbox::take), "message " + i);
            }
            CorruptSegmentException e = assertInstanceOf(CorruptSegmentException.class, refusal(() -> {
                for (int i = 0; i < MESSAGES; i++) {
                    byte[] got = mailbox.take();
                    assertTrue(got.length <= mailbox.maxMessageSize(), got.length + " bytes");
                }
            }), damage.what());
            assertTrue(e.getMessage().contains("damaged@" + k), e.getMessage());
        } finally {
            UnboundedMailbox.destroy("damaged");
        }
    }

    /** A sender whose newest segment (3) is damaged gets {@link CorruptSegmentException} naming it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("senderDamages")
    void aSenderWhoseNewestLaterSegmentIsDamagedGetsCorruptSegmentException(Damage damage) throws Exception {
        Chain chain = pristine();
        int k = chain.last();
        forge("damaged", chain, k, damage.apply().apply(chain.segments().get(k)));
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("damaged")) {
            CorruptSegmentException e = assertInstanceOf(CorruptSegmentException.class,
                    refusal(() -> mailbox.offer(new byte[10])), damage.what());
            assertTrue(e.getMessage().contains("damaged@" + k), e.getMessage());
        } finally {
            UnboundedMailbox.destroy("damaged");
        }
    }

    /**
     * A receiver killed mid-retirement (segment {@code first} unlinked, {@code first} not yet moved
     * on) while a slow sender re-created that segment and was killed before making it ready leaves a
     * file under the oldest segment's name that never became ready: empty, or a header of version 0
     * naming its dead creator. Segment {@code first} was ready when it joined the chain, so the next
     * receiver removes that leftover, finishes the retirement and gets every message behind it in
     * order (last53r explorer: until 2026-12-06 every receiver threw "was never made ready" every
     * 2 s for ever, the messages of the later segments stranded).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"empty", "version 0"})
    void aNeverReadyFileUnderTheOldestSegmentsNameIsALeftoverTheReceiverRemoves(String leftover) throws Exception {
        Chain chain = pristine();
        byte[] file = new byte[0];
        if (leftover.equals("version 0")) {
            file = chain.segments().get(0).clone();
            le(file).putInt(SegmentHeaderDescriptor.VERSION_OFFSET, 0);
            le(file).putLong(SegmentHeaderDescriptor.CREATOR_PID_OFFSET, (1L << 22) + 1); // above pid_max: dead
        }
        forge("leftover", chain, 0, file);
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("leftover")) {
            for (int i = chain.before(1); i < MESSAGES; i++) {
                assertArrayEquals(message(i), guarded(mailbox::take), "message " + i);
            }
            assertFalse(Files.exists(UnboundedFiles.segment("leftover", 0)), "the leftover is removed");
        } finally {
            UnboundedMailbox.destroy("leftover");
        }
    }

    /** Runs {@code calls} (hang-guarded) and returns the {@link JipcException} that ended them, or null if none did. */
    private static JipcException refusal(Executable calls) {
        return guarded(() -> {
            try {
                calls.execute();
                return null;
            } catch (JipcException refused) {
                return refused;
            }
        });
    }

    private static <T> T guarded(ThrowingSupplier<T> receive) {
        return assertTimeoutPreemptively(HANG_GUARD, receive, "a receive or send hung (hang guard)");
    }

    // ================================================================== random damage

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    /**
     * Random damage to the header, retiring flag and ring control block of a later segment in the
     * middle of the chain (1 or 2; random values, flipped bits, nasty ints and longs), as
     * {@link HostileUnboundedFileTest#randomlyDamagedFilesFailCleanly} does for segment 0: a receiver
     * takes with blocking {@code take()}s (hang-guarded) until the last message, which lies in the
     * intact newest segment, arrives or a {@link JipcException} ends it; nothing it hands out is
     * larger than the max message size, and the messages of the segments before the damaged one
     * arrive unchanged. A receiver must never wedge: every damage either lets it through to the
     * last message or is reported.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void randomDamageToALaterSegmentIsReportedOrPassedNeverAWedge(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Chain chain = pristine();
        int k = 1 + random.nextInt(chain.last() - 1);
        byte[] damaged = damage(chain.segments().get(k), random);
        forge("fuzzed", chain, k, damaged);
        try (UnboundedMailbox mailbox = UnboundedMailbox.open("fuzzed")) {
            guarded(() -> {
                try {
                    for (int i = 0; ; i++) {
                        byte[] got = mailbox.take();
                        assertTrue(got.length <= mailbox.maxMessageSize(), got.length + " bytes");
                        if (i < chain.before(k)) {
                            assertArrayEquals(message(i), got, "message " + i + " of an intact segment");
                        }
                        if (Arrays.equals(message(MESSAGES - 1), got)) {
                            return null; // through to the end
                        }
                        if ((i & 7) == 0) {
                            mailbox.offer(new byte[random.nextInt(OPTIONS.maxMessageSize() + 1)]);
                        }
                    }
                } catch (JipcException refused) {
                    return null; // reported
                }
            });
        } catch (JipcException refused) {
            // refused at open: cannot be, the control file is intact, but a clean refusal all the same
        } finally {
            UnboundedMailbox.destroy("fuzzed");
        }
    }

    /**
     * Damages the header (0..255), the retiring flag and the ring's control block (with the intent
     * slots) of a segment file, or moves its tail on.
     */
    private static byte[] damage(byte[] valid, SplittableRandom random) {
        byte[] bytes = valid.clone();
        int[][] areas = {{0, 256}, {UnboundedMailboxDescriptor.RETIRING_OFFSET, 12}, {RING, 1024 + 16 * 64}};
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            int[] area = areas[random.nextInt(areas.length)];
            int at = (area[0] + random.nextInt(area[1] - 8)) & ~3;
            switch (random.nextInt(4)) {
                case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
                case 3 -> { // the tail moved on by some records: what no sender's intent explains
                    int tail = RING + RingDescriptor.TAIL_OFFSET;
                    le(bytes).putLong(tail, le(bytes).getLong(tail) + RecordDescriptor.ALIGNMENT * (1 + random.nextInt(32)));
                }
                case 1 -> le(bytes).putInt(at, new int[] {-1, 0, 1, Integer.MAX_VALUE, 4096, 1 << 30}[random.nextInt(6)]);
                default -> le(bytes).putLong(at & ~7, new long[] {-1L, 0L, 1L, 64L, Long.MAX_VALUE, 1L << 40,
                        random.nextLong()}[random.nextInt(7)]);
            }
        }
        return bytes;
    }
}
