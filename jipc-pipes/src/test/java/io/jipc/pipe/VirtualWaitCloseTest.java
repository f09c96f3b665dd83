package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
        attempts(this::blockedReaderThenReusedNumber);
    }

    private boolean blockedReaderThenReusedNumber() throws Exception {
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

            return aVirtualReaderOfANewPipeUnderTheNumberGetsItsBytes(number);
        } finally {
            first.close();
            Libc.close(duplicate);
        }
    }

    /** A timed virtual read that timed out leaves the descriptor watched; a close with nobody inside must end that. */
    @Test
    void anEndClosedAfterATimedOutVirtualReadLeavesNothingWatchedUnderItsNumber() throws Exception {
        attempts(this::timedOutReadThenReusedNumber);
    }

    private boolean timedOutReadThenReusedNumber() throws Exception {
        Pipe first = Pipe.open();
        int number = first.reader().handle.fd();
        int duplicate = Pipes.duplicate(number, 3, "test");
        try {
            assertEquals(0, virtual(() -> first.reader().read(ByteBuffer.allocate(1), Duration.ofMillis(50)))
                    .get(GUARD_SECONDS, TimeUnit.SECONDS), "timed out, nothing read");
            first.reader().close(); // nobody inside: the descriptor is closed at once; the writer stays (no hang-up)

            return aVirtualReaderOfANewPipeUnderTheNumberGetsItsBytes(number);
        } finally {
            first.close();
            Libc.close(duplicate);
        }
    }

    private interface Attempt {
        boolean run() throws Exception;
    }

    /**
     * Runs {@code attempt} until the freed number was reused by one of its new pipes, at most 5
     * times: another thread of this JVM (a class loader opening a jar, say) may take the number
     * between the close and the new pipes, which says nothing about the poller.
     */
    private static void attempts(Attempt attempt) throws Exception {
        for (int i = 0; i < 5; i++) {
            if (attempt.run()) {
                return;
            }
        }
        fail("in 5 attempts the closed descriptor's number was never reused by 16 new pipes");
    }

    /**
     * Opens pipes until one's read end has {@code number} (the kernel hands out the lowest free
     * number, so the first normally does), blocks a virtual reader on it and writes to it; false,
     * nothing tried, if none of 16 new pipes got the number (another thread took it meanwhile).
     */
    private static boolean aVirtualReaderOfANewPipeUnderTheNumberGetsItsBytes(int number) throws Exception {
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
                System.err.println("descriptor number " + number + " was not reused by 16 new pipes ("
                        + holderOf(number) + " has it); trying again");
                return false;
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
            return true;
        } finally {
            opened.forEach(Pipe::close);
        }
    }

    /** What descriptor {@code number} of this process is open on now, for a diagnostic. */
    private static String holderOf(int number) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + number)).toString();
        } catch (IOException e) {
            return "nothing now: " + e;
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
