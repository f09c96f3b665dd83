package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.net.FrameCodec;
import io.jipc.net.StreamConnection;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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

    /**
     * A connection that has not opened a mailbox may send nothing longer than an Open: a first frame
     * announcing {@link Wire#MAX_OPEN} + 1 bytes ends it at its header, without the gateway waiting
     * for (and holding) the payload; an Open of the longest name is still answered. Until 2026-12-05
     * such a connection could announce a frame of the gateway's whole limit (16 MiB + 16 by default)
     * and hold what it sent of it: a few dozen never-opened connections filled a 256 MiB heap. Once
     * a mailbox is open, frames up to the Send of the message size Opened announced are taken, and a
     * header announcing one byte more ends the connection without the payload: until 2026-12-06 the
     * gateway's own limit (16 MiB + 16) applied after the Open, and it read and held a 16 MB frame
     * for a 64 KiB mailbox before refusing it (ten such connections made a 96 MiB gateway run out of
     * heap). The gateway's connect and peer timeouts are longer than the test waits, so only the
     * limit can end the connection in time.
     */
    @Test
    void aFirstFrameLongerThanAnOpenEndsTheConnectionAtItsHeaderAndAnOpenedClientSendsLargeMessages()
            throws Exception {
        int messageSize = 64 * 1024;
        RemoteOptions patient = RemoteChild.OPTIONS.withConnectTimeout(Duration.ofMinutes(5))
                .withLiveness(Duration.ofMillis(500), Duration.ofMinutes(5));
        try (Mailbox local = Mailbox.create("big", MailboxOptions.builder().maxMessageSize(messageSize).build());
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .export("big").options(patient).start()) {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port());
            try (StreamConnection hostile = StreamConnection.connect(at)) {
                hostile.write(ByteBuffer.allocate(FrameCodec.HEADER_LENGTH).putLong(0, Wire.MAX_OPEN + 1));
                assertNull(hostile.poll(LONG), "no reply");
                assertTrue(hostile.isEndOfStream(), "the gateway ended the connection without waiting for the payload");
            }
            try (StreamConnection longestName = StreamConnection.connect(at)) {
                longestName.put(Wire.encode(new Wire.Open(Wire.VERSION, "n".repeat(Wire.MAX_NAME))));
                Wire.Error error = assertInstanceOf(Wire.Error.class, Wire.decodeReply(longestName.poll(LONG)));
                assertEquals(Wire.ErrorCode.NO_SUCH_MAILBOX, error.code(), error.text());
            }
            try (StreamConnection opened = StreamConnection.connect(at)) {
                opened.put(Wire.encode(new Wire.Open(Wire.VERSION, "big")));
                Wire.Reply reply;
                do { // heartbeats while the gateway maps the mailbox
                    reply = Wire.decodeReply(opened.poll(LONG));
                } while (reply instanceof Wire.Heartbeat);
                Wire.Opened answer = assertInstanceOf(Wire.Opened.class, reply);
                assertEquals(messageSize, answer.maxMessageSize());
                opened.write(ByteBuffer.allocate(FrameCodec.HEADER_LENGTH)
                        .putLong(0, answer.maxMessageSize() + Wire.OVERHEAD + 1));
                assertNull(opened.poll(LONG), "no reply");
                assertTrue(opened.isEndOfStream(), "the gateway ended the connection at a header longer than the"
                        + " Send of the message size it announced, without waiting for the payload");
            }
            byte[] largest = new byte[messageSize];
            new Random(11).nextBytes(largest);
            try (RemoteMailbox remote = RemoteMailbox.connect(URI.create(gateway.address("big")), patient)) {
                assertTrue(remote.offer(largest, 0, LONG), "a message far longer than an Open, after the Open");
            }
            assertArrayEquals(largest, local.poll(LONG));
        } finally {
            Mailbox.destroy("big");
        }
    }
}
