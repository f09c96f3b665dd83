package io.jipc.cli.endpoint;

import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.OpenTimeoutException;
import io.jipc.pipe.PipeReader;
import io.jipc.pipe.PipeWriter;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code fifo:PATH}: a named pipe ({@link Fifo}). A FIFO carries bytes, not messages, so a message
 * here is one line: {@code send} writes the payload and a newline, {@code recv} returns each line
 * without its newline — which is what {@code cat}, {@code echo} and {@code read} on the other end
 * see and write. A payload containing a newline is refused (it would arrive as two messages).
 *
 * <p>The FIFO must exist ({@code mkfifo} or {@code jipc fifo create}); {@code create} does not make
 * one, because a path outside the jipc root has no default owner or mode. The FIFO is opened on the
 * first send or receive, waiting as that call's {@link Wait} allows for the other side to open
 * (the kernel's rule for FIFOs): {@code send} with nothing waiting gives up when no reader came in
 * time, with {@link io.jipc.pipe.NoReaderException} (at once) or {@link OpenTimeoutException}. A
 * line is begun only once the pipe has room for all of it (a line longer than the pipe: once it is
 * empty; never with {@link Wait#NONE}, as it cannot go in at once), within the wait, so a send that
 * gives up has written nothing; a begun line is finished as
 * long as it takes (a timed send: until its deadline), and one cut short, by the deadline or a stop,
 * is a {@link MessageCutException}: the reader gets a partial line. A
 * receiver that reaches end of file (every writer closed) opens the FIFO again for the next writer,
 * like {@code while true; do cat fifo; done}; a last line without a newline is delivered at end of
 * file. A receive reads a byte at a time and so takes nothing past its line: what a receiver leaves
 * unread stays in the pipe for the next one. A line longer than {@link #MAX_LINE} (1 MiB) is not
 * received: once that many bytes came without a newline the receive reads on and drops the rest of
 * that line (a byte at a time, kept nowhere) up to and including its newline, or to end of file,
 * and then throws a {@link JipcException} naming the FIFO and saying how many bytes were dropped
 * ({@code jipc recv: a line in fifo:PATH is longer than 1048576 bytes ...}, exit 1): the whole line
 * is gone from the FIFO and the next receive starts at the next line. The dropping stays within the
 * receive's wait (with {@link Wait#NONE}: what the FIFO holds at once); a rest of the line that has
 * not come when that wait ends stays in the FIFO, and the message says so.
 */
final class FifoKind implements EndpointKind {

    @Override
    public String example() {
        return "fifo:/tmp/orders";
    }

    @Override
    public MessageEndpoint open(String address, boolean create) {
        Path path = Path.of(address);
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new EndpointNotFoundException("no FIFO at " + path + " (make one with mkfifo or jipc fifo create)", null);
        }
        if (!Fifo.isFifo(path)) { // the words of Fifo's opens: a link, even to a FIFO, is not followed
            throw new NotAFifoException(path + (Files.isSymbolicLink(path) ? " is a symbolic link (not followed)"
                    : " is not a FIFO"), null);
        }
        return new FifoEndpoint(path);
    }

    /**
     * The longest line {@code recv} takes: 1 MiB, as a socket's frame. A writer that sends no newline
     * cannot make the receiver hold more ({@link FifoEndpoint#receive} fails instead); {@code send}
     * refuses a longer message before it opens the FIFO (a usage error, as a message with a newline).
     */
    static final int MAX_LINE = 1 << 20;

    /** "Without limit" for {@link PipeWriter#beginWhole(ByteBuffer, Duration)}. */
    private static final Duration FOREVER = Duration.ofDays(36_500);

    private static final class FifoEndpoint implements MessageEndpoint {
        private final Path path;
        /**
         * One byte: a receive reads the FIFO a byte at a time, as the shell's {@code read} does, so that
         * it never takes a byte of the line after the one it returns (a later receiver, or another
         * process, reads that line). A system call per byte: the price of a line protocol on a pipe.
         */
        private final ByteBuffer chunk = ByteBuffer.allocate(1).flip();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private PipeWriter writer;
        private PipeReader reader;

        FifoEndpoint(Path path) {
            this.path = path;
        }

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            if (priority != 0) {
                throw new IllegalArgumentException("a FIFO has no priorities (asked for " + priority + ")");
            }
            if (payload.length > MAX_LINE) { // recv would refuse it, after reading it all from the FIFO
                throw new IllegalArgumentException("a FIFO message is at most " + MAX_LINE
                        + " bytes (the longest line jipc recv takes); this one has " + payload.length);
            }
            for (byte b : payload) {
                if (b == '\n') {
                    throw new IllegalArgumentException("a FIFO message is one line; this one holds a newline");
                }
            }
            if (writer == null) {
                // no reader in time: NoReaderException or OpenTimeoutException, which say so (not "no room")
                writer = NotAFifoException.refusing(() -> wait.isForever() ? Fifo.openWriter(path)
                        : wait.isNone() ? Fifo.openWriterNow(path) : Fifo.openWriter(path, wait.limit()));
            }
            ByteBuffer bytes = ByteBuffer.allocate(payload.length + 1).put(payload).put((byte) '\n').flip();
            long deadline = wait.isForever() || wait.isNone() ? 0 : System.nanoTime() + Timeouts.nanos(wait.limit());
            // Begun only once the pipe has room for the whole line (a line longer than the pipe: once
            // it is empty), so that a line that does not fit in time is not begun at all.
            if (wait.isNone() && bytes.remaining() > writer.capacity()) {
                return false; // longer than the pipe: it cannot go in at once, and begun it would wait for the reader
            }
            int begun = wait.isNone() ? writer.beginWholeNow(bytes)
                    : writer.beginWhole(bytes, wait.isForever() ? FOREVER : remaining(deadline));
            if (begun == 0) {
                return false;
            }
            finish(bytes, wait, deadline);
            return true;
        }

        /**
         * Writes the rest of a begun line: as long as it takes, or until the deadline of a timed send.
         * A line cut short (interrupted: stopped; or past the deadline) reaches the reader in part.
         */
        private void finish(ByteBuffer bytes, Wait wait, long deadline) {
            while (bytes.hasRemaining()) {
                try {
                    if (wait.isForever() || wait.isNone()) {
                        writer.write(bytes);
                    } else {
                        Duration left = remaining(deadline);
                        if (left.isZero()) {
                            throw new MessageCutException(bytes.position(), bytes.limit(), "not read in time (" + wait + ")", null);
                        }
                        writer.write(bytes, left);
                    }
                } catch (InterruptedException stopped) {
                    throw new MessageCutException(bytes.position(), bytes.limit(), "stopped", stopped);
                }
            }
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            long deadline = wait.isForever() || wait.isNone() ? 0 : System.nanoTime() + Timeouts.nanos(wait.limit());
            while (true) {
                while (chunk.hasRemaining()) {
                    byte b = chunk.get();
                    if (b == '\n') {
                        return takeLine();
                    }
                    if (line.size() == MAX_LINE) {
                        line.reset();
                        throw new JipcException("a line in fifo:" + path + " is longer than " + MAX_LINE
                                + " bytes, the most a message from a FIFO may have: " + dropRestOfLine(wait, deadline));
                    }
                    line.write(b);
                }
                if (reader == null) {
                    reader = NotAFifoException.refusing(() -> wait.isNone() ? Fifo.openReaderNow(path)
                            : wait.isForever() ? Fifo.openReader(path) : openReaderUntil(deadline));
                    if (reader == null) {
                        return null;
                    }
                }
                chunk.clear();
                int n = wait.isForever() ? reader.read(chunk)
                        : wait.isNone() ? reader.readNow(chunk) : reader.read(chunk, remaining(deadline));
                chunk.flip();
                if (n == 0) {
                    return null;
                }
                if (n < 0) {
                    reader.close();
                    reader = null;
                    if (line.size() > 0) {
                        return takeLine();
                    }
                    if (wait.isNone()) {
                        return null;
                    }
                }
            }
        }

        /**
         * Reads and drops the rest of a line found too long, a byte at a time (kept nowhere), up to and
         * including its newline, so that the next receive starts at the next line (until 2026-12-06
         * the rest reached the next receive as a message of its own); at end of file the line ends
         * there; within the receive's own wait (with {@link Wait#NONE}: what the FIFO holds now). Says
         * what was dropped. The {@link #MAX_LINE} bytes kept and the one past them are dropped already.
         */
        private String dropRestOfLine(Wait wait, long deadline) throws InterruptedException {
            long dropped = MAX_LINE + 1L;
            while (true) {
                chunk.clear();
                int n = wait.isForever() ? reader.read(chunk)
                        : wait.isNone() ? reader.readNow(chunk)
                        : deadline - System.nanoTime() > 0 ? reader.read(chunk, remaining(deadline)) : 0;
                chunk.flip();
                if (n == 0) {
                    return dropped + " bytes of it were read from the FIFO and dropped; the rest had not come when"
                            + " the wait (" + wait + ") ended and stays in the FIFO";
                }
                if (n < 0) {
                    reader.close();
                    reader = null;
                    return "its " + dropped + " bytes were read from the FIFO and dropped, up to end of file";
                }
                if (chunk.get() == '\n') {
                    return "its " + dropped + " bytes and its newline were read from the FIFO and dropped;"
                            + " the next message is the next line";
                }
                dropped++;
            }
        }

        private PipeReader openReaderUntil(long deadline) throws InterruptedException {
            try {
                return Fifo.openReader(path, remaining(deadline));
            } catch (OpenTimeoutException timedOut) {
                return null;
            }
        }

        private static Duration remaining(long deadline) {
            return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        }

        private Message takeLine() {
            Message message = new Message(line.toByteArray(), 0);
            line.reset();
            return message;
        }

        @Override
        public void close() {
            if (writer != null) {
                writer.close();
            }
            if (reader != null) {
                reader.close();
            }
        }
    }
}
