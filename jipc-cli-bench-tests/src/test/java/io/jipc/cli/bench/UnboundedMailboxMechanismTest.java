package io.jipc.cli.bench;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the unbounded mailbox mechanism sizes its segments and its ceiling. The two-process run is
 * {@code UnboundedBenchCommandTest}.
 */
@ExtendWith(JipcTestExtension.class)
class UnboundedMailboxMechanismTest {

    @Test
    void segmentsAreRingsOfOneMebibyteUnlessALargerMessageNeedsMore() {
        assertEquals(1 << 20, UnboundedMailboxMechanism.segmentOptions(64).capacityBytes());
        assertEquals(1 << 20, UnboundedMailboxMechanism.segmentOptions(4096).capacityBytes());
        assertEquals(4 << 20, UnboundedMailboxMechanism.segmentOptions(1 << 20).capacityBytes());
    }

    /** The ceiling is exactly the files of 64 segments, and a segment takes the largest message. */
    @ParameterizedTest
    @ValueSource(ints = {16, 64, 4096, 1 << 20})
    void theCeilingIsSixtyFourSegmentFiles(int maxSize) {
        MailboxOptions options = UnboundedMailboxMechanism.segmentOptions(maxSize);
        try (UnboundedMailbox box = UnboundedMailbox.create("sizing", options, UnboundedMailboxMechanism.ceiling(options))) {
            assertEquals(UnboundedMailboxMechanism.SEGMENTS_UNDER_CEILING * box.segmentFileBytes(), box.ceilingBytes());
            assertTrue(box.offer(new byte[maxSize]));
            assertEquals(maxSize, box.poll().length);
        } finally {
            UnboundedMailbox.destroy("sizing");
        }
    }
}
