package io.jipc.cli;

import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeReader;
import io.jipc.pipe.PipeWriter;
import io.jipc.testkit.ChildCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static io.jipc.cli.CliRun.jipcWithInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc send/recv fifo:PATH} against the shell on the other end of a real FIFO: a message is
 * a line, in both directions.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FifoSendRecvTest {
    @TempDir
    Path dir;

    private static Process shell(String script) throws Exception {
        return new ProcessBuilder(ChildCommands.dyingWithThisJvm("sh", "-c", script)).redirectErrorStream(true).start();
    }

    @Test
    void linesTheShellWritesArriveAsMessagesTheLastOneAtEndOfFile() throws Exception {
        Path fifo = Fifo.create(dir.resolve("in"), 0600);
        Process writer = shell("printf 'alpha\\nbeta\\ngamma' > '" + fifo + "'");
        try {
            assertEquals(new CliRun(0, "alpha\nbeta\ngamma\n", ""), jipc("recv", "fifo:" + fifo, "--count", "3"));
            assertEquals(0, writer.waitFor());
        } finally {
            writer.destroyForcibly();
        }
    }

    @Test
    void aReceiveTakesNoByteOfTheLinesAfterItsCount() throws Exception {
        Path fifo = Fifo.create(dir.resolve("more"), 0600);
        CountDownLatch done = new CountDownLatch(1);
        Thread writer = Thread.ofVirtual().start(() -> {
            try (PipeWriter out = Fifo.openWriter(fifo)) { // waits for the first receiver
                out.write("one\ntwo\nthree\n".getBytes(StandardCharsets.US_ASCII));
                done.await(); // held open: the lines not yet read stay in the pipe
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertEquals(new CliRun(0, "one\n", ""), jipc("recv", "fifo:" + fifo, "--count", "1"));
            assertEquals(new CliRun(0, "two\nthree\n", ""), jipc("recv", "fifo:" + fifo, "--count", "2",
                    "--timeout", "1m"));
        } finally {
            done.countDown();
            writer.join();
        }
    }

    @Test
    void catReadsWhatSendWritesOneLinePerMessage() throws Exception {
        Path fifo = Fifo.create(dir.resolve("out"), 0600);
        Path copy = dir.resolve("copy");
        Process cat = shell("cat '" + fifo + "' > '" + copy + "'");
        try {
            assertEquals(0, jipc("send", "fifo:" + fifo, "one", "two", "three").exit());
            assertEquals(0, cat.waitFor(), "cat sees end of file once send closed the FIFO");
            assertEquals("one\ntwo\nthree\n", Files.readString(copy));
        } finally {
            cat.destroyForcibly();
        }
    }

    @Test
    void withoutAReaderSendGivesUpAtOnceOrAfterItsTimeout() throws Exception {
        Path fifo = Fifo.create(dir.resolve("lonely"), 0600);
        CliRun now = jipc("send", "fifo:" + fifo, "--nonblock", "x");
        assertEquals(1, now.exit());
        assertTrue(now.err().contains("ENXIO") && now.err().contains("open for reading"), now.err());
        CliRun timed = jipc("send", "fifo:" + fifo, "--timeout", "200ms", "x");
        assertEquals(1, timed.exit());
        assertTrue(timed.err().contains("no reader opened FIFO " + fifo + " within"), timed.err());
        assertEquals(1, jipc("recv", "fifo:" + fifo, "--timeout", "200ms").exit(), "no writer came");
    }

    @Test
    void aMissingFifoIsNotCreatedAndPrioritiesAreRefused() throws Exception {
        CliRun missing = jipc("send", "fifo:" + dir.resolve("nothing"), "x");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no FIFO at"), missing.err());
        Path plain = Files.writeString(dir.resolve("plain"), "");
        CliRun plainFile = jipc("send", "fifo:" + plain, "x"); // not done, like no file at all: exit 1, one line
        assertEquals(1, plainFile.exit(), "a regular file is not a FIFO");
        assertEquals("jipc send: " + plain + " is not a FIFO\n", plainFile.err());
        Path fifo = Fifo.create(dir.resolve("f"), 0600);
        CliRun priority = jipc("send", "fifo:" + fifo, "--priority", "2", "x");
        assertEquals(2, priority.exit());
        assertTrue(priority.err().contains("no priorities"), priority.err());
    }

    /** A line longer than {@code recv} takes is refused by {@code send} before it opens the FIFO (no reader needed). */
    @Test
    void sendRefusesALineLongerThanRecvTakes() throws Exception {
        Path fifo = Fifo.create(dir.resolve("long"), 0600);
        CliRun tooLong = jipcWithInput("y".repeat((1 << 20) + 1) + "\n", "send", "fifo:" + fifo);
        assertEquals(2, tooLong.exit(), tooLong.err());
        assertTrue(tooLong.err().contains("a FIFO message is at most 1048576 bytes (the longest line jipc recv takes);"
                + " this one has 1048577"), tooLong.err());
    }

    /**
     * A writer that never sends a newline cannot make {@code recv} grow without bound: past 1 MiB it
     * fails with the documented one-line error and exit code 1 (pn52 explorer: it grew until
     * OutOfMemoryError and died with a stack trace); a line of exactly 1 MiB is still received. The
     * refusing receive drops the whole long line, up to and including its newline, so the next
     * receive gets the next line (net52 explorer: the rest of the long line arrived as a message),
     * or up to end of file when the writers close without a newline.
     */
    @Test
    void aLineLongerThanOneMebibyteIsRefusedWithOneLineAndExitCode1AndDroppedWhole() throws Exception {
        Path fifo = Fifo.create(dir.resolve("endless"), 0600);
        CountDownLatch done = new CountDownLatch(1);
        // a reader that never reads keeps the FIFO open between the two receivers: no EPIPE for the
        // writer, and what the first receiver leaves stays in the pipe for the second
        try (PipeReader holder = Fifo.openReaderNow(fifo)) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try (PipeWriter out = Fifo.openWriter(fifo)) {
                    out.write(("x".repeat(1 << 20) + "\n").getBytes(StandardCharsets.US_ASCII)); // exactly the limit
                    byte[] noNewline = new byte[64 * 1024];
                    java.util.Arrays.fill(noNewline, (byte) 'y');
                    for (int i = 0; i < 17; i++) { // 1 MiB and 64 KiB, then the newline: more than a line may have
                        out.write(noNewline);
                    }
                    out.write("\nnext\n".getBytes(StandardCharsets.US_ASCII));
                    done.await(); // held open until the second receiver has read
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                CliRun run = guarded("recv", "fifo:" + fifo, "--count", "2", "--timeout", "1m");
                assertEquals(1, run.exit(), run.err());
                assertEquals("x".repeat(1 << 20) + "\n", run.out(), "the line of exactly 1 MiB is received");
                assertEquals("jipc recv: a line in fifo:" + fifo + " is longer than 1048576 bytes, the most a message from"
                        + " a FIFO may have: its 1114112 bytes and its newline were read from the FIFO and dropped;"
                        + " the next message is the next line\n", run.err());
                assertEquals(new CliRun(0, "next\n", ""), guarded("recv", "fifo:" + fifo, "--count", "1", "--timeout", "1m"),
                        "the next receive starts at the line after the long one");
            } finally {
                done.countDown();
                writer.interrupt(); // a writer stuck with bytes nobody reads (the holder does not)
                writer.join();
            }
        }
        // the writers close without a newline: the line is dropped up to end of file
        Thread writer = Thread.ofVirtual().start(() -> {
            try (PipeWriter out = Fifo.openWriter(fifo)) { // waits for the receiver
                out.write("z".repeat((1 << 20) + 10).getBytes(StandardCharsets.US_ASCII));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            CliRun run = guarded("recv", "fifo:" + fifo, "--count", "1", "--timeout", "1m");
            assertEquals(1, run.exit(), run.err());
            assertEquals("jipc recv: a line in fifo:" + fifo + " is longer than 1048576 bytes, the most a message from"
                    + " a FIFO may have: its 1048586 bytes were read from the FIFO and dropped, up to end of file\n",
                    run.err());
        } finally {
            writer.interrupt();
            writer.join();
        }
    }

    private static String line(int length) {
        return "x".repeat(length);
    }

    /** Runs {@code jipc args...} on another thread, so that a hang fails within a minute instead of blocking the test. */
    private static CliRun guarded(String... args) throws Exception {
        return CompletableFuture.supplyAsync(() -> jipc(args), Executors.newVirtualThreadPerTaskExecutor())
                .get(1, TimeUnit.MINUTES);
    }

    @Test
    void aLineThatDoesNotFitTheFifoInTimeIsNotBegun() throws Exception {
        Path fifo = Fifo.create(dir.resolve("stuck"), 0600);
        try (PipeReader reader = Fifo.openReaderNow(fifo)) { // a reader that holds the FIFO open and does not read
            CliRun now = guarded("send", "fifo:" + fifo, "--nonblock", line(100_000));
            assertEquals(1, now.exit(), now.err());
            assertTrue(now.err().contains("no room in fifo:" + fifo), now.err());
            assertEquals(0, reader.available(), "a line longer than the pipe is not begun at once");
            try (PipeWriter filler = Fifo.openWriterNow(fifo)) {
                filler.write(ByteBuffer.wrap(new byte[60_000]));
            }
            CliRun timed = guarded("send", "fifo:" + fifo, "--timeout", "200ms", line(10_000));
            assertEquals(1, timed.exit(), timed.err());
            assertTrue(timed.err().contains("no room in fifo:" + fifo + " (waited at most 200ms)"), timed.err());
            assertEquals(1, guarded("send", "fifo:" + fifo, "--nonblock", line(10_000)).exit());
            assertEquals(60_000, reader.available(), "nothing of the lines that did not fit was written");
        }
    }

    @Test
    void aTimedSendThatBeganALineAndRanOutOfTimeSaysTheLineWasCut() throws Exception {
        Path fifo = Fifo.create(dir.resolve("slow"), 0600);
        try (PipeReader reader = Fifo.openReaderNow(fifo)) {
            CliRun timed = guarded("send", "fifo:" + fifo, "--timeout", "300ms", line(100_000));
            assertEquals(1, timed.exit(), timed.err());
            assertTrue(timed.err().contains("message 1 was cut after 65536 of 100001 bytes: the reader gets a "
                    + "partial line; 0 message(s) sent"), timed.err());
            assertEquals(65536, reader.available());
        }
    }
}
