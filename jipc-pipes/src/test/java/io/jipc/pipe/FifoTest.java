package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Named pipes between unrelated processes: this JVM and {@code cat} or {@code sh}, both directions. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FifoTest {

    @Test
    void createdWithExactlyTheModeAskedForAndRemoved(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("fifos"));
        Path fifo = Fifo.create(dir.resolve("f"), 0640);
        assertTrue(Fifo.isFifo(fifo));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(fifo)));
        assertEquals("EEXIST", assertThrows(ErrnoException.class, () -> Fifo.create(fifo, 0600)).errnoName());
        assertTrue(Fifo.remove(fifo));
        assertFalse(Fifo.remove(fifo));
        assertFalse(Fifo.isFifo(fifo));
        Path file = Files.writeString(dir.resolve("regular"), "x");
        assertThrows(IllegalArgumentException.class, () -> Fifo.remove(file));
        assertTrue(Files.exists(file));
        assertThrows(IllegalArgumentException.class, () -> Fifo.openReaderNow(file));
        Files.delete(file);
    }

    @Test
    void javaWritesCatReads(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("fifos"));
        Path fifo = Fifo.create(dir.resolve("to-cat"), 0600);
        try (ChildProcess cat = Command.of("cat", fifo.toString()).stdout(Redirect.PIPE).start()) {
            try (PipeWriter writer = Fifo.openWriter(fifo, Duration.ofMinutes(1))) {
                writer.write("hello cat\n".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("hello cat\n", new String(cat.stdout().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(ExitStatus.exited(0), cat.waitFor(), "cat saw end of file when the writer closed");
        } finally {
            Fifo.remove(fifo);
        }
    }

    @Test
    void shellWritesJavaReads(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("fifos"));
        Path fifo = Fifo.create(dir.resolve("from-sh"), 0600);
        try (ChildProcess sh = Command.of("sh", "-c", "echo one > \"$0\"; echo two > \"$0\"", fifo.toString())
                .start()) {
            try (PipeReader reader = Fifo.openReader(fifo, Duration.ofMinutes(1))) {
                StringBuilder got = new StringBuilder();
                ByteBuffer buffer = ByteBuffer.allocate(100);
                // the first echo's close may come before the second echo opens: end of file in between
                while (!got.toString().equals("one\ntwo\n")) {
                    int n = reader.read(buffer.clear(), Duration.ofMillis(200));
                    if (n > 0) {
                        got.append(new String(buffer.array(), 0, n, StandardCharsets.UTF_8));
                    }
                }
            }
            assertEquals(ExitStatus.exited(0), sh.waitFor());
        } finally {
            Fifo.remove(fifo);
        }
    }

    @Test
    void aShellWritesIntoAFifoJavaOpenedWithoutWaiting(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("fifos"));
        Path fifo = Fifo.create(dir.resolve("now"), 0600);
        try (PipeReader reader = Fifo.openReaderNow(fifo)) {
            assertEquals(0, reader.readNow(ByteBuffer.allocate(1)), "no writer yet: nothing, not end of file");
            try (ChildProcess sh = Command.of("sh", "-c", "printf 'via sh' > \"$0\"", fifo.toString()).start()) {
                assertEquals("via sh", new String(reader.readAllBytes(), StandardCharsets.UTF_8));
                assertEquals(ExitStatus.exited(0), sh.waitFor());
            }
        } finally {
            Fifo.remove(fifo);
        }
    }

    @Test
    void opensWaitForTheOtherSideAndTimeOutClearly(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("fifos"));
        Path fifo = Fifo.create(dir.resolve("lonely"), 0600);
        try {
            NoReaderException none = assertThrows(NoReaderException.class, () -> Fifo.openWriterNow(fifo));
            assertEquals("ENXIO", none.errnoName());
            OpenTimeoutException w = assertThrows(OpenTimeoutException.class,
                    () -> Fifo.openWriter(fifo, Duration.ofMillis(200)));
            assertTrue(w.getMessage().contains("no reader"), w.getMessage());
            OpenTimeoutException r = assertThrows(OpenTimeoutException.class,
                    () -> Fifo.openReader(fifo, Duration.ofMillis(200)));
            assertTrue(r.getMessage().contains("no writer"), r.getMessage());
            // after a timed-out read open, the FIFO works normally
            try (ChildProcess sh = Command.of("sh", "-c", "printf after > \"$0\"", fifo.toString()).start();
                 PipeReader reader = Fifo.openReader(fifo, Duration.ofMinutes(1))) {
                assertEquals("after", new String(reader.readAllBytes(), StandardCharsets.UTF_8));
                assertEquals(ExitStatus.exited(0), sh.waitFor());
            }
        } finally {
            Fifo.remove(fifo);
        }
    }

    @Test
    void aWaitingOpenIsInterruptible(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("fifos"));
        Path fifo = Fifo.create(dir.resolve("interrupted"), 0600);
        try {
            for (boolean reader : new boolean[] {true, false}) {
                Thread self = Thread.currentThread();
                Thread interrupter = Thread.ofPlatform().start(() -> {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ignored) {
                        return;
                    }
                    self.interrupt();
                });
                assertThrows(InterruptedException.class, () -> {
                    if (reader) {
                        Fifo.openReader(fifo).close();
                    } else {
                        Fifo.openWriter(fifo).close();
                    }
                });
                interrupter.join();
                Thread.interrupted();
            }
        } finally {
            Fifo.remove(fifo);
        }
    }

    @Test
    void aJavaWriterSeesBrokenPipeWhenCatIsKilled(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("fifos"));
        Path fifo = Fifo.create(dir.resolve("broken"), 0600);
        try (ChildProcess cat = Command.of("cat", fifo.toString()).stdout(Redirect.DISCARD).start();
             PipeWriter writer = Fifo.openWriter(fifo, Duration.ofMinutes(1))) {
            writer.write("first".getBytes(StandardCharsets.UTF_8));
            cat.kill();
            cat.waitFor();
            BrokenPipeException e = assertThrows(BrokenPipeException.class, () -> {
                while (true) {
                    writer.write(new byte[4096]);
                }
            });
            assertTrue(e.getMessage().contains(fifo.toString()), e.getMessage());
        } finally {
            Fifo.remove(fifo);
        }
    }
}
