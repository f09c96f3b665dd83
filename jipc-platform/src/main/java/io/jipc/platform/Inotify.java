package io.jipc.platform;

import io.jipc.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * File-system change notification, {@code inotify(7)}: one descriptor, non-blocking and
 * close-on-exec, that becomes readable ({@link Readiness#POLLIN}) when a watched directory changes.
 *
 * <p>Only its owner thread may call {@link #add} and {@link #read}; {@link #close()} once, after the
 * reading thread stopped. A name created with {@code link(2)} or {@code rename(2)} shows up as
 * {@link #CREATE} or {@link #MOVED_TO}; a removed one as {@link #DELETE} or {@link #MOVED_FROM}; when
 * the kernel's queue overflowed, {@link #Q_OVERFLOW} says events were lost (re-read the directory).
 */
public final class Inotify implements AutoCloseable {
    public static final int MOVED_FROM = 0x40;
    public static final int MOVED_TO = 0x80;
    public static final int CREATE = 0x100;
    public static final int DELETE = 0x200;
    public static final int DELETE_SELF = 0x400;
    public static final int Q_OVERFLOW = 0x4000;
    public static final int IGNORED = 0x8000;
    private static final int ONLYDIR = 0x0100_0000;
    private static final int IN_NONBLOCK = 04000;
    private static final int IN_CLOEXEC = 02000000;
    /** {@code struct inotify_event}: wd, mask, cookie, len, then len bytes of NUL-padded name. */
    private static final int EVENT_HEADER = 16;
    private static final int BUFFER = 64 * 1024;

    /** One change: the watch it came from, what happened ({@code mask} bits), the entry's name or "". */
    public record Event(int watch, int mask, String name) {
        public boolean is(int bits) {
            return (mask & bits) != 0;
        }
    }

    private static final class Handles {
        static final MethodHandle INIT = Libc.errno("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
        static final MethodHandle ADD = Libc.errno("inotify_add_watch",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    }

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(BUFFER, 8);

    private Inotify(int fd) {
        this.fd = fd;
    }

    /** A new inotify instance. */
    public static Inotify open() {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int fd;
        try {
            fd = (int) Handles.INIT.invokeExact(state, IN_NONBLOCK | IN_CLOEXEC);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            throw Errno.exception(Libc.errno(state), "inotify_init1", null);
        }
        return new Inotify(fd);
    }

    /** The descriptor, to wait on with {@link Readiness}. */
    public int fd() {
        return fd;
    }

    /** Watches the directory {@code path} for the events in {@code mask}; returns the watch number. */
    public int addDirectory(String path, int mask) {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment state = Libc.captureState();
            int wd;
            try {
                wd = (int) Handles.ADD.invokeExact(state, fd, local.allocateFrom(path), mask | ONLYDIR);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (wd < 0) {
                throw Errno.exception(Libc.errno(state), "inotify_add_watch", path);
            }
            return wd;
        }
    }

    /** The events queued now (empty if none); never blocks. */
    public List<Event> read() {
        long n;
        try {
            n = Libc.read(fd, buffer.address(), BUFFER, "inotify");
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN) {
                return List.of();
            }
            throw e;
        }
        return decode(buffer, n);
    }

    /** Decodes {@code length} bytes of {@code struct inotify_event}s as the kernel wrote them. */
    static List<Event> decode(MemorySegment bytes, long length) {
        List<Event> events = new ArrayList<>();
        long at = 0;
        while (at + EVENT_HEADER <= length) {
            int wd = bytes.get(JAVA_INT, at);
            int mask = bytes.get(JAVA_INT, at + 4);
            int nameLength = bytes.get(JAVA_INT, at + 12);
            long nameAt = at + EVENT_HEADER;
            if (nameLength < 0 || nameAt + nameLength > length) {
                break;
            }
            int end = 0;
            while (end < nameLength && bytes.get(JAVA_BYTE, nameAt + end) != 0) {
                end++;
            }
            byte[] name = bytes.asSlice(nameAt, end).toArray(JAVA_BYTE);
            events.add(new Event(wd, mask, new String(name, StandardCharsets.UTF_8)));
            at = nameAt + nameLength;
        }
        return events;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
