package io.jipc.pipe;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Command#start()} never waits in a redirect's open: a file redirect naming a FIFO is taken
 * only when its other side is there (a reader, for output) and refused at once otherwise, also
 * without releasing a writer that waits in its own open; a FIFO for input is refused (its reads
 * would see end of file while no writer has it open), so is the reader of {@link Fifo#openReaderNow}
 * handed to a child before any writer: pinned as documented ({@link Redirect#from(PipeReader)}).
 * Real FIFOs, {@code cat} and {@code sh}; a start that hangs fails within the hang guard (and is then
 * released by a writer), no duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FileRedirectTest {
    private static final long GUARD_SECONDS = 30;
    private static final Duration LONG = Duration.ofSeconds(GUARD_SECONDS);

    private Path dir;
    private Path fifo;

    @BeforeEach
    void createFifo() throws Exception {
        dir = Files.createTempDirectory("jipc-redirect");
        fifo = Fifo.create(dir.resolve("fifo"), 0600);
    }

    @AfterEach
    void removeFifo() throws Exception {
        Fifo.remove(fifo);
        Files.delete(dir);
    }

    @Test
    void aFifoForInputIsRefusedAtOnceAndAWaitingWriterKeepsWaitingForItsReader() throws Exception {
        try (ChildProcess writer = Command.of("sh", "-c", "echo hi > \"$0\"", fifo.toString()).start()) {
            CompletableFuture<ChildProcess> start = CompletableFuture.supplyAsync(
                    () -> Command.of("cat").stdin(Redirect.from(fifo)).stdout(Redirect.DISCARD).start());
            ExecutionException e;
            try {
                e = assertThrows(ExecutionException.class, () -> start.get(GUARD_SECONDS, TimeUnit.SECONDS));
            } finally {
                start.thenAccept(ChildProcess::close); // a start that hung in the open: the writer released it
            }
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertTrue(e.getCause().getMessage().startsWith(fifo + " (stdin of cat) is a FIFO"), e.getCause().getMessage());

            try (PipeReader reader = Fifo.openReader(fifo, LONG)) { // the writer still waits in its open
                ByteBuffer buffer = ByteBuffer.allocate(10);
                while (reader.read(buffer, LONG) > 0) {
                    // until end of file
                }
                assertEquals("hi\n", new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII));
            }
            assertEquals(ExitStatus.exited(0), writer.waitFor());
        }
    }

    @Test
    void aFifoForOutputIsTakenWithAReaderAndRefusedWithoutOne() throws Exception {
        CompletableFuture<ChildProcess> start = CompletableFuture.supplyAsync(
                () -> Command.of("echo", "hi").stdout(Redirect.to(fifo)).start());
        ExecutionException e;
        try {
            e = assertThrows(ExecutionException.class, () -> start.get(GUARD_SECONDS, TimeUnit.SECONDS));
        } finally {
            start.thenAccept(ChildProcess::close);
            if (!start.isDone()) {
                Fifo.openReaderNow(fifo).close(); // releases a start that hung in the open
            }
        }
        assertInstanceOf(NoReaderException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains(fifo + " (stdout of echo)"), e.getCause().getMessage());

        try (PipeReader reader = Fifo.openReaderNow(fifo);
             ChildProcess echo = Command.of("echo", "hi").stdout(Redirect.appendTo(fifo)).start()) {
            assertEquals(ExitStatus.exited(0), echo.waitFor());
            assertEquals("hi\n", new String(reader.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    /**
     * Documented, not fixed: the child's blocking reads of a FIFO with no writer return end of file
     * (only an open can wait for a writer), so {@code cat} ends at once and a later writer's bytes
     * stay for the parent's reader.
     */
    @Test
    void aChildGivenAnOpenReaderNowReaderBeforeAnyWriterSeesEndOfFileAtOnce() throws Exception {
        try (PipeReader reader = Fifo.openReaderNow(fifo)) {
            try (ChildProcess cat = Command.of("cat").stdin(Redirect.from(reader)).stdout(Redirect.PIPE).start()) {
                assertEquals(0, cat.stdout().readAllBytes().length);
                assertEquals(ExitStatus.exited(0), cat.waitFor());
            }
            try (ChildProcess writer = Command.of("sh", "-c", "echo hi > \"$0\"", fifo.toString()).start()) {
                assertEquals(ExitStatus.exited(0), writer.waitFor());
            }
            ByteBuffer buffer = ByteBuffer.allocate(10);
            assertEquals(3, reader.read(buffer, LONG));
            assertEquals("hi\n", new String(buffer.array(), 0, 3, StandardCharsets.US_ASCII));
        }
    }

    /**
     * A file under a read lease (another process's {@code fcntl(F_SETLEASE)}, which it gives up when the
     * kernel asks): the child's output goes there, as with a shell's {@code >} or ProcessBuilder, once
     * the holder let go. Until 2026-12-07 the open of the redirect, made non-blocking, failed at once
     * with EAGAIN (rev63b explorer, 2 of 2).
     */
    @Test
    void aFileUnderALeaseIsOpenedOnceItsHolderLetsGo() throws Exception {
        Path leased = dir.resolve("leased");
        String holder = "import fcntl, os, signal, sys, time\n"
                + "open(sys.argv[1], 'w').write('old\\n')\n"
                + "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
                + "signal.signal(signal.SIGIO, lambda s, f: fcntl.fcntl(fd, 1024, fcntl.F_UNLCK))\n"
                + "fcntl.fcntl(fd, 1024, fcntl.F_RDLCK)\n"
                + "print('LEASED', flush=True)\n"
                + "time.sleep(60)\n";
        Process lease = new ProcessBuilder("python3", "-c", holder, leased.toString()).redirectErrorStream(true).start();
        try {
            assertEquals("LEASED", lease.inputReader().readLine());
            try (ChildProcess echo = Command.of("sh", "-c", "echo new").stdout(Redirect.to(leased)).start()) {
                assertEquals(new ExitStatus(0, 0), echo.waitFor(LONG).orElseThrow());
            }
            assertEquals("new\n", Files.readString(leased));
        } finally {
            lease.destroyForcibly().waitFor();
            Files.deleteIfExists(leased);
        }
    }

    @Test
    void aFileOpenThatFailsNamesTheFileAndTheStream() throws Exception {
        Path missing = dir.resolve("missing");
        var e = assertThrows(io.jipc.ErrnoException.class, () -> Command.of("cat").stdin(Redirect.from(missing)).start());
        assertEquals("ENOENT (No such file or directory) from open of " + missing + " (stdin of cat)", e.getMessage());
    }
}
