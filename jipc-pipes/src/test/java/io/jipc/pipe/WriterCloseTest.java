package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.jipc.pipe.OnThread.HANG_GUARD_SECONDS;
import static io.jipc.pipe.OnThread.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link PipeWriter#close()} by another thread while a write waits for room: once it returned no
 * byte of that write reaches the pipe, also when the reader makes room right after; the write ends
 * with {@link ClosedException}, its buffer's position at the bytes written before. A real pipe whose
 * reader reads after the close; platform and virtual threads, several rounds (the wake-up after the
 * reader's read races with the look at the close); joins are hang guards, no duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WriterCloseTest {
    private static final int ROUNDS = 10;

    @ParameterizedTest(name = "virtual {0}")
    @ValueSource(booleans = {false, true})
    void noByteOfABlockedWriteReachesThePipeAfterCloseReturned(boolean virtual) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            try (Pipe pipe = Pipe.open()) {
                int capacity = pipe.writer().capacity();
                ByteBuffer data = ByteBuffer.allocate(3 * capacity);
                CompletableFuture<Object> write = start(virtual, () -> {
                    pipe.writer().write(data);
                    return "wrote all";
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
                while (pipe.reader().available() < capacity) { // the write filled the pipe and waits for room
                    assertTrue(System.nanoTime() < deadline, "the write did not fill the pipe");
                    Thread.sleep(1);
                }
                Thread.sleep(20); // the writer is in its wait, not between two write(2)s
                pipe.writer().close();

                long read = 0;
                ByteBuffer into = ByteBuffer.allocate(capacity);
                int n;
                while ((n = pipe.reader().read(into.clear())) >= 0) { // end of file once the blocked write left
                    read += n;
                }
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> write.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS), "round " + round);
                assertInstanceOf(ClosedException.class, e.getCause(), "round " + round);
                assertEquals(capacity, read, "round " + round + ": bytes read; none written after close() returned");
                assertEquals(capacity, data.position(), "round " + round + ": the write's report of what it wrote");
            }
        }
    }
}
