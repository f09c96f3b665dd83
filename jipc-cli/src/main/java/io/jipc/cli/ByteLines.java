package io.jipc.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Lines of bytes, exactly as they came: the commands that send one message per line of standard input
 * ({@code jipc send}, {@code mailbox send}, {@code fifo write}) read them with this, and those that
 * print one message per line ({@code jipc recv}, {@code mailbox recv}) write them with
 * {@link #println}. A line ends at {@code '\n'} only, which is not part of it; a {@code '\r'} stays in
 * its line, and nothing is decoded, so bytes that are not UTF-8 pass unchanged. A last line without
 * {@code '\n'} is a line too; an empty input has none.
 *
 * <p>Not thread-safe. {@link #next()} blocks while the stream does; an {@link IOException} of the
 * stream is thrown as an {@link UncheckedIOException}.
 */
final class ByteLines implements Iterator<byte[]> {
    private final InputStream in;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;
    private boolean ended;
    private byte[] next;

    ByteLines(InputStream in) {
        this.in = in;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !ended) {
            next = readLine();
        }
        return next != null;
    }

    @Override
    public byte[] next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        byte[] line = next;
        next = null;
        return line;
    }

    /** The next line, or null at the end of the input. */
    private byte[] readLine() {
        ByteArrayOutputStream longLine = null;
        while (true) {
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    byte[] line = take(longLine, i);
                    position = i + 1;
                    return line;
                }
            }
            if (longLine == null) {
                longLine = new ByteArrayOutputStream();
            }
            longLine.write(buffer, position, limit - position);
            position = limit;
            if (!fill()) {
                ended = true;
                return longLine.size() == 0 ? null : longLine.toByteArray();
            }
        }
    }

    /** The bytes of the buffer up to {@code end}, after those of {@code longLine} if any. */
    private byte[] take(ByteArrayOutputStream longLine, int end) {
        if (longLine == null) {
            return Arrays.copyOfRange(buffer, position, end);
        }
        longLine.write(buffer, position, end - position);
        return longLine.toByteArray();
    }

    /** Reads more into the (consumed) buffer; false at the end of the input. */
    private boolean fill() {
        try {
            int n;
            do {
                n = in.read(buffer, 0, buffer.length);
            } while (n == 0);
            position = 0;
            limit = Math.max(n, 0);
            return n > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Prints {@code prefix} (UTF-8), the bytes of {@code line} as they are, and {@code '\n'}; errors are
     * {@code out}'s to record ({@link PrintStream#checkError()}).
     */
    static void println(PrintStream out, String prefix, byte[] line) {
        byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
        out.write(head, 0, head.length);
        out.write(line, 0, line.length);
        out.write('\n');
    }
}
