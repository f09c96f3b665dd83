package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway's own {@code maxFrameSize} against a mailbox whose messages are longer. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayFrameLimitTest {
    private static final Duration LONG = Duration.ofSeconds(20);

    /**
     * A mailbox whose message size is above the gateway's frame limit: a message of that size a
     * local process put into it reaches a remote receiver (until 2026-12-05 the gateway's own
     * connection refused the delivery frame, the client's connection ended without a reply and the
     * message stayed at the head for ever). Remote sends stay within the gateway's limit. A client
     * whose own limit is too small is told so (MessageTooLargeException) and the message stays first.
     */
    @Test
    void aMessageAsLongAsTheMailboxTakesReachesARemoteReceiverBeyondTheGatewaysFrameLimit() throws Exception {
        int messageSize = 64 * 1024;
        int gatewayFrames = 4096 + Wire.OVERHEAD;
        byte[] largest = new byte[messageSize];
        new Random(7).nextBytes(largest);
        try (Mailbox local = Mailbox.create("large", MailboxOptions.builder().maxMessageSize(messageSize).build());
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .export("large").options(RemoteChild.OPTIONS.withMaxFrameSize(gatewayFrames)).start();
             RemoteMailbox remote = RemoteMailbox.connect(URI.create(gateway.address("large")), RemoteChild.OPTIONS)) {
            assertEquals(gatewayFrames - Wire.OVERHEAD, remote.maxMessageSize(),
                    "remote sends stay within what the gateway accepts");
            local.put(largest);
            local.put("after".getBytes());
            try (RemoteMailbox small = RemoteMailbox.connect(URI.create(gateway.address("large")),
                    RemoteChild.OPTIONS.withMaxFrameSize(1024 + Wire.OVERHEAD))) {
                MessageTooLargeException tooLarge = assertThrows(MessageTooLargeException.class, () -> small.poll(LONG));
                assertEquals(List.of(messageSize, 1024), List.of(tooLarge.length(), tooLarge.limit()));
                assertTrue(tooLarge.getMessage().contains("to at least " + (messageSize + Wire.OVERHEAD)),
                        tooLarge.getMessage());
            }
            assertArrayEquals(largest, remote.poll(LONG), "the largest message the mailbox takes");
            assertEquals("after", new String(remote.poll(LONG)), "on the same connection");
            assertNull(remote.poll(), "both were taken, none stuck");
        } finally {
            Mailbox.destroy("large");
        }
    }
}
