package io.jipc.pipe;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A {@link MemorySegment} (or a direct buffer over one) reaches {@code read(2)}/{@code write(2)}
 * with the JDK's own checks: a closed arena's segment and another thread's confined segment are
 * refused, and nothing goes through the pipe (until 2026-12-05 their raw address was passed, so a
 * freed segment's memory was written into the pipe).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PipeSegmentScopeTest {

    @Test
    void aSegmentOfAClosedArenaIsRefusedAndNothingIsWritten() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            Arena arena = Arena.ofShared();
            MemorySegment segment = arena.allocate(16);
            segment.fill((byte) 0x41);
            ByteBuffer overIt = segment.asByteBuffer();
            arena.close();

            assertThrows(IllegalStateException.class, () -> pipe.writer().write(segment));
            assertThrows(IllegalStateException.class, () -> pipe.writer().write(overIt));
            assertThrows(IllegalStateException.class, () -> pipe.writer().writeNow(overIt));
            assertEquals(0, overIt.position(), "no byte counted as written");
            assertEquals(0, pipe.reader().available(), "no byte of the freed memory in the pipe");
        }
    }

    @Test
    void aReadIntoABufferOverAClosedArenaIsRefusedAndLeavesTheBytesInThePipe() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writer().write(new byte[] {1, 2, 3});
            Arena arena = Arena.ofShared();
            ByteBuffer overIt = arena.allocate(16).asByteBuffer();
            arena.close();

            assertThrows(IllegalStateException.class, () -> pipe.reader().readNow(overIt));
            assertThrows(IllegalStateException.class, () -> pipe.reader().read(overIt));
            ByteBuffer valid = ByteBuffer.allocateDirect(16);
            assertEquals(3, pipe.reader().readNow(valid));
            assertEquals(3, valid.get(2));
        }
    }

    @Test
    void aConfinedSegmentOfAnotherThreadIsRefusedWithWrongThreadException() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena confined = Arena.ofConfined()) {
            MemorySegment mine = confined.allocate(4);
            mine.fill((byte) 7);
            ByteBuffer overMine = mine.asByteBuffer();
            Throwable thrown = CompletableFuture.supplyAsync(() -> {
                try {
                    pipe.writer().write(mine);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, r -> Thread.ofPlatform().start(r)).get(1, TimeUnit.MINUTES);
            assertInstanceOf(WrongThreadException.class, thrown);
            Throwable fromBuffer = CompletableFuture.supplyAsync(() -> {
                try {
                    pipe.writer().write(overMine);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, r -> Thread.ofPlatform().start(r)).get(1, TimeUnit.MINUTES);
            assertInstanceOf(WrongThreadException.class, fromBuffer);
            assertEquals(0, pipe.reader().available(), "nothing written");

            pipe.writer().write(mine); // its own thread may
            assertEquals(4, pipe.reader().available());
        }
    }

    @Test
    void nativeAndHeapSegmentsOfLiveArenasAreWritten() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            MemorySegment nativeSegment = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 1, (byte) 2, (byte) 3);
            pipe.writer().write(nativeSegment);
            pipe.writer().write(MemorySegment.ofArray(new byte[] {4, 5}));
            pipe.writer().write(MemorySegment.ofArray(new byte[] {9, 9, 6, 9}).asSlice(2, 1));
            // a heap segment over another array than byte[] (has no ByteBuffer view)
            pipe.writer().write(MemorySegment.ofArray(new int[] {0x0a090807}));
            byte[] got = new byte[10];
            assertEquals(true, pipe.reader().readFully(ByteBuffer.wrap(got)));
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, got);
        }
    }
}
