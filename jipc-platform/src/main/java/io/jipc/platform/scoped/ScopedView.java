package io.jipc.platform.scoped;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Objects;

/**
 * A view of memory that lives shorter than the memory: the same bytes, usable only while a given
 * arena is alive (and, for a confined arena, only by its owner thread). A view handed out for a
 * bounded use (a lock held, a section open) then fails once that use has ended, with the
 * {@link IllegalStateException} of any segment whose arena is closed, instead of reaching memory
 * that is no longer the holder's to touch.
 *
 * <p>Making the view is a restricted operation of the FFM API ({@link MemorySegment#reinterpret(Arena,
 * java.util.function.Consumer)}); it is done here, in the module that has native access, and this
 * package is exported only to the jipc modules that use it.
 *
 * <p>Who may call: the owner of {@code memory}, for memory that is never freed explicitly (of an
 * automatic or the global arena). The view keeps {@code memory} reachable, so an automatic arena
 * does not free it while the view can be used; it does not check that {@code memory}'s own arena
 * is alive. Nothing blocks.
 */
public final class ScopedView {
    private ScopedView() {
    }

    /**
     * A view of {@code memory} (same address, size and read-only state) whose accesses are valid
     * while {@code scope} is alive.
     */
    public static MemorySegment of(MemorySegment memory, Arena scope) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(scope, "scope");
        // the cleanup is held by the scope until it closes: it keeps memory (and its automatic arena) reachable
        return memory.reinterpret(scope, ignored -> Reference.reachabilityFence(memory));
    }
}
