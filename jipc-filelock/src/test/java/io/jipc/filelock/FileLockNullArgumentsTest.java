package io.jipc.filelock;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A null argument to a public entry point of jipc-filelock is a {@link NullPointerException} at the
 * call whose message is the parameter's name (docs/architecture.md, Argument errors).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FileLockNullArgumentsTest {
    @TempDir
    Path dir;

    /** A call given an open lock file. */
    interface Call {
        void on(LockableFile file) throws Throwable;
    }

    static Stream<Arguments> calls() {
        return Stream.of(
                call("open(null)", "path", f -> LockableFile.open(null)),
                call("openForReading(null)", "path", f -> LockableFile.openForReading(null)),
                call("openOrCreate(null)", "path", f -> LockableFile.openOrCreate(null)),
                call("tryLock(null)", "mode", f -> f.tryLock(null)),
                call("lock(null)", "mode", f -> f.lock(null)),
                call("tryLock(null, timeout)", "mode", f -> f.tryLock(null, Duration.ZERO)),
                call("tryLock(mode, null)", "timeout", f -> f.tryLock(LockMode.EXCLUSIVE, null)));
    }

    private static Arguments call(String what, String parameter, Call call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call) {
        try (LockableFile file = LockableFile.openOrCreate(dir.resolve("nulls.lock"))) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> call.on(file), what);
            assertEquals(parameter, e.getMessage(), what);
            assertNull(file.heldLock(), what + " took a lock");
        }
    }
}
