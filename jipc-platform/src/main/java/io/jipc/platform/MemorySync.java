package io.jipc.platform;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Writing a shared file mapping back to its file with {@code msync(2)}: what makes the contents
 * of a file-backed object (e.g. a durable mailbox on disk) survive a crash of the machine, not only
 * of the processes (the page cache keeps them across process deaths anyway).
 */
public final class MemorySync {
    private static final int MS_SYNC = 4;

    private static final class Msync {
        static final MethodHandle H = Libc.errno("msync", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG,
                JAVA_INT), -1);
    }

    private MemorySync() {
    }

    /**
     * Writes the dirty pages of {@code mapping} (a whole {@code MAP_SHARED} file mapping, page
     * aligned) to the file and waits until they are written.
     *
     * @param subject named in an error (e.g. the file)
     * @throws io.jipc.ErrnoException e.g. {@code EIO} when the device fails
     */
    public static void sync(MemorySegment mapping, String subject) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Msync.H.invokeExact(state, mapping.address(), mapping.byteSize(), MS_SYNC);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "msync", subject);
        }
    }
}
