package io.jipc.remote;

import io.jipc.ClosedException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The same mistake gets the same exception from a local and a remote mailbox (docs/architecture.md,
 * "Argument errors"): the arguments are checked in the local order — the message, the timeout, the
 * size, the priority — and only then whether the handle is closed. Until 2026-12-05 a remote
 * {@code offer(null, 0, null)} named the timeout, and an over-size send on a closed remote handle
 * threw {@link ClosedException}. Each case runs on a {@link LocalMailboxChannel} and on a
 * {@link RemoteMailbox} through a gateway in this JVM.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChannelArgumentOrderTest {
    private static final int SIZE = 64;
    private final String name = "argorder-" + UUID.randomUUID().toString().substring(0, 8);
    private Mailbox mailbox;
    private MailboxGateway gateway;

    @BeforeEach
    void start() {
        mailbox = Mailbox.create(name, MailboxOptions.builder().maxMessageSize(SIZE).priorities(2).build());
        gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .export(name).options(RemoteChild.OPTIONS).start();
    }

    @AfterEach
    void stop() {
        gateway.close();
        mailbox.close();
        Mailbox.destroy(name);
    }

    private MessageChannel channel(boolean remote) throws InterruptedException {
        return remote ? RemoteMailbox.connect(URI.create(gateway.address(name)), RemoteChild.OPTIONS)
                : new LocalMailboxChannel(Mailbox.open(name));
    }

    @ParameterizedTest(name = "remote={0}")
    @ValueSource(booleans = {false, true})
    void aNullMessageIsNamedBeforeANullTimeout(boolean remote) throws Exception {
        try (MessageChannel channel = channel(remote)) {
            assertEquals("message", assertThrows(NullPointerException.class, () -> channel.offer(null, 0, null)).getMessage());
            assertEquals("message", assertThrows(NullPointerException.class, () -> channel.offer(null, null)).getMessage());
            assertEquals("timeout", assertThrows(NullPointerException.class,
                    () -> channel.offer(new byte[1], 0, null)).getMessage());
        }
    }

    @ParameterizedTest(name = "remote={0}")
    @ValueSource(booleans = {false, true})
    void theSizeComesBeforeThePriorityAndBothBeforeTheClosedHandle(boolean remote) throws Exception {
        byte[] tooLarge = new byte[SIZE + 1];
        byte[] small = new byte[1];
        Duration second = Duration.ofSeconds(1);
        MessageChannel channel = channel(remote);
        assertThrows(MessageTooLargeException.class, () -> channel.offer(tooLarge, 5));
        assertThrows(IllegalArgumentException.class, () -> channel.offer(small, 5));

        channel.close();
        assertThrows(MessageTooLargeException.class, () -> channel.offer(tooLarge));
        assertThrows(MessageTooLargeException.class, () -> channel.offer(tooLarge, 5));
        assertThrows(MessageTooLargeException.class, () -> channel.offer(tooLarge, second));
        assertThrows(MessageTooLargeException.class, () -> channel.put(tooLarge));
        assertThrows(IllegalArgumentException.class, () -> channel.offer(small, 5));
        assertThrows(IllegalArgumentException.class, () -> channel.put(small, 5));
        assertThrows(IllegalArgumentException.class, () -> channel.offer(small, 5, second));
        assertThrows(ClosedException.class, () -> channel.offer(small));
        assertThrows(ClosedException.class, () -> channel.offer(small, second));
        assertThrows(ClosedException.class, () -> channel.put(small));
    }
}
