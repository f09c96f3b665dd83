package io.jipc.bench.aeron;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * A C library of {@code jipc-bench interleaved} that the parent compiles and names in a system
 * property (for itself and, on the command line, for its peer), bound once per process: a later run
 * in the same JVM (the tests) keeps using the first one, which stays mapped after its file is
 * deleted.
 *
 * @param <T> the Java side holding the library's method handles
 */
final class CompiledLibrary<T> {
    private final String property;
    private final String what;
    private final Function<Path, T> binder;
    private T bound;

    /**
     * @param property the system property naming the compiled library
     * @param what     what the library is, for the error when it was not compiled ("the C ring")
     * @param binder   looks the library's functions up
     */
    CompiledLibrary(String property, String what, Function<Path, T> binder) {
        this.property = property;
        this.what = what;
        this.binder = binder;
    }

    /** The library named by the property, bound on first use. */
    synchronized T get() {
        if (bound == null) {
            String library = System.getProperty(property);
            if (library == null) {
                throw new IllegalStateException(what + " library was not compiled (property " + property + ")");
            }
            bound = binder.apply(Path.of(library));
        }
        return bound;
    }
}
