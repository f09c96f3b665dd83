package io.jipc.pipe;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for pipes, FIFOs,
 * channels and children, with the interrupt status set before the call: a timed or blocking call
 * that cannot complete at once throws {@link InterruptedException} and clears the status, also with
 * a zero or negative timeout; one that can completes and keeps it; the at-once calls never look at it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PipeInterruptRuleTest {
    @AfterEach
    void clearStatus() {
        Thread.interrupted();
    }


    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void readerAndWriter(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (Pipe pipe = Pipe.open()) {
            PipeReader reader = pipe.reader();
            PipeWriter writer = pipe.writer();
            ByteBuffer into = ByteBuffer.allocate(16);
            throwsInterrupted(() -> reader.read(into, timeout));
            throwsInterrupted(() -> reader.read(into));
            assertEquals(0, (int) completesInterrupted(() -> reader.readNow(into)));
            assertEquals(2, (int) completesInterrupted(() -> writer.write(ByteBuffer.wrap(new byte[] {1, 2}), timeout)));
            assertEquals(2, (int) completesInterrupted(() -> reader.read(into, timeout)));
            while (writer.writeNow(ByteBuffer.allocate(4096)) > 0) {
                // fills the pipe
            }
            throwsInterrupted(() -> writer.write(ByteBuffer.allocate(1), timeout));
            throwsInterrupted(() -> {
                writer.write(new byte[1]);
                return null;
            });
            assertEquals(0, (int) completesInterrupted(() -> writer.writeNow(ByteBuffer.allocate(1))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void channel(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (Pipe pipe = Pipe.open();
             PipeChannel channel = PipeChannel.over(pipe.reader(), pipe.writer(), 1024)) {
            throwsInterrupted(() -> channel.poll(timeout));
            throwsInterrupted(channel::take);
            assertNull(completesInterrupted(channel::poll));
            assertTrue(completesInterrupted(() -> channel.offer(new byte[] {7}, timeout)));
            assertArrayEquals(new byte[] {7}, completesInterrupted(() -> channel.poll(timeout)));

            // another thread holds the receiving turn: a timed call cannot complete at once
            CompletableFuture<byte[]> taken = CompletableFuture.supplyAsync(() -> {
                try {
                    return channel.take();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().daemon().start(runnable));
            awaitReceiving(channel);
            throwsInterrupted(() -> channel.poll(timeout));
            assertNull(completesInterrupted(channel::poll));
            channel.put(new byte[] {8});
            assertArrayEquals(new byte[] {8}, taken.get(30, TimeUnit.SECONDS));
        }
    }

    /** Waits (bounded) until a thread other than this one holds the channel's receiving turn. */
    private static void awaitReceiving(PipeChannel channel) throws Exception {
        var field = PipeChannel.class.getDeclaredField("receiveLock");
        field.setAccessible(true);
        var lock = (java.util.concurrent.locks.ReentrantLock) field.get(channel);
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!lock.isLocked()) {
            assertTrue(System.nanoTime() - guard < 0, "the other thread never took the receiving turn");
            Thread.sleep(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void fifoWriteOpenWithoutReader(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        Path dir = Files.createTempDirectory("jipc-fifo-interrupt");
        Path fifo = Fifo.create(dir.resolve("f"), 0600);
        try {
            throwsInterrupted(() -> Fifo.openWriter(fifo, timeout));
            try (PipeReader reader = Fifo.openReaderNow(fifo);
                 PipeWriter writer = completesInterrupted(() -> Fifo.openWriter(fifo, timeout))) {
                writer.write(new byte[] {1});
                assertEquals(1, reader.readNow(ByteBuffer.allocate(4)));
            }
        } finally {
            Thread.interrupted();
            Fifo.remove(fifo);
            Files.delete(dir);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void childWaitFor(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (ChildProcess sleeper = Command.of("sleep", "600").start()) {
            try {
                throwsInterrupted(() -> sleeper.waitFor(timeout));
            } finally {
                sleeper.kill();
            }
            sleeper.waitFor();
            assertTrue(completesInterrupted(() -> sleeper.waitFor(timeout)).isPresent());
        }
    }
}
