package io.jipc.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link ByteLines}: lines split at {@code '\n'} only, bytes unchanged, whatever the stream's read sizes. */
class ByteLinesTest {

    /** A stream that hands out at most {@code chunk} bytes a read. */
    private static InputStream trickling(byte[] bytes, int chunk) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }

    private static List<byte[]> lines(InputStream in) {
        List<byte[]> lines = new ArrayList<>();
        new ByteLines(in).forEachRemaining(lines::add);
        return lines;
    }

    private static List<String> text(InputStream in) {
        return lines(in).stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 64 * 1024})
    void splitsAtNewlineOnlyAndKeepsEveryOtherByte(int chunk) {
        assertEquals(List.of(), text(trickling(latin1(""), chunk)));
        assertEquals(List.of(""), text(trickling(latin1("\n"), chunk)));
        assertEquals(List.of("", ""), text(trickling(latin1("\n\n"), chunk)));
        assertEquals(List.of("a", "b"), text(trickling(latin1("a\nb"), chunk)), "a last line without newline");
        assertEquals(List.of("a", "b"), text(trickling(latin1("a\nb\n"), chunk)));
        assertEquals(List.of("dos\r", "\rmac\rstyle", "x"), text(trickling(latin1("dos\r\n\rmac\rstyle\nx\n"), chunk)));
        assertEquals(List.of("\u00ff\u00c3\u0000", "\u0080"), text(trickling(latin1("\u00ff\u00c3\u0000\n\u0080"), chunk)),
                "bytes that are not UTF-8, and NUL, pass unchanged");
    }

    @Test
    void linesLongerThanTheBufferAndAcrossItsBoundaryComeWhole() {
        Random random = new Random(42);
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        List<byte[]> expected = new ArrayList<>();
        for (int length : new int[] {65535, 65536, 65537, 0, 200_000, 1, 131_072, 7}) {
            byte[] line = new byte[length];
            random.nextBytes(line);
            for (int i = 0; i < line.length; i++) {
                if (line[i] == '\n') {
                    line[i] = '\r';
                }
            }
            expected.add(line);
            input.writeBytes(line);
            input.write('\n');
        }
        for (int chunk : new int[] {4093, 64 * 1024, Integer.MAX_VALUE}) {
            List<byte[]> got = lines(trickling(input.toByteArray(), chunk));
            assertEquals(expected.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                assertArrayEquals(expected.get(i), got.get(i), "line " + i + " read " + chunk + " bytes at a time");
            }
        }
    }

    @Test
    void theEndIsFinalAndAFailingStreamIsUnchecked() {
        ByteLines lines = new ByteLines(new ByteArrayInputStream(latin1("x")));
        assertArrayEquals(latin1("x"), lines.next());
        assertFalse(lines.hasNext());
        assertFalse(lines.hasNext());
        assertThrows(NoSuchElementException.class, lines::next);
        ByteLines failing = new ByteLines(new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("gone");
            }
        });
        assertThrows(UncheckedIOException.class, failing::hasNext);
    }

    @Test
    void printlnWritesThePrefixThenTheBytesAsTheyAre() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(out, false, StandardCharsets.UTF_8);
        ByteLines.println(stream, "3\t", new byte[] {'a', (byte) 0xff, '\r'});
        ByteLines.println(stream, "", new byte[0]);
        stream.flush();
        assertArrayEquals(new byte[] {'3', '\t', 'a', (byte) 0xff, '\r', '\n', '\n'}, out.toByteArray());
    }
}
