package io.jipc.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.shm.CircularBuffer;
import io.jipc.shm.SharedRegion;
import io.jipc.sync.ProcessSemaphore;
import io.jipc.sync.SyncFileDescriptor;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inventory reads files other processes wrote; whatever their bytes, every file is one row
 * (possibly an error row), no lister throws, and no figure comes from outside the file.
 *
 * <p>{@link #hostileFiles(byte[])} is a Jazzer fuzz target (regression mode in every build;
 * {@code JAZZER_FUZZ=1 mvn -pl jipc-cli -am test -Dtest=HostileHeaderFuzzTest} fuzzes for real);
 * {@link #mutatedFiles(long)} mutates valid mailbox, buffer and semaphore files at random;
 * {@link #hostileLengths(long)} puts hostile ring lengths and level counts into a valid mailbox.
 */
@ExtendWith(JipcTestExtension.class)
class HostileHeaderFuzzTest {
    private static final String[] DIRECTORIES = {MailboxDescriptor.DIRECTORY, SharedRegion.DIRECTORY,
            SyncFileDescriptor.DIRECTORY};

    @AfterEach
    void removeFiles() throws IOException {
        for (String directory : DIRECTORIES) {
            Files.deleteIfExists(JipcRoot.path(directory).resolve("x"));
        }
        Mailbox.destroy("valid");
        CircularBuffer.destroy("valid");
        io.jipc.sync.SyncObjects.destroy("valid");
    }

    @FuzzTest(maxDuration = "60s")
    void hostileFiles(byte[] input) throws IOException {
        for (String directory : DIRECTORIES) {
            Files.write(JipcRoot.directory(directory).resolve("x"), input);
        }
        check(3);
    }

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedFiles(long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (String directory : DIRECTORIES) {
            byte[] bytes = validFile(directory);
            int mutations = 1 + random.nextInt(16);
            for (int i = 0; i < mutations; i++) {
                int at = random.nextInt(Math.min(bytes.length, 8192) - 8) & ~7;
                long[] nasty = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L, 1L << 40, 4096, random.nextLong()};
                MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED, at, nasty[random.nextInt(nasty.length)]);
            }
            if (random.nextInt(4) == 0) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            Files.write(JipcRoot.directory(directory).resolve("x"), bytes);
        }
        check(3);
    }

    static LongStream anonymousSeeds() {
        return LongStream.range(0, 100);
    }

    /**
     * A valid circular buffer in an anonymous region, its header then mutated at random (as another
     * process holding the region may write it): the region is one row, a buffer whose figures are
     * within its configuration or a raw region, and no lister fails.
     */
    @ParameterizedTest
    @MethodSource("anonymousSeeds")
    void mutatedAnonymousBuffers(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        try (io.jipc.shm.AnonymousRegion region = io.jipc.shm.AnonymousRegion.create(CircularBuffer.requiredBytes(8, 4))) {
            try (CircularBuffer buffer = CircularBuffer.format(region, 8, 4)) {
                buffer.offer(new byte[8]);
            }
            int mutations = 1 + random.nextInt(8);
            for (int i = 0; i < mutations; i++) {
                int at = random.nextInt(io.jipc.shm.CircularBufferDescriptor.SLOTS_OFFSET + 16) & ~7;
                long[] nasty = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L, 1L << 40, 4096, 1L << 32 | 3, random.nextLong()};
                region.setLong(at, nasty[random.nextInt(nasty.length)]);
            }
            long self = ProcessHandle.current().pid();
            List<ObjectRow> rows = ObjectInventory.list().stream().filter(r -> r.kind().equals("error")
                    || r.uri().startsWith("memfd:") && r.users().contains(self)).toList();
            assertEquals(1, rows.size(), rows.toString());
            ObjectRow r = rows.getFirst();
            if (r.kind().equals("circular-buffer")) {
                assertTrue(r.capacity() >= 2 && Long.bitCount(r.capacity()) == 1 && r.depth() >= 0
                        && r.depth() <= r.capacity() && r.counter() >= 0, r.toString());
            } else {
                assertEquals("anonymous-region", r.kind(), r.toString());
                assertTrue(r.details().startsWith("raw") && r.capacity() >= region.size(), r.toString());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 0, 1, 4096, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40})
    void hostileLengths(long value) throws IOException {
        for (int offset : new int[]{MailboxDescriptor.RING_LENGTH_OFFSET, MailboxDescriptor.RING_OFFSET_OFFSET}) {
            byte[] bytes = validFile(MailboxDescriptor.DIRECTORY);
            MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
            Files.write(JipcRoot.directory(MailboxDescriptor.DIRECTORY).resolve("x"), bytes);
            check(1);
        }
        for (int levels : new int[]{-1, 2, 257, Integer.MAX_VALUE}) {
            byte[] bytes = validFile(MailboxDescriptor.DIRECTORY);
            MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_INT_UNALIGNED, MailboxDescriptor.PRIORITIES_OFFSET, levels);
            Files.write(JipcRoot.directory(MailboxDescriptor.DIRECTORY).resolve("x"), bytes);
            check(1);
        }
    }

    /** The bytes of a valid object of the directory's kind, with something in it. */
    private static byte[] validFile(String directory) throws IOException {
        Path path;
        switch (directory) {
            case MailboxDescriptor.DIRECTORY -> {
                try (Mailbox m = Mailbox.create("valid")) {
                    m.offer(new byte[40]);
                    path = Mailbox.path("valid");
                }
            }
            case SharedRegion.DIRECTORY -> {
                try (CircularBuffer b = CircularBuffer.create("valid", 8, 4)) {
                    b.offer(new byte[8]);
                    path = JipcRoot.path(SharedRegion.DIRECTORY).resolve("valid");
                }
            }
            default -> {
                try (ProcessSemaphore s = ProcessSemaphore.create("valid", 2, 4, 0600)) {
                    path = JipcRoot.path(SyncFileDescriptor.DIRECTORY).resolve("valid");
                }
            }
        }
        byte[] bytes = Files.readAllBytes(path);
        Files.delete(path);
        return bytes;
    }

    /** Every file is a row of its own, no lister failed, and the figures are within the file. */
    private static void check(int files) {
        List<ObjectRow> rows = ObjectInventory.list().stream().filter(r -> r.uri().endsWith(":x")
                || r.kind().equals("error")).toList();
        assertEquals(files, rows.size(), rows.toString());
        for (ObjectRow r : rows) {
            assertTrue(!r.kind().equals("error"), r.toString());
            assertTrue(r.details().startsWith("error: ") || r.capacity() >= -1 && r.depth() >= -1, r.toString());
        }
    }
}
