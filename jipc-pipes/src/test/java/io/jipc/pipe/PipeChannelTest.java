package io.jipc.pipe;

import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Messages over pipes between a parent JVM and child JVMs; hostile frames. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PipeChannelTest {

    @Test
    void messagesKeepTheirBoundariesBetweenParentAndChildJvm() throws Exception {
        int[] sizes = {0, 1, 7, FrameCodec.ATOMIC_PAYLOAD, FrameCodec.ATOMIC_PAYLOAD + 1, 100_000, 3 << 20};
        try (ChildProcess child = PipeChannel.prepare(Command.java(EchoChild.class)).start();
             PipeChannel channel = PipeChannel.toChild(child)) {
            for (int size : sizes) {
                channel.put(message(size));
                assertArrayEquals(message(size), channel.take(), "echo of " + size + " bytes");
            }
            for (int size : sizes) {
                channel.put(message(size)); // several in flight (they fit in the two pipes)
                if (size > 10_000) {
                    break;
                }
            }
            for (int size : sizes) {
                assertArrayEquals(message(size), channel.take(), "echo of " + size + " bytes");
                if (size > 10_000) {
                    break;
                }
            }
            channel.close(); // the child sees end of stream and exits
            assertEquals(ExitStatus.exited(0), child.waitFor());
        }
    }

    public static final class EchoChild {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (PipeChannel parent = PipeChannel.toParent()) {
                while (true) {
                    byte[] message;
                    try {
                        message = parent.take();
                    } catch (EndOfStreamException e) {
                        return;
                    }
                    parent.put(message);
                }
            }
        }
    }

    private static byte[] message(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 13 + size);
        }
        return bytes;
    }

    @Test
    void nonBlockingAndTimedVerbs() throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel channel = PipeChannel.over(pipe.reader(), pipe.writer(), 1 << 20)) {
            assertNull(channel.poll());
            assertNull(channel.poll(Duration.ofMillis(50)));
            pipe.writer().capacity(4096);
            assertTrue(channel.offer(new byte[FrameCodec.ATOMIC_PAYLOAD]));
            assertFalse(channel.offer(new byte[1]), "a full pipe takes no frame");
            assertFalse(channel.offer(new byte[1], Duration.ofMillis(50)));
            assertEquals(FrameCodec.ATOMIC_PAYLOAD, channel.take().length);
            assertNull(channel.poll());
            assertThrows(IllegalArgumentException.class, () -> channel.put(new byte[(1 << 20) + 1]));
        }
    }

    /** An interrupt in the middle of a large frame does not tear it: the frame is finished first. */
    @Test
    void anInterruptedSendFinishesItsFrame() throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel channel = PipeChannel.over(pipe.reader(), pipe.writer(), 1 << 20)) {
            byte[] large = message(1 << 20); // 16 times the pipe's capacity
            java.util.concurrent.CompletableFuture<Boolean> sent = new java.util.concurrent.CompletableFuture<>();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    channel.put(large);
                    sent.complete(Thread.currentThread().isInterrupted());
                } catch (Throwable t) {
                    sent.completeExceptionally(t);
                }
            });
            while (pipe.reader().available() < pipe.reader().capacity() / 2) {
                Thread.sleep(10); // until the sender is blocked mid-frame
            }
            sender.interrupt();
            assertArrayEquals(large, channel.take());
            assertTrue(sent.get(1, TimeUnit.MINUTES), "the interrupt is kept for after the frame");
            channel.put(message(3));
            assertArrayEquals(message(3), channel.take(), "the stream is still framed");
        }
    }

    @Test
    void endOfStreamAfterTheLastMessage() throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel receiver = PipeChannel.over(pipe.reader(), null, 1024)) {
            try (PipeChannel sender = PipeChannel.over(null, pipe.writer(), 1024)) {
                sender.put("last".getBytes());
            }
            assertEquals("last", new String(receiver.take()));
            assertThrows(EndOfStreamException.class, receiver::take);
            assertNull(receiver.poll());
            assertTrue(receiver.isEndOfStream());
        }
    }

    @ParameterizedTest(name = "length 0x{0}")
    @ValueSource(ints = {-1, Integer.MAX_VALUE, 1025, Integer.MIN_VALUE, 1 << 30})
    void hostileLengthsAreRejectedBeforeAllocating(int length) throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel receiver = PipeChannel.over(pipe.reader(), null, 1024)) {
            pipe.writer().write(ByteBuffer.allocate(8).putInt(length).putInt(~length).flip());
            CorruptFrameException e = assertThrows(CorruptFrameException.class, receiver::take);
            assertTrue(e.getMessage().contains("exceeds the maximum of 1024"), e.getMessage());
            assertThrows(CorruptFrameException.class, receiver::poll, "the receiver stays failed");
        }
    }

    @Test
    void bytesThatAreNotFramesAndStreamsCutInsideAFrameAreRejected() throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel receiver = PipeChannel.over(pipe.reader(), null, 1024)) {
            pipe.writer().write("hello, not a frame\n".getBytes());
            CorruptFrameException e = assertThrows(CorruptFrameException.class, receiver::take);
            assertTrue(e.getMessage().contains("not a jipc frame"), e.getMessage());
        }
        try (Pipe pipe = Pipe.open(); PipeChannel receiver = PipeChannel.over(pipe.reader(), null, 1024)) {
            pipe.writer().write(ByteBuffer.allocate(10).putInt(5).putInt(~5).put((byte) 1).put((byte) 2).flip());
            pipe.writer().close();
            CorruptFrameException e = assertThrows(CorruptFrameException.class, receiver::take);
            assertTrue(e.getMessage().contains("ended inside a frame (2 of 5 payload bytes)"), e.getMessage());
            // the receiver stays failed: not an end of stream the next time (nor a null from poll)
            assertThrows(CorruptFrameException.class, receiver::take);
            assertThrows(CorruptFrameException.class, receiver::poll);
            assertTrue(receiver.isEndOfStream());
        }
    }

    /** Several sending processes share one pipe; frames up to PIPE_BUF are atomic, so none is torn. */
    @Test
    void severalSendingProcessesOnOnePipe() throws Exception {
        int senders = 3;
        int messages = 500;
        try (Pipe pipe = Pipe.open(); PipeChannel receiver = PipeChannel.over(pipe.reader(), null, 1 << 16)) {
            ChildProcess[] children = new ChildProcess[senders];
            try {
                for (int s = 0; s < senders; s++) {
                    children[s] = Command.java(SenderChild.class, Integer.toString(s), Integer.toString(messages))
                            .stdout(Redirect.to(pipe.writer())).start();
                }
                pipe.writer().close();
                Map<Integer, Integer> next = new HashMap<>();
                while (true) {
                    byte[] message;
                    try {
                        message = receiver.take();
                    } catch (EndOfStreamException end) {
                        break;
                    }
                    int sender = message[0];
                    int index = next.getOrDefault(sender, 0);
                    assertArrayEquals(SenderChild.message(sender, index), message);
                    next.put(sender, index + 1);
                }
                for (int s = 0; s < senders; s++) {
                    assertEquals(messages, next.get(s));
                    assertEquals(ExitStatus.exited(0), children[s].waitFor());
                }
            } finally {
                for (ChildProcess child : children) {
                    if (child != null) {
                        child.close();
                    }
                }
            }
        }
    }

    public static final class SenderChild {
        static byte[] message(int sender, int index) {
            byte[] bytes = new byte[1 + (index * 37) % FrameCodec.ATOMIC_PAYLOAD];
            Arrays.fill(bytes, (byte) index);
            bytes[0] = (byte) sender;
            return bytes;
        }

        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            int sender = Integer.parseInt(args[0]);
            try (PipeChannel out = PipeChannel.over(null, PipeWriter.adopt(1), FrameCodec.ATOMIC_PAYLOAD)) {
                for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                    out.put(message(sender, i));
                }
            }
        }
    }
}
