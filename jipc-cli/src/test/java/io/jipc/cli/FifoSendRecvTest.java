package io.jipc.cli;

import io.jipc.pipe.Fifo;
import io.jipc.testkit.ChildCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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

    private record Run(int exit, String out, String err) {
    }

    private static Run jipc(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static Process shell(String script) throws Exception {
        return new ProcessBuilder(ChildCommands.dyingWithThisJvm("sh", "-c", script)).redirectErrorStream(true).start();
    }

    @Test
    void linesTheShellWritesArriveAsMessagesTheLastOneAtEndOfFile() throws Exception {
        Path fifo = Fifo.create(dir.resolve("in"), 0600);
        Process writer = shell("printf 'alpha\\nbeta\\ngamma' > '" + fifo + "'");
        try {
            assertEquals(new Run(0, "alpha\nbeta\ngamma\n", ""), jipc("recv", "fifo:" + fifo, "--count", "3"));
            assertEquals(0, writer.waitFor());
        } finally {
            writer.destroyForcibly();
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
        Run now = jipc("send", "fifo:" + fifo, "--nonblock", "x");
        assertEquals(1, now.exit());
        assertTrue(now.err().contains("ENXIO") && now.err().contains("open for reading"), now.err());
        Run timed = jipc("send", "fifo:" + fifo, "--timeout", "200ms", "x");
        assertEquals(1, timed.exit());
        assertTrue(timed.err().contains("no reader opened FIFO " + fifo + " within"), timed.err());
        assertEquals(1, jipc("recv", "fifo:" + fifo, "--timeout", "200ms").exit(), "no writer came");
    }

    @Test
    void aMissingFifoIsNotCreatedAndPrioritiesAreRefused() throws Exception {
        Run missing = jipc("send", "fifo:" + dir.resolve("nothing"), "x");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no FIFO at"), missing.err());
        Path plain = Files.writeString(dir.resolve("plain"), "");
        assertEquals(2, jipc("send", "fifo:" + plain, "x").exit(), "a regular file is not a FIFO");
        Path fifo = Fifo.create(dir.resolve("f"), 0600);
        Run priority = jipc("send", "fifo:" + fifo, "--priority", "2", "x");
        assertEquals(2, priority.exit());
        assertTrue(priority.err().contains("no priorities"), priority.err());
    }
}
