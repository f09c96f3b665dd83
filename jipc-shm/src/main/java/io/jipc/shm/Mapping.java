package io.jipc.shm;

import io.jipc.platform.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A file mapped {@code MAP_SHARED} into this process, unmapped when its arena closes. */
record Mapping(Arena arena, MemorySegment segment) {

    /**
     * Maps {@code size} bytes of {@code fd} (which the caller still closes); a read-only mapping is
     * also a read-only segment, so that writes throw instead of faulting.
     */
    static Mapping of(int fd, long size, boolean writable, String subject) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment segment = Libc.mapShared(fd, size, writable, false, arena, subject);
            return new Mapping(arena, writable ? segment : segment.asReadOnly());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
