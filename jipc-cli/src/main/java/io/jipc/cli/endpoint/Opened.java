package io.jipc.cli.endpoint;

import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An object a kind opened for {@code send} or {@code recv}, and whether this open created it, so that
 * the command can tell the user that a name it typed (a typo, say) made a new object. Any thread.
 *
 * @param created true only if this call's exclusive create made the object; false if it existed
 */
record Opened<T>(T object, boolean created) {

    /**
     * Creates the object exclusively ({@code create}: {@code O_EXCL}, or the jipc file's exclusive
     * create); if that fails because the name is taken ({@code taken}: the object exists, or a
     * concurrent create or destroy got in between), opens what has the name through the library's
     * {@code openOrCreate}, which copes with the races (it may then still create, after a destroy in
     * between: not reported as created, a notice missed rather than a wrong one). Blocks as those do.
     *
     * @param taken the exceptions of {@code create} that mean "the name is taken or changed meanwhile";
     *              any other propagates
     */
    static <T> Opened<T> createOrOpen(Supplier<T> create, Predicate<RuntimeException> taken, Supplier<T> openOrCreate) {
        try {
            return new Opened<>(create.get(), true);
        } catch (RuntimeException e) {
            if (!taken.test(e)) {
                throw e;
            }
        }
        return new Opened<>(openOrCreate.get(), false);
    }
}
