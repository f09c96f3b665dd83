package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.jipc.pipe.OnThread.on;
import static io.jipc.pipe.OnThread.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link PipeChannel}'s sends keep their bounds when the receiver is alive but does not read: an
 * at-once or timed offer begins a frame only if all of it fits, else returns false with nothing
 * written; a frame larger than the pipe, once begun, ends at the frame timeout (channel closed), also
 * when interrupted meanwhile. Platform and virtual threads; calls are joined within {@link #HANG_GUARD}
 * (a hang fails), no duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PipeChannelRoomTest {
    private static final long HANG_GUARD = OnThread.HANG_GUARD_SECONDS;
    private static final int FRAME = FrameCodec.HEADER_LENGTH;

    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void anOfferThatDoesNotFitTheRoomReturnsFalseAndWritesNothing(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open();
             PipeChannel receiver = PipeChannel.over(pipe.reader(), null, PipeChannel.DEFAULT_MAX_LENGTH);
             PipeChannel sender = PipeChannel.over(null, pipe.writer(), PipeChannel.DEFAULT_MAX_LENGTH)) {
            assertEquals(65536, pipe.writer().capacity());
            assertTrue(on(virtual, () -> sender.offer(new byte[60_000])));
            assertFalse(on(virtual, () -> sender.offer(new byte[10_000])), "at once: 10 KB do not fit");
            assertFalse(on(virtual, () -> sender.offer(new byte[10_000], Duration.ofMillis(100))), "timed");
            assertEquals(60_000 + FRAME, pipe.reader().available(), "nothing of the refused frames was written");
            assertTrue(on(virtual, () -> sender.offer(new byte[4000])), "a frame that fits still goes");
            assertEquals(60_000, receiver.take().length);
            assertEquals(4000, receiver.take().length);
            assertTrue(on(virtual, () -> sender.offer(new byte[10_000])), "room again");
            assertEquals(10_000, receiver.take().length, "the stream is still framed");
        }
    }

    /**
     * {@code put} begins as soon as any of its frame fits (as a socket's does), so the pipe fills up
     * behind a receiver that has not read yet, and the frame is finished once it reads; a begun
     * {@code put} to a receiver that stops reading ends at the frame timeout with the channel closed.
     */
    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void aPutBeginsWithAnyRoomAndItsRestIsBoundedByTheFrameTimeout(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open();
             PipeChannel receiver = PipeChannel.over(pipe.reader(), null, PipeChannel.DEFAULT_MAX_LENGTH);
             PipeChannel sender = PipeChannel.over(null, pipe.writer(), PipeChannel.DEFAULT_MAX_LENGTH)) {
            assertTrue(sender.offer(new byte[60_000]));
            CompletableFuture<Object> put = start(virtual, () -> {
                sender.put(new byte[10_000]);
                return "sent";
            }, new CompletableFuture<>());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD);
            while (pipe.reader().available() == 60_000 + FRAME) { // the put's first bytes fill the pipe's room
                assertTrue(System.nanoTime() < deadline, "the put did not begin while the pipe had room for a part");
                Thread.sleep(1);
            }
            assertEquals(60_000, receiver.take().length);
            assertEquals("sent", put.get(HANG_GUARD, TimeUnit.SECONDS));
            assertEquals(10_000, receiver.take().length, "the begun frame was finished whole");

            sender.frameTimeout(Duration.ofMillis(300));
            ExecutionException stalled = assertThrows(ExecutionException.class, () -> on(virtual, () -> {
                sender.put(new byte[200_000]); // larger than the pipe: its rest waits for a receiver that does not read
                return "sent";
            }));
            assertInstanceOf(FrameTimeoutException.class, stalled.getCause());
            assertThrows(ClosedException.class, () -> sender.put(new byte[1]), "the channel is closed");
        }
    }

    /**
     * Also with a timeout of a century or more, which is no limit (until 2026-12-07 such an offer
     * began as a put does: part of the frame at once, then the frame timeout, channel closed).
     */
    @ParameterizedTest(name = "virtual {0}, timeout {1}")
    @CsvSource({"false, P1D", "true, P1D", "false, P36500D", "true, P36500D", "false, PT2562047H", "true, PT2562047H"})
    void aTimedOfferWaitsUntilTheWholeFrameFitsOrItIsInterrupted(boolean virtual, Duration timeout) throws Exception {
        try (Pipe pipe = Pipe.open();
             PipeChannel receiver = PipeChannel.over(pipe.reader(), null, PipeChannel.DEFAULT_MAX_LENGTH);
             PipeChannel sender = PipeChannel.over(null, pipe.writer(), PipeChannel.DEFAULT_MAX_LENGTH)) {
            assertTrue(sender.offer(new byte[60_000]));
            CompletableFuture<Thread> thread = new CompletableFuture<>();
            CompletableFuture<Boolean> waiting = start(virtual, () -> sender.offer(new byte[10_000], timeout), thread);
            thread.get(HANG_GUARD, TimeUnit.SECONDS).interrupt();
            ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(HANG_GUARD, TimeUnit.SECONDS));
            assertInstanceOf(InterruptedException.class, e.getCause());
            assertEquals(60_000 + FRAME, pipe.reader().available(), "nothing was written");

            CompletableFuture<Boolean> fits = start(virtual, () -> sender.offer(new byte[10_000], timeout),
                    new CompletableFuture<>());
            assertEquals(60_000, receiver.take().length);
            assertTrue(fits.get(HANG_GUARD, TimeUnit.SECONDS), "sent once the receiver made room");
            assertEquals(10_000, receiver.take().length);
        }
    }

    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void aFrameLargerThanThePipeEndsAtTheFrameTimeoutWhenTheReceiverDoesNotRead(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open();
             PipeChannel receiver = PipeChannel.over(pipe.reader(), null, PipeChannel.DEFAULT_MAX_LENGTH);
             PipeChannel sender = PipeChannel.over(null, pipe.writer(), PipeChannel.DEFAULT_MAX_LENGTH)
                     .frameTimeout(Duration.ofSeconds(1))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> on(virtual, () -> sender.offer(new byte[100_000])));
            assertInstanceOf(FrameTimeoutException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("within 1s (65536 of 100008 bytes written); channel closed"),
                    e.getCause().getMessage());
            assertThrows(ClosedException.class, () -> sender.offer(new byte[1]), "the torn stream is closed");
            assertThrows(CorruptFrameException.class, receiver::take, "the receiver gets the torn frame as such");
        }
    }

    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void anInterruptWhileFinishingIsKeptAndDoesNotUnboundTheWait(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open();
             PipeChannel sender = PipeChannel.over(null, pipe.writer(), PipeChannel.DEFAULT_MAX_LENGTH)
                     .frameTimeout(Duration.ofSeconds(2))) {
            CompletableFuture<Thread> thread = new CompletableFuture<>();
            CompletableFuture<String> result = start(virtual, () -> {
                try {
                    return "returned " + sender.offer(new byte[100_000], Duration.ofDays(1));
                } catch (FrameTimeoutException e) {
                    return "frame timeout, interrupted " + Thread.currentThread().isInterrupted();
                }
            }, thread);
            while (pipe.reader().available() < pipe.reader().capacity()) {
                Thread.sleep(5); // until the frame has begun and the pipe is full
            }
            thread.get(HANG_GUARD, TimeUnit.SECONDS).interrupt();
            assertEquals("frame timeout, interrupted true", result.get(HANG_GUARD, TimeUnit.SECONDS));
            assertTrue(pipe.writer().isClosed());
        }
    }

    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void aFrameLargerThanThePipeBeginsOnceThePipeIsEmpty(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open();
             PipeChannel receiver = PipeChannel.over(pipe.reader(), null, PipeChannel.DEFAULT_MAX_LENGTH);
             PipeChannel sender = PipeChannel.over(null, pipe.writer(), PipeChannel.DEFAULT_MAX_LENGTH)) {
            assertTrue(sender.offer(new byte[10]));
            assertFalse(on(virtual, () -> sender.offer(new byte[100_000])), "at once: the pipe is not empty");
            assertEquals(10 + FRAME, pipe.reader().available());
            CompletableFuture<Boolean> sent = start(virtual, () -> sender.offer(new byte[100_000], Duration.ofDays(1)),
                    new CompletableFuture<>());
            assertEquals(10, receiver.take().length);
            assertEquals(100_000, receiver.take().length);
            assertTrue(sent.get(HANG_GUARD, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PT0S", "PT-1S"})
    void theFrameTimeoutMustBePositive(String timeout) throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel sender = PipeChannel.over(null, pipe.writer(), 1024)) {
            assertThrows(IllegalArgumentException.class, () -> sender.frameTimeout(Duration.parse(timeout)));
            assertEquals(PipeChannel.DEFAULT_FRAME_TIMEOUT, sender.frameTimeout());
        }
    }
}
