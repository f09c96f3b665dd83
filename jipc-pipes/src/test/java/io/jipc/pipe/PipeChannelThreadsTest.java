package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.jipc.pipe.OnThread.on;
import static io.jipc.pipe.OnThread.start;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads of one {@link PipeChannel} taking turns: while one thread is blocked in a receive (or a
 * send), another's timed call gives up at its own timeout, its blocking call ends on an interrupt,
 * its at-once call returns at once, and {@link PipeChannel#isEndOfStream()} answers at once; from
 * platform and virtual threads. Joins are bounded by {@link #HANG_GUARD}, never asserted as durations.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PipeChannelThreadsTest {
    private static final Duration SHORT = Duration.ofMillis(20);
    private static final long HANG_GUARD = OnThread.HANG_GUARD_SECONDS;

    /** Runs {@code blocking} on a thread of the kind, lets it settle, interrupts it: it must end with InterruptedException. */
    private static void assertEndsOnInterrupt(boolean virtual, OnThread.Call<?> blocking) throws Exception {
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        CompletableFuture<?> result = start(virtual, () -> {
            thread.complete(Thread.currentThread());
            return blocking.call();
        });
        Thread t = thread.get(HANG_GUARD, TimeUnit.SECONDS);
        Thread.sleep(SHORT.toMillis()); // to reach its wait; if not yet there, the interrupt is seen when it gets there
        assertFalse(result.isDone(), "it must wait: " + result);
        t.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(HANG_GUARD, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
    }

    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void receivesWhileAnotherThreadIsInTakeEndAtTheirTimeoutOrInterrupt(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel channel = PipeChannel.over(pipe.reader(), null, 1024)) {
            byte[] message = "whole".getBytes();
            ByteBuffer frame = FrameCodec.encode(ByteBuffer.wrap(message), false);
            pipe.writer().write(frame.slice(0, 5)); // half a header
            CompletableFuture<byte[]> holder = start(false, channel::take);
            while (pipe.reader().available() > 0) {
                Thread.sleep(1); // until the holder has read it: it is inside take(), holding the turn
            }
            // before the fix these waited for the holder's take (isEndOfStream: not even an interrupt ended it)
            assertNull(on(virtual, () -> channel.poll(SHORT)), "poll(Duration)");
            assertNull(on(virtual, channel::poll), "poll()");
            assertFalse(on(virtual, channel::isEndOfStream), "isEndOfStream()");
            assertEndsOnInterrupt(virtual, channel::take);
            assertEndsOnInterrupt(virtual, () -> channel.poll(Duration.ofDays(1)));
            assertFalse(holder.isDone(), "the holder still waits");
            pipe.writer().write(frame.position(5));
            assertArrayEquals(message, holder.get(HANG_GUARD, TimeUnit.SECONDS));
            assertNull(channel.poll(SHORT), "the turn is free again");
        }
    }

    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void sendsWhileAnotherThreadsPutWaitsForRoomEndAtTheirTimeoutOrInterrupt(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open(); PipeChannel channel = PipeChannel.over(pipe.reader(), pipe.writer(), 1 << 20)) {
            byte[] large = new byte[1 << 20]; // 16 times the pipe's capacity
            large[large.length - 1] = 7;
            CompletableFuture<Boolean> holder = start(false, () -> {
                channel.put(large);
                return true;
            });
            while (pipe.reader().available() < pipe.reader().capacity() / 2) {
                Thread.sleep(1); // until the holder is blocked mid-frame, holding the turn
            }
            byte[] small = {1};
            // before the fix these waited for the holder's put
            assertFalse(on(virtual, () -> channel.offer(small, SHORT)), "offer(byte[], Duration)");
            assertFalse(on(virtual, () -> channel.offer(small)), "offer(byte[])");
            assertEndsOnInterrupt(virtual, () -> {
                channel.put(small);
                return null;
            });
            assertEndsOnInterrupt(virtual, () -> channel.offer(small, Duration.ofDays(1)));
            assertFalse(holder.isDone(), "the holder still waits");
            assertArrayEquals(large, channel.take());
            assertTrue(holder.get(HANG_GUARD, TimeUnit.SECONDS));
            assertNull(channel.poll(), "the calls that gave up sent nothing");
            assertTrue(channel.offer(small, SHORT), "the turn is free again");
            assertArrayEquals(small, channel.take());
        }
    }

    /**
     * The channel's own close, with one pipe both ways (so the close also makes the end of that
     * pipe): a take blocked in it and every later receive throw ClosedException, never
     * EndOfStreamException (until 2026-12-05 they did, and poll() returned null).
     */
    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void theChannelsOwnCloseEndsBlockedAndLaterReceivesWithClosedException(boolean virtual) throws Exception {
        try (Pipe pipe = Pipe.open()) {
            PipeChannel channel = PipeChannel.over(pipe.reader(), pipe.writer(), 1024);
            CompletableFuture<byte[]> blocked = start(virtual, channel::take);
            Thread.sleep(SHORT.toMillis()); // to reach its wait; if not yet there, it finds the channel closed
            assertFalse(blocked.isDone(), "it must wait: " + blocked);
            channel.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(HANG_GUARD, TimeUnit.SECONDS));
            assertInstanceOf(ClosedException.class, e.getCause());
            assertThrows(ClosedException.class, channel::take);
            assertThrows(ClosedException.class, () -> channel.poll(SHORT));
            assertThrows(ClosedException.class, channel::poll);
            assertThrows(ClosedException.class, () -> channel.offer(new byte[1]));
            assertFalse(channel.isEndOfStream(), "no peer ended the stream");
        }
    }
}
