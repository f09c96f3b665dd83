package io.jipc.cli;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static io.jipc.cli.CliRun.jipcWithInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jipc send} and {@code jipc recv} on {@code unbounded:NAME}, in this JVM and across processes. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UnboundedSendRecvTest {

    @Test
    void aMissingMailboxIsCreatedWithTheDefaultsAndCarriesMessagesInOrder() {
        try {
            assertEquals(0, jipc("send", "unbounded:cli", "one", "two").exit());
            assertEquals(0, jipcWithInput("three\nfour\n", "send", "unbounded:cli").exit());
            try (UnboundedMailbox box = UnboundedMailbox.open("cli")) {
                assertEquals(UnboundedMailbox.DEFAULT_CEILING, box.ceilingBytes());
                assertEquals(MailboxOptions.defaults().maxMessageSize(), box.maxMessageSize());
            }
            assertEquals(new CliRun(0, "one\ntwo\nthree\n", ""), jipc("recv", "unbounded:cli", "-n", "3"));
            assertEquals(new CliRun(0, "four\n", ""), jipc("recv", "unbounded:cli", "-n", "0", "--nonblock"));

            CliRun empty = jipc("recv", "unbounded:cli", "--nonblock");
            assertEquals(1, empty.exit());
            assertTrue(empty.err().contains("no message in unbounded:cli (waited not at all); 0 received"), empty.err());
            CliRun timedOut = jipc("recv", "unbounded:cli", "--timeout", "50ms");
            assertEquals(1, timedOut.exit());
            assertTrue(timedOut.err().contains("(waited at most 50ms)"), timedOut.err());

            CliRun priority = jipc("send", "unbounded:cli", "--priority", "3", "x");
            assertEquals(2, priority.exit());
            assertTrue(priority.err().contains("unbounded mailbox messages have no priority"), priority.err());
        } finally {
            UnboundedMailbox.destroy("cli");
        }
    }

    @Test
    void noCreateRefusesAMissingMailboxAndABadNameIsAUsageError() {
        CliRun send = jipc("send", "unbounded:absent", "--no-create", "x");
        assertEquals(1, send.exit());
        assertTrue(send.err().startsWith("jipc send: no unbounded mailbox 'absent'"), send.err());
        assertEquals(1, jipc("recv", "unbounded:absent", "--no-create", "--nonblock").exit());
        assertFalse(UnboundedMailbox.exists("absent"));
        CliRun bad = jipc("send", "unbounded:../x", "x");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("invalid mailbox name"), bad.err());
    }

    /**
     * A send never waits for room: at the ceiling it fails at once with the ceiling's message, also
     * with {@code --timeout}; what was sent before stays and is received in order.
     */
    @Test
    void aSendAtTheCeilingFailsWithTheExceptionsMessage() {
        MailboxOptions small = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(1000).build();
        long segment;
        try (UnboundedMailbox probe = UnboundedMailbox.create("probe", small, 1 << 20)) {
            segment = probe.segmentFileBytes();
        } finally {
            UnboundedMailbox.destroy("probe");
        }
        try (UnboundedMailbox tight = UnboundedMailbox.create("tight", small, segment)) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                lines.add(i + "-" + "x".repeat(900)); // about 900 bytes: a 4 KiB segment holds a few
            }
            for (String timeout : new String[] {"--nonblock", "--timeout=10m"}) {
                CliRun full = jipcWithInput(String.join("\n", lines) + "\n", "send", "unbounded:tight", timeout);
                assertEquals(1, full.exit(), full.out() + full.err());
                assertTrue(full.err().startsWith("jipc send: unbounded mailbox 'tight' is at its ceiling"), full.err());
            }
            CliRun recv = jipc("recv", "unbounded:tight", "-n", "0", "--nonblock");
            assertEquals(0, recv.exit(), recv.err());
            List<String> received = recv.out().lines().toList();
            assertFalse(received.isEmpty());
            assertEquals(lines.subList(0, received.size()), received, "the first lines, in order, once each");
            assertEquals(1, tight.segmentCount());
        } finally {
            UnboundedMailbox.destroy("tight");
        }
    }

    @Test
    void recvInAnotherProcessGetsWhatSendSendsHere() {
        try (ChildJvm receiver = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("recv", "unbounded:across", "--count", "3").start()) {
            // the receiver creates the mailbox if it comes first; either order works
            assertEquals(0, jipc("send", "unbounded:across", "first", "second").exit());
            assertEquals(0, jipc("send", "unbounded:across", "third").exit());
            receiver.assertSuccess(Duration.ofSeconds(90));
            assertTrue(receiver.output().contains("first\nsecond\nthird\n"), receiver.output());
        } finally {
            UnboundedMailbox.destroy("across");
        }
    }
}
