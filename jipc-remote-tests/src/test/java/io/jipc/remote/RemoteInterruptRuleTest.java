package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for a remote
 * mailbox, with the interrupt status set before the call: {@code take}, {@code poll(timeout)},
 * {@code put} and {@code offer(msg, timeout)} that the gateway can complete at once (a message there,
 * room for one) complete and keep the status; those it cannot throw {@link InterruptedException},
 * clear it and take or send nothing, also with a zero or negative timeout; the at-once calls never
 * look at it. A 30 s timeout returns at once because it throws.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RemoteInterruptRuleTest {
    private final String name = "interrupt-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void cleanUp() {
        Thread.interrupted();
        Mailbox.destroy(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void takePutAndTimed(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (Mailbox local = Mailbox.create(name, MailboxOptions.builder().messageLimit(2).build());
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .export(name).options(RemoteChild.OPTIONS).start();
             RemoteMailbox remote = RemoteMailbox.connect(URI.create(gateway.address(name)), RemoteChild.OPTIONS)) {
            throwsInterrupted(() -> remote.poll(timeout));
            throwsInterrupted(remote::take);
            assertNull(completesInterrupted(remote::poll));

            assertTrue(completesInterrupted(() -> remote.offer(new byte[] {1}, timeout)));
            completesInterrupted(() -> {
                remote.put(new byte[] {2});
                return null;
            });
            assertFalse(completesInterrupted(() -> remote.offer(new byte[] {3})), "full");
            throwsInterrupted(() -> remote.offer(new byte[] {3}, timeout));
            throwsInterrupted(() -> {
                remote.put(new byte[] {3});
                return null;
            });

            assertArrayEquals(new byte[] {1}, completesInterrupted(() -> remote.poll(timeout)));
            assertArrayEquals(new byte[] {2}, completesInterrupted(remote::take));
            assertTrue(completesInterrupted(() -> remote.offer(new byte[] {4})));
            assertArrayEquals(new byte[] {4}, completesInterrupted(remote::poll));
            assertNull(remote.poll(), "every message was taken once");
            assertTrue(remote.offer(new byte[] {5}, Duration.ofSeconds(30)), "usable afterwards");
            assertArrayEquals(new byte[] {5}, remote.poll(Duration.ofSeconds(30)));
        }
    }

    /**
     * A call whose turn another thread's request holds (a take waiting at the gateway) cannot
     * complete at once: with an interrupt pending it throws also with a zero or negative timeout (it
     * returned null), as with a 30 s one; the at-once poll() returns null and keeps the status.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void turnHeldByAnotherThread(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (Mailbox local = Mailbox.create(name, MailboxOptions.builder().messageLimit(2).build());
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .export(name).options(RemoteChild.OPTIONS).start();
             RemoteMailbox remote = RemoteMailbox.connect(URI.create(gateway.address(name)), RemoteChild.OPTIONS)) {
            CompletableFuture<byte[]> taken = CompletableFuture.supplyAsync(() -> {
                try {
                    return remote.take();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().daemon().start(runnable));
            Field field = RemoteMailbox.class.getDeclaredField("lock");
            field.setAccessible(true);
            ReentrantLock lock = (ReentrantLock) field.get(remote);
            long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!lock.isLocked()) {
                assertTrue(System.nanoTime() - guard < 0, "the taker never took its turn");
                Thread.sleep(1);
            }
            throwsInterrupted(() -> remote.poll(timeout));
            throwsInterrupted(() -> remote.offer(new byte[] {1}, timeout));
            assertNull(completesInterrupted(remote::poll));
            local.put(new byte[] {9});
            assertArrayEquals(new byte[] {9}, taken.get(60, TimeUnit.SECONDS));
        }
    }
}
