package io.jipc.bench.aeron;

import io.jipc.bench.GccLibrary;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The C reference ring of {@code jipc-bench interleaved} ({@code cring.c}, a resource of this
 * package): compiled with {@code gcc} into the run's directory by the parent, loaded by both
 * processes, called through {@code java.lang.foreign}. Benchmark code, not part of jipc: jipc's own
 * downcalls all live in its platform module.
 *
 * <p>The round trip's call ({@code cring_exchange}) is linked as a critical function (no thread
 * state change, as cheap as a call can be; it returns within about 100 ms, so it never holds up a
 * safepoint for long); the calls that run whole blocks are ordinary downcalls.
 */
final class CRing {
    /** The system property naming the compiled library, set by the parent for itself and its peer. */
    static final String LIBRARY_PROPERTY = "jipc.bench.cring";
    /** Longs of each process's state array ({@code ST_LENGTH} in the C source). */
    static final int STATE_LONGS = 8;
    static final int ST_VALUE = 3;
    static final int ST_EXPECTED = 4;
    static final int ST_SENT = 5;
    static final int ST_BAD_VALUE = 6;
    static final int ST_BAD_EXPECTED = 7;
    /** Bytes of the control page in front of each direction's data. */
    static final long CONTROL = 4096;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private static final CompiledLibrary<CRing> LIBRARY = new CompiledLibrary<>(LIBRARY_PROPERTY, "the C ring", CRing::new);

    final MethodHandle exchange;
    final MethodHandle await;
    final MethodHandle echoBlock;
    final MethodHandle sendOneWay;
    final MethodHandle sinkBlock;

    private CRing(Path library) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        Linker linker = Linker.nativeLinker();
        exchange = linker.downcallHandle(lookup.findOrThrow("cring_exchange"),
                FunctionDescriptor.of(LONG, PTR, PTR, LONG, PTR, INT, LONG), Linker.Option.critical(false));
        await = linker.downcallHandle(lookup.findOrThrow("cring_await"),
                FunctionDescriptor.of(LONG, PTR, LONG, PTR), Linker.Option.critical(false));
        echoBlock = linker.downcallHandle(lookup.findOrThrow("cring_echo_block"),
                FunctionDescriptor.of(LONG, PTR, PTR, LONG, PTR));
        sendOneWay = linker.downcallHandle(lookup.findOrThrow("cring_send_one_way"),
                FunctionDescriptor.of(LONG, PTR, PTR, LONG, PTR, INT, LONG, LONG));
        sinkBlock = linker.downcallHandle(lookup.findOrThrow("cring_sink_block"),
                FunctionDescriptor.of(LONG, PTR, PTR, LONG, PTR, INT));
    }

    /** The library named by {@value #LIBRARY_PROPERTY}, bound once per process ({@link CompiledLibrary}). */
    static CRing get() {
        return LIBRARY.get();
    }

    /**
     * Compiles {@code cring.c} into {@code library} with {@code gcc -O2}.
     *
     * @throws IllegalStateException if gcc is missing or fails, with its output
     */
    static void compile(Path library) throws IOException, InterruptedException {
        GccLibrary.compile(CRing.class, "cring.c", library);
    }

    /** Wraps a checked throwable of an invocation. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    static long stateLong(MemorySegment state, int index) {
        return state.getAtIndex(LONG, index);
    }
}
