package io.jipc.mailbox;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timeout of centuries ({@code Duration.ofSeconds(Long.MAX_VALUE)}) is no deadline, never an
 * overflow ({@link io.jipc.Timeouts#nanos}): as a dead-sender timeout, and as the wait of the timed verbs.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class CenturyTimeoutTest {
    private static final Duration CENTURIES = Duration.ofSeconds(Long.MAX_VALUE);

    @Test
    void aMailboxTakesACenturyDeadSenderTimeoutAndCenturyWaits() throws InterruptedException {
        MailboxOptions options = MailboxOptions.builder().deadSenderTimeout(CENTURIES).build();
        try (Mailbox mailbox = Mailbox.create("centuries", options)) {
            assertTrue(mailbox.offer(new byte[] {1}, CENTURIES));
            assertArrayEquals(new byte[] {1}, mailbox.poll(CENTURIES));
        } finally {
            Mailbox.destroy("centuries");
        }
    }

    @Test
    void anUnboundedMailboxTakesACenturyDeadSenderTimeout() throws InterruptedException {
        MailboxOptions segments = MailboxOptions.builder().deadSenderTimeout(CENTURIES).build();
        try (UnboundedMailbox mailbox = UnboundedMailbox.create("centuries-u", segments, 1L << 24)) {
            mailbox.put(new byte[] {2});
            assertArrayEquals(new byte[] {2}, mailbox.poll(CENTURIES));
        } finally {
            UnboundedMailbox.destroy("centuries-u");
        }
    }
}
