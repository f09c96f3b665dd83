package io.jipc.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes into a jipc file as a damaged or dying process leaves it: one field, in native byte order,
 * through the file (not a mapping), so that tests of hostile files and of what tools show need no
 * copy of this.
 */
public final class FileBytes {
    private FileBytes() {
    }

    /** Writes the low {@code bytes} (4 or 8) bytes of {@code value} at {@code offset} of {@code file}, in native order. */
    public static void write(Path file, long offset, int bytes, long value) throws IOException {
        if (bytes != 4 && bytes != 8) {
            throw new IllegalArgumentException("bytes must be 4 or 8: " + bytes);
        }
        try (FileChannel f = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            if (bytes == 8) {
                b.putLong(0, value);
            } else {
                b.putInt(0, (int) value).limit(4);
            }
            f.write(b, offset);
        }
    }
}
