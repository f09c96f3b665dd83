package io.jipc.net;

import io.jipc.ClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A close that races a thread inside an operation on the same socket touches only its own descriptor.
 * The closer is held right after it marked the socket closed (the seam {@link NativeSocket#afterCloseMarked},
 * standing for its preemption there) while the thread inside, a platform thread blocked in {@code take()},
 * sees the close at the end of its poll slice and leaves, and another socket is opened meanwhile: it
 * must not get the closed socket's descriptor number while the close still uses it. Until 2026-12-07 the
 * thread leaving released the descriptor, the new socket got its number, and the close then shut the new
 * socket down: it failed with {@code EPIPE}, though nobody closed it (found by an explorer, once in 3 runs
 * of 300,000 closes without the seam).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseRaceTest {
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @AfterEach
    void noSeam() {
        NativeSocket.afterCloseMarked = null;
    }

    @Test
    void aSocketOpenedWhileACloseRacesAThreadInsideIsNotShutDownByIt() throws Exception {
        DatagramEndpoint closing = DatagramEndpoint.bind(ANY_PORT);
        CompletableFuture<Throwable> taker = new CompletableFuture<>();
        Thread blocked = Thread.ofPlatform().start(() -> {
            try {
                closing.take();
                taker.complete(null);
            } catch (Throwable t) {
                taker.complete(t);
            }
        });
        while (blocked.getState() != Thread.State.RUNNABLE || !inPoll(blocked)) {
            Thread.sleep(1); // blocked in poll(2), the socket's wait
        }
        CountDownLatch resume = new CountDownLatch(1);
        CompletableFuture<DatagramEndpoint> opened = new CompletableFuture<>();
        NativeSocket.afterCloseMarked = () -> {
            try {
                // the thread inside sees the close within its poll slice (50 ms) and leaves
                assertInstanceOf(ClosedException.class, taker.get(30, TimeUnit.SECONDS));
                opened.complete(DatagramEndpoint.bind(ANY_PORT)); // the lowest free number, if the close's was freed
                resume.await();
            } catch (Exception e) {
                opened.completeExceptionally(e);
            }
        };
        Thread closer = Thread.ofPlatform().start(closing::close);
        try (DatagramEndpoint victim = opened.get(30, TimeUnit.SECONDS)) {
            resume.countDown();
            closer.join();
            NativeSocket.afterCloseMarked = null;
            assertTrue(victim.offer(victim.localAddress(), "to myself".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)));
            Datagram got = victim.poll(Duration.ofSeconds(10));
            assertNotNull(got, "the new socket, never closed, must still work");
            assertEquals("to myself", new String(got.payload(), 0, got.length(), StandardCharsets.UTF_8));
        } finally {
            resume.countDown();
        }
    }

    /** Whether {@code thread}'s stack shows it in the socket's wait. */
    private static boolean inPoll(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(NativeSocket.class.getName()) && frame.getMethodName().equals("await")) {
                return true;
            }
        }
        return false;
    }
}
