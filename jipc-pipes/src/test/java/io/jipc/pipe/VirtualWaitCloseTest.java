package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Virtual threads wait on pipe ends through the process's {@code io.jipc.platform.FdPoller} (one
 * epoll set). Closing an end must unpark its waiters at once and take the descriptor out of that
 * set before its number is closed: epoll watches the open file, and here a duplicate (as a process
 * that handed an end to a child, or an adopted inherited end, has) keeps that file open after the
 * close, so a registration left behind would be taken for the next pipe that gets the number. The
 * write end stays open until the end: its close would make the old file report a hang-up, which
 * disarms a stale registration and so hides it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VirtualWaitCloseTest {
    /** A hang guard, not a measurement: "at once" is milliseconds, a missed wake-up is for ever. */
    private static final long GUARD_SECONDS = 30;

    @Test
    void aBlockedVirtualReaderOfADuplicatedEndEndsWithClosedExceptionAndTheReusedNumberStillWorks() throws Exception {
        Pipe first = Pipe.open();
        int number = first.reader().handle.fd();
        int duplicate = Pipes.duplicate(number, 3, "test"); // keeps the pipe's read file open after the close
        try {
            CompletableFuture<Object> blocked = virtual(() -> first.reader().read(ByteBuffer.allocate(1)));
            Thread.sleep(200);
            assertFalse(blocked.isDone(), "the reader waits while the pipe is empty");
            first.reader().close();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> blocked.get(GUARD_SECONDS, TimeUnit.SECONDS),
                    "the close ended the blocked read");
            assertInstanceOf(ClosedException.class, e.getCause());

            aVirtualReaderOfANewPipeUnderTheNumberGetsItsBytes(number);
        } finally {
            first.close();
            Libc.close(duplicate);
        }
    }

    /** A timed virtual read that timed out leaves the descriptor watched; a close with nobody inside must end that. */
    @Test
    void anEndClosedAfterATimedOutVirtualReadLeavesNothingWatchedUnderItsNumber() throws Exception {
        Pipe first = Pipe.open();
        int number = first.reader().handle.fd();
        int duplicate = Pipes.duplicate(number, 3, "test");
        try {
            assertEquals(0, virtual(() -> first.reader().read(ByteBuffer.allocate(1), Duration.ofMillis(50)))
                    .get(GUARD_SECONDS, TimeUnit.SECONDS), "timed out, nothing read");
            first.reader().close(); // nobody inside: the descriptor is closed at once; the writer stays (no hang-up)

            aVirtualReaderOfANewPipeUnderTheNumberGetsItsBytes(number);
        } finally {
            first.close();
            Libc.close(duplicate);
        }
    }

    /**
     * Opens pipes until one's read end has {@code number} (the kernel hands out the lowest free
     * number, so the first normally does), blocks a virtual reader on it and writes to it.
     */
    private static void aVirtualReaderOfANewPipeUnderTheNumberGetsItsBytes(int number) throws Exception {
        List<Pipe> opened = new ArrayList<>();
        try {
            Pipe reused = null;
            for (int i = 0; i < 16 && reused == null; i++) {
                Pipe pipe = Pipe.open();
                opened.add(pipe);
                if (pipe.reader().handle.fd() == number) {
                    reused = pipe;
                }
            }
            if (reused == null) {
                fail("descriptor number " + number + " was not reused by 16 new pipes");
            }
            Pipe second = reused;
            ByteBuffer into = ByteBuffer.allocate(2);
            CompletableFuture<Object> reader = virtual(() -> second.reader().read(into));
            Thread.sleep(200);
            assertFalse(reader.isDone(), "the reader of the new pipe waits while it is empty");
            second.writer().write(new byte[] {4, 2});
            try {
                assertEquals(2, reader.get(GUARD_SECONDS, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                fail("the reader under the reused number " + number + " was never woken by its own pipe");
            }
            assertArrayEquals(new byte[] {4, 2}, into.array());
        } finally {
            opened.forEach(Pipe::close);
        }
    }

    private interface Body {
        Object run() throws Exception;
    }

    private static CompletableFuture<Object> virtual(Body body) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                done.complete(body.run());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }
}
