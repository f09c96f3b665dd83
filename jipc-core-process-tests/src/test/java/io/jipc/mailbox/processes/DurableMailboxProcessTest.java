package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxExistsException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.Message;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A durable mailbox is a regular file on disk: messages sent and not yet received survive the end
 * of every process that used it (killed, not closed), and are drained in order after a reopen.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DurableMailboxProcessTest {
    private static final Duration CHILD = Duration.ofSeconds(60);

    /** Creates (or opens) the durable mailbox, sends {@code count} numbered messages, forces them to disk, says SENT and waits to be killed. */
    public static final class SendAndWaitForDeath {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            Path file = Path.of(args[0]);
            int count = Integer.parseInt(args[1]);
            Mailbox mailbox = Files.exists(file) ? Mailbox.openDurable(file)
                    : Mailbox.createDurable(file, MailboxOptions.builder().priorities(2).capacityBytes(64 * 1024)
                    .maxMessageSize(200).build());
            for (int i = 0; i < count; i++) {
                mailbox.put((args[2] + i).getBytes(UTF_8), i % 2);
            }
            mailbox.force();
            System.out.println("SENT");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE); // killed here, holding the mailbox open
        }
    }

    @Test
    void messagesSurviveTheDeathOfEveryProcessAndAreDrainedAfterAReopen() throws Exception {
        Path directory = Files.createTempDirectory("jipc-durable");
        Path file = directory.resolve("orders");
        try {
            try (ChildJvm first = ChildJvm.builder(SendAndWaitForDeath.class).args(file.toString(), "10", "a")
                    .quickStart().hardTimeout(Duration.ofSeconds(90)).start()) {
                first.awaitLine("SENT", CHILD);
                first.kill();
            }
            try (ChildJvm second = ChildJvm.builder(SendAndWaitForDeath.class).args(file.toString(), "4", "b")
                    .quickStart().hardTimeout(Duration.ofSeconds(90)).start()) {
                second.awaitLine("SENT", CHILD);
                second.kill();
            }
            assertTrue(Files.isRegularFile(file) && !file.toString().startsWith("/dev/shm"), file.toString());
            assertThrows(MailboxExistsException.class, () -> Mailbox.createDurable(file, MailboxOptions.defaults()));
            List<String> drained = new ArrayList<>();
            try (Mailbox mailbox = Mailbox.openDurable(file)) {
                assertEquals("orders", mailbox.name());
                assertEquals(2, mailbox.priorities());
                Message m;
                while ((m = mailbox.pollMessage()) != null) {
                    drained.add(new String(m.payload(), UTF_8) + ":" + m.priority());
                }
                assertTrue(mailbox.destroy());
            }
            // every odd-numbered message went to level 1, received first, in order; then level 0
            List<String> expected = new ArrayList<>();
            for (int level = 1; level >= 0; level--) {
                for (int i = level; i < 10; i += 2) {
                    expected.add("a" + i + ":" + level);
                }
                for (int i = level; i < 4; i += 2) {
                    expected.add("b" + i + ":" + level);
                }
            }
            assertEquals(expected, drained);
            assertFalse(Files.exists(file), "destroyed");
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(directory);
        }
    }

    @Test
    void aDurableMailboxOfWiderPermissionsReopensWithThem() throws Exception {
        Path directory = Files.createTempDirectory("jipc-durable");
        Path file = directory.resolve("wide");
        try {
            try (Mailbox mailbox = Mailbox.createDurable(file, MailboxOptions.builder().permissions(0640).build())) {
                mailbox.put("kept".getBytes(UTF_8));
            }
            // it could not be opened again at all: openDurable knew only 0600
            io.jipc.InsecureFileException e = assertThrows(io.jipc.InsecureFileException.class,
                    () -> Mailbox.openDurable(file));
            assertTrue(e.getMessage().contains("0640"), e.getMessage());
            try (Mailbox again = Mailbox.openDurable(file, 0640)) {
                assertEquals("kept", new String(again.poll(), UTF_8));
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(directory);
        }
    }

    @Test
    void forceOnAMailboxInMemoryIsHarmless() throws Exception {
        try (Mailbox mailbox = Mailbox.create("force-" + ProcessHandle.current().pid())) {
            mailbox.put(new byte[3]);
            mailbox.force();
            assertEquals(3, mailbox.poll().length);
            assertNull(mailbox.poll());
            mailbox.destroy();
        }
    }
}
