package io.jipc.cli;

import io.jipc.group.GroupOptions;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.Mailbox;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeWriter;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc} processes whose standard output cannot be written. Every command that succeeded but
 * could not print (standard output on {@code /dev/full}) ends with exit code 1 and one line naming
 * the errno (until 2026-12-06 they exited 0, their output lost); a command that failed keeps its
 * exit code and message; a pipe whose reader went away ({@code EPIPE}) is no failure. And
 * {@code jipc bench --html FILE} whose page cannot be written prints its results first, then one line
 * naming the file (until 2026-12-06: a stack trace, and the table lost). Commands that take what they
 * print from somewhere ({@code fifo read}, {@code group join}) stop taking at the first failed write
 * (until 2026-12-06 they went on reading and losing it all). No duration is asserted;
 * the timeouts are hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UnwritableOutputTest {
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String FULL = ": cannot write standard output: ENOSPC (No space left on device)\n";

    @TempDir
    Path dir;

    /** Runs {@code jipc args...} in a child JVM whose standard output is {@code /dev/full}; its exit code and standard error. */
    private static CliRun toDevFull(String... args) {
        return run(new String[] {"/bin/sh", "-c", "exec \"$@\" > /dev/full", "sh"}, args);
    }

    /**
     * Runs {@code jipc args...} in a child JVM whose standard output is a pipe without a reader: the
     * reader (a process substitution) has exited, and been waited for, before the JVM starts.
     */
    private static CliRun toClosedPipe(String... args) {
        return run(new String[] {"/bin/bash", "-c", "exec 3> >(:); wait $!; exec \"$@\" >&3 3>&-", "bash"}, args);
    }

    private static CliRun run(String[] wrapper, String... args) {
        try (ChildJvm jipc = ChildJvm.builder(Main.class).quickStart().wrapper(wrapper).args(args).start()) {
            int exit = jipc.waitFor(WAIT);
            return new CliRun(exit, "", jipc.output());
        }
    }

    @Test
    void aCommandThatCannotPrintFailsWithOneLine() {
        try (Mailbox ignored = Mailbox.create("m1")) {
            for (List<String> command : List.of(List.of("ls"), List.of("ls", "--json"), List.of("names"),
                    List.of("lookup", "mailbox/m1"), List.of("mailbox", "info", "m1"), List.of("top", "--once"),
                    List.of("signal", "list"), List.of("mq", "limits"), List.of("gc", "--dry-run"),
                    List.of("--help"), List.of("ls", "--help"))) {
                CliRun run = toDevFull(command.toArray(String[]::new));
                String named = switch (command.getFirst()) {
                    case "--help" -> "jipc";
                    case "mailbox", "signal", "mq" -> "jipc " + command.get(0) + " " + command.get(1);
                    default -> "jipc " + command.getFirst();
                };
                assertEquals(1, run.exit(), command + ": " + run.err());
                assertEquals(named + FULL, run.err(), command.toString());
            }
        } finally {
            Mailbox.destroy("m1");
        }
    }

    @Test
    void aCommandThatFailedKeepsItsExitCodeAndMessage() {
        CliRun lookup = toDevFull("lookup", "nosuch");
        assertEquals(1, lookup.exit(), lookup.err());
        assertEquals("jipc lookup: no such name: nosuch\n", lookup.err());
        CliRun usage = toDevFull("ls", "--kind", "bogus");
        assertEquals(2, usage.exit(), usage.err());
        assertFalse(usage.err().contains("cannot write standard output"), usage.err());
    }

    @Test
    void aPipeWhoseReaderLeftIsNoFailure() {
        for (String[] command : new String[][] {{"signal", "list"}, {"ls", "--json"}, {"--help"}}) {
            CliRun run = toClosedPipe(command);
            assertEquals(0, run.exit(), String.join(" ", command) + ": " + run.err());
            assertEquals("", run.err(), String.join(" ", command));
        }
    }

    /** Starts {@code jipc args...} in a child JVM whose standard output is {@code /dev/full}. */
    private static ChildJvm startToDevFull(String... args) {
        return ChildJvm.builder(Main.class).quickStart().wrapper("/bin/sh", "-c", "exec \"$@\" > /dev/full", "sh")
                .hardTimeout(WAIT.plusMinutes(1)).args(args).start();
    }

    @Test
    void fifoReadStopsReadingAtTheFirstFailedWrite() throws InterruptedException {
        Path fifo = Fifo.create(dir.resolve("fifo"), 0600);
        try (ChildJvm reader = startToDevFull("fifo", "read", fifo.toString());
             PipeWriter writer = Fifo.openWriter(fifo)) {
            byte[] line = "hello\n".getBytes(StandardCharsets.UTF_8);
            int written = 0;
            // the reader leaves after the first read it cannot print, so a write fails (EPIPE) soon;
            // before, it read every line to the end and lost them all
            try {
                for (; written < 1_000_000; written++) {
                    writer.write(line);
                }
            } catch (RuntimeException readerLeft) {
                assertTrue(readerLeft.getMessage().contains("EPIPE"), readerLeft::toString);
            }
            assertTrue(written < 1_000_000, "the reader read every line although it could not print them");
            assertEquals(1, reader.waitFor(WAIT), reader.output());
            assertTrue(reader.output().startsWith("jipc fifo read: standard output failed (closed or full) after 0 bytes;"
                    + " the "), reader.output());
            assertTrue(reader.output().endsWith(" bytes just read from " + fifo + " were taken and could not be written\n"),
                    reader.output());
        }
    }

    @Test
    void groupJoinLeavesAtTheFirstMessageItCannotPrint() throws InterruptedException {
        // the member's standard input stays open: before, it stayed in the group, taking and losing every message
        try (ChildJvm member = startToDevFull("group", "join", "unwritable", "--size", "2", "--rank", "1")) {
            try (ProcessGroup group = ProcessGroup.join("unwritable", GroupOptions.of(2).withRank(0))) {
                group.awaitFull(WAIT);
                group.send(1, "hi".getBytes(StandardCharsets.UTF_8));
                assertEquals(1, member.waitFor(WAIT), member.output());
                assertEquals("jipc group join: standard output failed (closed or full) after 0 message(s); the message"
                        + " just received (2 bytes) was taken and could not be written; left group 'unwritable'\n",
                        member.output());
                assertEquals(List.of(0), group.members().stream().map(m -> m.rank()).toList());
            }
        }
    }

    @Test
    void benchPrintsItsResultsThenSaysThePageCouldNotBeWritten() {
        for (boolean json : new boolean[] {false, true}) {
            List<String> args = new java.util.ArrayList<>(List.of("bench", "--quick", "--only", "pipe",
                    "--extra-sizes", "0", "--html", "/dev/full"));
            if (json) {
                args.add("--json");
            }
            try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                    .args(args.toArray(String[]::new)).start()) {
                assertEquals(1, bench.waitFor(Duration.ofMinutes(3)), bench.output());
                String output = bench.output();
                assertTrue(output.contains("running jipc bench (1 mechanism, "), output);
                String results = json ? "\"id\": \"pipe\"" : "\npipe  ";
                assertTrue(output.contains(results), "the results are printed:\n" + output);
                assertTrue(output.endsWith("\njipc bench: cannot write /dev/full: ENOSPC (No space left on device)\n"),
                        output);
                assertTrue(output.indexOf(results) < output.indexOf("jipc bench: cannot write"), output);
                assertFalse(output.contains("Exception") || output.contains("\tat "), "no stack trace:\n" + output);
            }
        }
    }
}
