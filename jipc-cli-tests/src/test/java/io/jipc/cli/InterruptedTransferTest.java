package io.jipc.cli;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeReader;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transfer cut short from outside: {@code jipc send} stopped by {@code SIGTERM} (as by Ctrl-C)
 * while it waits withdraws its message instead of leaving it to be delivered later, and
 * {@code jipc recv} stopped the same way closes what it opened (a listening socket's file goes), and
 * {@code jipc recv} whose standard output fails (a closed pipe, a full disk) stops at once with
 * exit code 1 instead of taking messages it cannot print.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InterruptedTransferTest {
    private static final Duration LINE = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"send mailbox:rv", "mailbox send rv"})
    void aStoppedSendToARendezvousIsWithdrawnNotDeliveredLater(String command) throws Exception {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("stopped");
        try (Mailbox rendezvous = Mailbox.create("rv", MailboxOptions.builder().messageLimit(0).build())) {
            try (ChildJvm sender = ChildJvm.builder(Main.class).args(args.toArray(String[]::new)).start()) {
                while (rendezvous.pendingBytes() == 0) { // the sender's record is in: it waits for a receiver
                    assertTrue(sender.isAlive(), sender.output());
                    Thread.sleep(10);
                }
                sender.process().toHandle().destroy(); // SIGTERM; Process.destroy() would close its output
                sender.waitFor(LINE);
                String said = command.startsWith("send") ? "jipc send: stopped while sending to mailbox:rv: "
                        : "jipc mailbox send: stopped while sending to 'rv': ";
                assertTrue(sender.output().contains(said + "message 1 was withdrawn; 0 message(s) sent"),
                        sender.output());
            }
            assertNull(rendezvous.poll(Duration.ofMillis(200)), "a withdrawn message is never delivered");
        } finally {
            Mailbox.destroy("rv");
        }
    }

    @Test
    void aStoppedSendThatBeganALongFifoLineSaysTheLineWasCutNotWithdrawn() throws Exception {
        Path fifo = Fifo.create(dir.resolve("f"), 0600);
        try (PipeReader reader = Fifo.openReaderNow(fifo); // holds the FIFO open and does not read
             ChildJvm sender = ChildJvm.builder(Main.class).args("send", "fifo:" + fifo, "x".repeat(100_000)).start()) {
            while (reader.available() < reader.capacity()) { // the line has begun and fills the pipe
                assertTrue(sender.isAlive(), sender.output());
                Thread.sleep(10);
            }
            sender.process().toHandle().destroy(); // SIGTERM
            sender.waitFor(LINE);
            assertTrue(sender.output().contains("jipc send: stopped while sending to fifo:" + fifo + ": message 1 was cut "
                    + "after 65536 of 100001 bytes: the reader gets a partial line; 0 message(s) sent"), sender.output());
        }
    }

    @Test
    void aMailboxInUseIsNotDestroyedAndAStoppedMailboxRecvSaysHowManyItReceived() throws Exception {
        try (Mailbox inbox = Mailbox.create("in")) {
            inbox.put("one".getBytes(StandardCharsets.UTF_8));
            try (ChildJvm receiver = ChildJvm.builder(Main.class).args("mailbox", "recv", "in", "-n", "0").start()) {
                receiver.awaitLine("one", LINE);
                CliRun refused = CliRun.jipc("mailbox", "destroy", "in");
                assertEquals(1, refused.exit());
                assertTrue(refused.err().startsWith("jipc mailbox destroy: not removing 'in': in use by pid ")
                        && refused.err().contains(Long.toString(receiver.pid())), refused.err()); // and this test
                assertTrue(Mailbox.exists("in"));
                receiver.process().toHandle().destroy(); // SIGTERM
                receiver.waitFor(LINE);
                assertTrue(receiver.output().contains("jipc mailbox recv: stopped while receiving from 'in'; 1 received"),
                        receiver.output());
            }
        } finally {
            Mailbox.destroy("in");
        }
    }

    /**
     * A receiver asleep on a word of its mailbox's file when another process truncates the file
     * cannot be woken, by its interrupt either (a futex wake needs the page: {@code EFAULT}); stopped,
     * it said nothing and exited 143 after the grace. Now the stop says the command was cut off.
     */
    @Test
    void aStoppedMailboxRecvWhoseWaitCannotBeReachedSaysItWasCutOff() throws Exception {
        try {
            try (Mailbox inbox = Mailbox.create("cut")) {
                inbox.put("one".getBytes(StandardCharsets.UTF_8));
            }
            try (ChildJvm receiver = ChildJvm.builder(Main.class).args("mailbox", "recv", "cut", "-n", "0").start()) {
                receiver.awaitLine("one", LINE);
                awaitAsleepOnWordOf(receiver.pid(), Mailbox.path("cut"));
                try (var file = new java.io.RandomAccessFile(Mailbox.path("cut").toFile(), "rw")) {
                    file.setLength(0);
                }
                receiver.process().toHandle().destroy(); // SIGTERM
                receiver.waitFor(LINE);
                assertTrue(receiver.output().contains(InterruptOnShutdown.CUT_OFF), receiver.output());
            }
        } finally {
            Mailbox.destroy("cut");
        }
    }

    /**
     * Waits (a hang guard of a minute) until a thread of process {@code pid} sleeps in {@code futex}
     * on a word of its mapping of {@code file}: {@code /proc/PID/task/TID/syscall} names the call (202
     * on x86-64, 98 on aarch64) and the word's address, {@code /proc/PID/maps} the file's mapping.
     */
    private static void awaitAsleepOnWordOf(long pid, Path file) throws Exception {
        String futex = System.getProperty("os.arch").equals("aarch64") ? "98" : "202";
        for (int i = 0; i < 600; i++) {
            List<long[]> mapped = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
                if (line.endsWith(" " + file)) {
                    String[] range = line.substring(0, line.indexOf(' ')).split("-");
                    mapped.add(new long[] {Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16)});
                }
            }
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : tasks.toList()) {
                    String[] call = Files.readString(task.resolve("syscall")).trim().split(" ");
                    if (call.length > 1 && call[0].equals(futex)) {
                        long word = Long.parseUnsignedLong(call[1].substring(2), 16);
                        if (mapped.stream().anyMatch(r -> word >= r[0] && word < r[1])) {
                            return;
                        }
                    }
                }
            } catch (IOException taskEnded) {
                // a thread ended while listed: look again
            }
            Thread.sleep(100);
        }
        throw new AssertionError("pid " + pid + " never slept on a word of " + file);
    }

    @Test
    void aStoppedReceiverOnAUnixSocketRemovesItsSocketFile() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ChildJvm receiver = ChildJvm.builder(Main.class).args("recv", "unix:" + socket, "-n", "0").start()) {
            while (!Files.exists(socket)) {
                assertTrue(receiver.isAlive(), receiver.output());
                Thread.sleep(10);
            }
            receiver.process().toHandle().destroy(); // SIGTERM
            receiver.waitFor(LINE);
            assertTrue(receiver.output().contains("jipc recv: stopped while receiving from unix:" + socket + "; 0 received"),
                    receiver.output());
        }
        assertFalse(Files.exists(socket), "the socket file is removed as on a normal end");
    }

    /** Standard output as a closed pipe: every write fails. */
    private static final class ClosedPipe extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("Broken pipe");
        }
    }

    private static CliRun withFailingOutput(String... args) {
        return CliRun.jipc(new byte[0], new ClosedPipe(), args);
    }

    @Test
    void recvWhoseOutputFailsTakesNoMoreMessages() throws Exception {
        for (String[] command : new String[][] {{"recv", "mailbox:out", "-n", "0", "--nonblock"},
                {"mailbox", "recv", "out", "-n", "0", "--timeout", "0"},
                {"mailbox", "recv", "out", "-n", "0", "--timeout", "0", "--headers"}}) {
            try (Mailbox mailbox = Mailbox.create("out", MailboxOptions.builder().headers(true).build())) {
                for (String m : new String[] {"a", "b", "c"}) {
                    mailbox.put(m.getBytes(StandardCharsets.UTF_8));
                }
                CliRun run = withFailingOutput(command);
                assertEquals(1, run.exit(), run.err());
                assertTrue(run.err().contains("standard output failed (closed or full) after 0 message(s); the message "
                        + "just received (1 bytes) was taken and could not be written"), run.err());
                assertArrayEquals("b".getBytes(StandardCharsets.UTF_8), mailbox.poll(), "only the first was taken");
                assertArrayEquals("c".getBytes(StandardCharsets.UTF_8), mailbox.poll());
            } finally {
                Mailbox.destroy("out");
            }
        }
    }
}
