package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Pipes#look}: a look at a pipe's read end that tells bytes, a writer and end of file
 * apart and reads nothing; on a FIFO it counts a writer still waiting in its blocking open.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PipesLookTest {
    @TempDir
    Path dir;

    @Test
    void aPipeWithAWriterOrBytesIsNotAtEndOfFileAndTheBytesStay() {
        int[] pipe = Pipes.pipe();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(Pipes.Look.WRITER, Pipes.look(pipe[0], "test pipe"), "empty, its writer open");
            MemorySegment two = arena.allocateFrom("ab", StandardCharsets.US_ASCII).asSlice(0, 2);
            assertEquals(2, Pipes.write(pipe[1], two, "test pipe"));
            assertEquals(Pipes.Look.BYTES, Pipes.look(pipe[0], "test pipe"));
            assertEquals(2, Pipes.available(pipe[0], "test pipe"), "the look read nothing");
            Libc.close(pipe[1]);
            pipe[1] = -1;
            assertEquals(Pipes.Look.BYTES, Pipes.look(pipe[0], "test pipe"), "no writer, bytes left");
            MemorySegment buffer = arena.allocate(8);
            assertEquals(2, Pipes.read(pipe[0], buffer, "test pipe"));
            assertEquals("ab", buffer.getString(0, StandardCharsets.US_ASCII).substring(0, 2));
            assertEquals(Pipes.Look.END_OF_FILE, Pipes.look(pipe[0], "test pipe"), "no writer, empty");
        } finally {
            Libc.close(pipe[0]);
            if (pipe[1] >= 0) {
                Libc.close(pipe[1]);
            }
        }
    }

    @Test
    void aFifoWriterWaitingInItsOpenCountsAndIsLetThrough() throws Exception {
        Path fifo = dir.resolve("look");
        Libc.mkfifo(fifo.toString(), 0600);
        int lonely = Libc.open(fifo.toString(), Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        try {
            assertEquals(Pipes.Look.END_OF_FILE, Pipes.look(lonely, "FIFO"), "no writer has come");
        } finally {
            Libc.close(lonely);
        }
        Process sh = new ProcessBuilder("sh", "-c", "printf ab > \"$0\"", fifo.toString()).start();
        try {
            Path wchan = Path.of("/proc/" + sh.pid() + "/wchan");
            for (int i = 0; !Files.readString(wchan).equals("wait_for_partner"); i++) {
                assertTrue(i < 600, "the shell never waited in its open: " + Files.readString(wchan));
                Thread.sleep(100);
            }
            int reader = Libc.open(fifo.toString(), Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            try {
                assertEquals(Pipes.Look.WRITER, Pipes.look(reader, "FIFO"), "the writer waiting in its open");
                assertTrue(sh.waitFor(60, TimeUnit.SECONDS), "the writer went on");
                assertEquals(0, sh.exitValue(), "and was not cut off");
                assertEquals(2, Pipes.available(reader, "FIFO"));
            } finally {
                Libc.close(reader);
            }
        } finally {
            sh.destroyForcibly().waitFor();
        }
    }

    @Test
    void aDescriptorThatIsNoPipeIsRefusedNamingTheCall() throws Exception {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Pipes.look(fd, file.toString()));
            assertEquals("EINVAL", e.errnoName());
            assertTrue(e.getMessage().contains("tee"), e.getMessage());
        } finally {
            Libc.close(fd);
        }
    }
}
