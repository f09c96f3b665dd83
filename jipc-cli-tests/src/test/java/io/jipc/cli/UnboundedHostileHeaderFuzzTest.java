package io.jipc.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unbounded mailbox lister reads a control file and segment files other processes wrote;
 * whatever their bytes, the control file is one row (possibly an error row), the segment files are
 * no rows, the lister never throws or runs away over a hostile segment range, and no figure comes
 * from outside the files.
 *
 * <p>{@link #hostileFiles(byte[])} is a Jazzer fuzz target (regression mode in every build;
 * {@code JAZZER_FUZZ=1 mvn -pl jipc-cli -am test -Dtest=UnboundedHostileHeaderFuzzTest} fuzzes for
 * real); {@link #hostileFields} puts hostile lengths, ceilings and segment ranges into a valid
 * control file.
 */
@ExtendWith(JipcTestExtension.class)
class UnboundedHostileHeaderFuzzTest {
    private static final MailboxOptions SMALL = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(100).build();

    @AfterEach
    void removeFiles() throws IOException {
        UnboundedMailbox.destroy("valid");
        try (Stream<Path> files = Files.list(JipcRoot.directory(UnboundedMailboxDescriptor.DIRECTORY))) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    /** The bytes become the control file {@code x}, and also its segment file {@code x@0}. */
    @FuzzTest(maxDuration = "60s")
    void hostileFiles(byte[] input) throws IOException {
        Path directory = JipcRoot.directory(UnboundedMailboxDescriptor.DIRECTORY);
        Files.write(directory.resolve("x"), input);
        Files.write(directory.resolve("x@0"), input);
        check();
    }

    static Stream<long[]> hostileFields() {
        long[] nasty = {-1, 0, 1, 4096, 4097, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
        int[] offsets = {UnboundedMailboxDescriptor.SEGMENT_LENGTH_OFFSET, UnboundedMailboxDescriptor.CEILING_OFFSET,
                UnboundedMailboxDescriptor.RING_CAPACITY_OFFSET, UnboundedMailboxDescriptor.FIRST_OFFSET,
                UnboundedMailboxDescriptor.LAST_OFFSET};
        return Arrays.stream(offsets).boxed().flatMap(offset -> Arrays.stream(nasty).mapToObj(v -> new long[] {offset, v}));
    }

    /** One hostile field in the control file of a valid, chained mailbox (its segment files stay). */
    @ParameterizedTest
    @MethodSource("hostileFields")
    void hostileFields(long[] field) throws IOException {
        Path control = validChain();
        byte[] bytes = Files.readAllBytes(control);
        MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED, field[0], field[1]);
        Files.write(control.resolveSibling("x"), bytes);
        for (int k = 0; k < 3; k++) {
            Files.copy(control.resolveSibling("valid@" + k), control.resolveSibling("x@" + k));
        }
        check();
    }

    /** A range of segments far longer than the lister sums, and one pointing at missing segments. */
    @Test
    void aLongOrMissingChainIsNoErrorAndNoRunaway() throws IOException {
        Path control = validChain();
        byte[] bytes = Files.readAllBytes(control);
        MemorySegment header = MemorySegment.ofArray(bytes);
        header.set(ValueLayout.JAVA_LONG_UNALIGNED, UnboundedMailboxDescriptor.CEILING_OFFSET, Long.MAX_VALUE);
        header.set(ValueLayout.JAVA_LONG_UNALIGNED, UnboundedMailboxDescriptor.FIRST_OFFSET, 5);
        header.set(ValueLayout.JAVA_LONG_UNALIGNED, UnboundedMailboxDescriptor.LAST_OFFSET, 5 + 2000);
        Files.write(control.resolveSibling("x"), bytes);
        ObjectRow row = check();
        assertEquals(-1, row.depth(), "too many segments to sum: " + row);
        assertTrue(row.details().contains(", 2001 segments of "), row.details());
        header.set(ValueLayout.JAVA_LONG_UNALIGNED, UnboundedMailboxDescriptor.LAST_OFFSET, 9);
        Files.write(control.resolveSibling("x"), bytes);
        row = check();
        assertEquals(0, row.depth(), "segments retired meanwhile hold nothing: " + row);
        assertTrue(row.details().contains(", 5 segments of "), row.details());
    }

    /** The control file of mailbox {@code valid}, chained over segments 0..2 with messages in each. */
    private static Path validChain() {
        try (UnboundedMailbox box = UnboundedMailbox.create("valid", SMALL, 1 << 20)) {
            while (box.segmentCount() < 3) {
                box.put(new byte[100]);
            }
        }
        return UnboundedMailbox.path("valid");
    }

    /** {@code x} is one row of kind unbounded, no lister failed, its figures are within the files. */
    private static ObjectRow check() {
        List<ObjectRow> rows = ObjectInventory.list().stream()
                .filter(r -> r.uri().startsWith("unbounded:x") || r.kind().equals("error")).toList();
        assertEquals(1, rows.size(), rows.toString());
        ObjectRow r = rows.getFirst();
        assertEquals("unbounded:x", r.uri());
        assertEquals("unbounded", r.kind());
        assertTrue(r.details().startsWith("error: ") || r.capacity() >= -1 && r.depth() >= -1, r.toString());
        return r;
    }
}
