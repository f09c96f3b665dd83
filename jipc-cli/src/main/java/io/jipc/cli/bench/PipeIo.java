package io.jipc.cli.bench;

import io.jipc.platform.Libc;

import java.lang.foreign.MemorySegment;

/**
 * Whole-message reads and writes on a blocking pipe descriptor, for the pipe reference of the
 * benchmark (and of {@code jipc-bench interleaved}'s {@code pipe} transport).
 */
public final class PipeIo {
    private PipeIo() {
    }

    /** Reads exactly {@code size} bytes; false at end of file before any byte. */
    public static boolean readFully(int fd, MemorySegment buffer, int size, String name) {
        long done = 0;
        while (done < size) {
            long n = Libc.read(fd, buffer.address() + done, size - done, name);
            if (n == 0) {
                if (done == 0) {
                    return false;
                }
                throw new IllegalStateException("end of file in the middle of a message on " + name);
            }
            done += n;
        }
        return true;
    }

    /** Writes all {@code size} bytes. */
    public static void writeFully(int fd, MemorySegment buffer, int size, String name) {
        long done = 0;
        while (done < size) {
            done += Libc.write(fd, buffer.address() + done, size - done, name);
        }
    }
}
