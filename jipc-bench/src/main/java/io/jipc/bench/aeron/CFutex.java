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
 * The C futex-only ping-pong of {@code jipc-bench interleaved} ({@code cfutex.c}, a resource of
 * this package): compiled with {@code gcc} into the run's directory by the parent, loaded by both
 * processes, called through {@code java.lang.foreign}. Benchmark code, not part of jipc: jipc's own
 * downcalls all live in its platform module.
 *
 * <p>The calls block in {@code futex(FUTEX_WAIT)}, so they are ordinary downcalls (not critical
 * ones); each returns within about 100 ms.
 */
final class CFutex {
    /** The system property naming the compiled library, set by the parent for itself and its peer. */
    static final String LIBRARY_PROPERTY = "jipc.bench.cfutex";
    /** Longs of each process's state array ({@code ST_LENGTH} in the C source). */
    static final int STATE_LONGS = 3;
    /** Index of the value of the last message received in the state array. */
    static final int ST_VALUE = 2;
    /** Bytes of each direction's region: the futex word, then the payload from 64. */
    static final long REGION = 64 + 1024;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private static final CompiledLibrary<CFutex> LIBRARY = new CompiledLibrary<>(LIBRARY_PROPERTY, "the C futex",
            CFutex::new);

    final MethodHandle exchange;
    final MethodHandle await;
    final MethodHandle echoBlock;

    private CFutex(Path library) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        Linker linker = Linker.nativeLinker();
        exchange = linker.downcallHandle(lookup.findOrThrow("cfutex_exchange"),
                FunctionDescriptor.of(LONG, PTR, PTR, PTR, ValueLayout.JAVA_INT, LONG));
        await = linker.downcallHandle(lookup.findOrThrow("cfutex_await"), FunctionDescriptor.of(LONG, PTR, PTR));
        echoBlock = linker.downcallHandle(lookup.findOrThrow("cfutex_echo_block"),
                FunctionDescriptor.of(LONG, PTR, PTR, PTR, ValueLayout.JAVA_INT));
    }

    /** The library named by {@value #LIBRARY_PROPERTY}, bound once per process ({@link CompiledLibrary}). */
    static CFutex get() {
        return LIBRARY.get();
    }

    /**
     * Compiles {@code cfutex.c} into {@code library} with {@code gcc -O2}.
     *
     * @throws IllegalStateException if gcc is missing or fails, with its output
     */
    static void compile(Path library) throws IOException, InterruptedException {
        GccLibrary.compile(CFutex.class, "cfutex.c", library);
    }

    static long value(MemorySegment state) {
        return state.getAtIndex(LONG, ST_VALUE);
    }
}
