package io.jipc.select;

import io.jipc.pipe.ChildProcess;
import io.jipc.pipe.Command;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import io.jipc.pipe.PipeReader;
import io.jipc.pipe.Redirect;
import io.jipc.pipe.PipeChannel;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link PipeChannel} (framed messages over pipes) in a selector, against a child JVM that writes
 * to it: reported when a message arrives, still reported while messages that came in the same read
 * wait in the channel though the pipe is empty, not reported once they were taken, and reported at
 * the end of the stream.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PipeChannelSelectTest {
    private static final Duration SAFETY = Duration.ofSeconds(60);

    /** Sends three messages, says SENT on standard output, then "last" once told "more", then ends at "bye". */
    public static final class Burst {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (PipeChannel parent = PipeChannel.toParent()) {
                for (String m : List.of("one", "two", "three")) {
                    parent.put(m.getBytes(StandardCharsets.UTF_8));
                }
                System.out.println("SENT");
                System.out.flush();
                parent.take(); // "more"
                parent.put("last".getBytes(StandardCharsets.UTF_8));
                parent.take(); // "bye"
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void messagesBufferedInTheChannelKeepItReadyThoughThePipeIsEmpty() throws Exception {
        try (ChildProcess child = PipeChannel.prepare(Command.java(Burst.class).stdout(Redirect.PIPE)).start();
             PipeChannel channel = PipeChannel.toChild(child);
             Selector selector = Selector.open()) {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.stdout().asInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("SENT", out.readLine(), "the three messages are in the pipe");
            SelectionKey key = selector.register(channel, Selector.OP_READ, "child");

            assertEquals(List.of(key), selector.select(SAFETY));
            assertArrayEquals(bytes("one"), channel.poll(), "one read took all three frames in");
            assertEquals(List.of(key), selector.selectNow(), "two more wait in the channel, the pipe is empty");
            assertArrayEquals(bytes("two"), channel.poll());
            assertEquals(List.of(key), selector.select(SAFETY));
            assertArrayEquals(bytes("three"), channel.poll());
            assertEquals(List.of(), selector.selectNow(), "nothing left anywhere");
            assertNull(channel.poll());

            channel.put(bytes("more"));
            assertEquals(List.of(key), selector.select(SAFETY));
            assertArrayEquals(bytes("last"), channel.poll());
            assertEquals(List.of(), selector.selectNow());

            channel.put(bytes("bye"));
            assertEquals(List.of(key), selector.select(SAFETY), "the end of the stream is readable");
            assertNull(channel.poll());
            assertTrue(channel.isEndOfStream());
            assertEquals(0, child.waitFor().code());
        }
    }

    /**
     * A channel that only sends is selected for writing while its pipe has room to begin a message:
     * not once {@code offer} found it full, again once the reading end took some bytes out.
     */
    @Test
    void aChannelThatOnlySendsIsSelectedForWritingWhileItsPipeHasRoom() throws Exception {
        try (Pipe pipe = Pipe.open();
             PipeChannel sendOnly = PipeChannel.over(null, pipe.writer(), PipeChannel.DEFAULT_MAX_LENGTH);
             Selector selector = Selector.open()) {
            assertThrows(IllegalArgumentException.class, () -> selector.register(sendOnly, Selector.OP_READ, "x"),
                    "nothing to receive");
            SelectionKey key = selector.register(sendOnly, Selector.OP_WRITE, "out");
            assertEquals(List.of(key), selector.selectNow(), "an empty pipe has room");

            byte[] message = new byte[1000];
            long sent = 0;
            while (sendOnly.offer(message)) {
                sent++;
            }
            assertTrue(sent > 10, "only " + sent + " messages fitted");
            assertEquals(List.of(), selector.selectNow(), "offer found the pipe full");

            ByteBuffer drained = ByteBuffer.allocate(64 * 1024);
            assertTrue(pipe.reader().readNow(drained) > 0);
            assertEquals(List.of(key), selector.select(SAFETY), "room again once the reader took bytes");
            assertTrue(sendOnly.offer(message), "offer begins the message it was selected for");
        }
    }

    /**
     * A child JVM adopts two FIFOs whose writers left before it started (the shell opened them as
     * descriptors 3 and 5 and waited for the writers: {@code printf hi > f1 & : > f2 & exec 3<f1
     * 5<f2; wait; exec java ...}): a selector reports the reader readable with the bytes, and again
     * at end of file (readNow -1), and a channel over the other one readable at end of stream.
     * (Until 2026-12-05 the adopted descriptions hid the end of file: nothing was selected.)
     */
    @Test
    void adoptedFifosWhoseWritersLeftBeforeTheAdoptAreSelectedAtEndOfFile() throws Exception {
        Path dir = Files.createTempDirectory("jipc-select-fifo");
        Path bytes = Fifo.create(dir.resolve("bytes"), 0600);
        Path empty = Fifo.create(dir.resolve("empty"), 0600);
        try {
            // sh -c SCRIPT BYTES EMPTY JAVA...: the shell opens the FIFOs for the JVM it then becomes
            try (ChildJvm child = ChildJvm.builder(AdoptedFifos.class).wrapper("/bin/sh", "-c",
                            "printf hi > \"$0\" & : > \"$1\" & exec 3<\"$0\" 5<\"$1\"; wait; shift; exec \"$@\"",
                            bytes.toString(), empty.toString())
                    .hardTimeout(Duration.ofSeconds(110)).start()) {
                assertEquals("reader ready: hi", child.awaitLine("reader", SAFETY));
                assertEquals("reader ready: -1", child.awaitLine("reader", SAFETY), "end of file is readable");
                assertEquals("channel ready: end of stream", child.awaitLine("channel", SAFETY));
                child.assertSuccess(SAFETY);
            }
        } finally {
            Fifo.remove(bytes);
            Fifo.remove(empty);
            Files.delete(dir);
        }
    }

    /**
     * Adopts descriptor 3 as a reader and 5 as a channel's receiving pipe, selects each (30 s at
     * most, a hang guard: "nothing ready" then) and says what it found.
     */
    public static final class AdoptedFifos {
        private static final Duration GUARD = Duration.ofSeconds(30);

        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Selector selector = Selector.open(); PipeReader reader = PipeReader.adopt(3);
                 PipeChannel channel = PipeChannel.over(PipeReader.adopt(5), null, 1024)) {
                SelectionKey key = selector.register(reader, Selector.OP_READ);
                for (int round = 0; round < 2; round++) {
                    if (selector.select(GUARD).equals(List.of(key))) {
                        ByteBuffer buffer = ByteBuffer.allocate(100);
                        int n = reader.readNow(buffer);
                        say("reader ready: " + (n > 0 ? new String(buffer.array(), 0, n, StandardCharsets.US_ASCII) : n));
                    } else {
                        say("reader: nothing ready");
                    }
                }
                key.cancel();
                key = selector.register(channel, Selector.OP_READ);
                if (selector.select(GUARD).equals(List.of(key))) {
                    byte[] message = channel.poll();
                    say("channel ready: " + (message != null ? "a message"
                            : channel.isEndOfStream() ? "end of stream" : "nothing"));
                } else {
                    say("channel: nothing ready");
                }
            }
        }

        private static void say(String line) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
