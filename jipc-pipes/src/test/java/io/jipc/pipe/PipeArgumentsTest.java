package io.jipc.pipe;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad arguments to the public entries of jipc-pipes fail at the entry, with the exception that
 * names them: a null is a {@link NullPointerException} whose message is the parameter's name (until
 * 2026-12-05 it came from deep inside, from {@code ByteBuffer.wrap} or {@code Duration.isNegative}),
 * a negative descriptor an {@link IllegalArgumentException} (it was {@code EBADF} from {@code fstat}).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PipeArgumentsTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    private static void assertNullNamed(String name, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(name, e.getMessage());
    }

    @Test
    void nullsToPipeEndsAreNamed() {
        try (Pipe pipe = Pipe.open()) {
            PipeWriter w = pipe.writer();
            PipeReader r = pipe.reader();
            assertNullNamed("bytes", () -> w.write((byte[]) null));
            assertNullNamed("source", () -> w.write((ByteBuffer) null));
            assertNullNamed("source", () -> w.write((MemorySegment) null));
            assertNullNamed("source", () -> w.writeNow(null));
            assertNullNamed("source", () -> w.write(null, SECOND));
            assertNullNamed("timeout", () -> w.write(ByteBuffer.allocate(1), null));
            assertNullNamed("destination", () -> r.read((ByteBuffer) null));
            assertNullNamed("destination", () -> r.readNow(null));
            assertNullNamed("destination", () -> r.read(null, SECOND));
            assertNullNamed("destination", () -> r.readFully(null));
            assertNullNamed("timeout", () -> r.read(ByteBuffer.allocate(1), null));
            assertNullNamed("bytes", () -> r.read(null, 0, 1));
            assertEquals(0, r.available(), "nothing was written");
        }
    }

    @Test
    void nullsToFifosAreNamed() {
        Path somewhere = Path.of("/nonexistent-jipc-dir/fifo");
        assertNullNamed("path", () -> Fifo.create(null, 0600));
        assertNullNamed("path", () -> Fifo.isFifo(null));
        assertNullNamed("path", () -> Fifo.remove(null));
        assertNullNamed("path", () -> Fifo.openReader(null));
        assertNullNamed("path", () -> Fifo.openReader(null, SECOND));
        assertNullNamed("path", () -> Fifo.openReaderNow(null));
        assertNullNamed("path", () -> Fifo.openWriter(null));
        assertNullNamed("path", () -> Fifo.openWriter(null, SECOND));
        assertNullNamed("path", () -> Fifo.openWriterNow(null));
        assertNullNamed("timeout", () -> Fifo.openReader(somewhere, null));
        assertNullNamed("timeout", () -> Fifo.openWriter(somewhere, null));
    }

    @Test
    void nullsToChannelsAreNamed() {
        try (Pipe pipe = Pipe.open();
             PipeChannel channel = PipeChannel.over(pipe.reader(), pipe.writer(), 64)) {
            assertNullNamed("message", () -> channel.offer(null));
            assertNullNamed("message", () -> channel.offer(null, SECOND));
            assertNullNamed("message", () -> channel.put((byte[]) null));
            assertNullNamed("message", () -> channel.put((ByteBuffer) null));
            assertNullNamed("timeout", () -> channel.offer(new byte[1], null));
            assertNullNamed("timeout", () -> channel.poll(null));
            assertNullNamed("child", () -> PipeChannel.prepare(null));
            assertNullNamed("child", () -> PipeChannel.toChild(null));
            assertEquals(0, pipe.reader().available(), "nothing was sent");
        }
    }

    @Test
    void aNegativeDescriptorIsAnIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PipeReader.adopt(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PipeWriter.adopt(-2));
        assertTrue(e.getMessage().contains("-2"), e.getMessage());
    }

    /** A descriptor that is not open is an IllegalArgumentException too, as documented (it was EBADF's ErrnoException). */
    @Test
    void aDescriptorThatIsNotOpenIsAnIllegalArgument() {
        int unused = 1 << 20; // never open: descriptors stay below fs.nr_open, 1 << 20 by default
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PipeReader.adopt(unused));
        assertTrue(e.getMessage().contains(unused + " is not open"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PipeWriter.adopt(unused));
        assertTrue(e.getMessage().contains(unused + " is not open"), e.getMessage());
    }

    /**
     * A read into a read-only buffer is a ReadOnlyBufferException, as Mailbox.poll(ByteBuffer) and
     * StreamConnection.read throw (until 2026-12-05 IllegalArgumentException), and reads nothing.
     */
    @Test
    void aReadIntoAReadOnlyBufferIsAReadOnlyBufferExceptionAndReadsNothing() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writer().write(new byte[] {1, 2, 3});
            PipeReader r = pipe.reader();
            ByteBuffer heap = ByteBuffer.allocate(8).asReadOnlyBuffer();
            ByteBuffer direct = ByteBuffer.allocateDirect(8).asReadOnlyBuffer();
            for (ByteBuffer readOnly : new ByteBuffer[] {heap, direct}) {
                assertThrows(ReadOnlyBufferException.class, () -> r.read(readOnly));
                assertThrows(ReadOnlyBufferException.class, () -> r.readNow(readOnly));
                assertThrows(ReadOnlyBufferException.class, () -> r.read(readOnly, SECOND));
                assertThrows(ReadOnlyBufferException.class, () -> r.readFully(readOnly));
                assertThrows(ReadOnlyBufferException.class, () -> r.readFully(readOnly.slice(0, 0)));
            }
            assertEquals(3, r.available(), "nothing was read");
        }
    }
}
