package io.jipc.filelock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for file locks,
 * with the interrupt status set before the call: {@code lock} and {@code tryLock(mode, timeout)} of
 * a free lock take it and keep the status; of a lock another open holds they throw
 * {@link InterruptedException}, clear the status and hold nothing, also with a zero or negative
 * timeout; {@code tryLock(mode)} never looks at the status. A 30 s timeout returns at once because it
 * throws.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FileLockInterruptRuleTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearStatus() {
        Thread.interrupted();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void lockAndTryLock(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        Path path = dir.resolve("locked");
        try (LockableFile mine = LockableFile.openOrCreate(path);
             LockableFile other = LockableFile.open(path)) {
            FileLock free = completesInterrupted(() -> mine.tryLock(LockMode.EXCLUSIVE, timeout));
            assertNotNull(free, "a free lock is taken");
            free.release();
            completesInterrupted(() -> mine.lock(LockMode.EXCLUSIVE)).release();
            completesInterrupted(() -> mine.tryLock(LockMode.EXCLUSIVE)).release();

            FileLock held = other.lock(LockMode.EXCLUSIVE);
            throwsInterrupted(() -> mine.tryLock(LockMode.EXCLUSIVE, timeout));
            throwsInterrupted(() -> mine.lock(LockMode.EXCLUSIVE));
            assertNull(completesInterrupted(() -> mine.tryLock(LockMode.EXCLUSIVE)));
            assertNull(mine.heldLock(), "nothing is held after the throws");
            assertFalse(mine.hasWaiter());
            held.release();
            assertNotNull(mine.tryLock(LockMode.EXCLUSIVE, Duration.ofMinutes(1)));
        }
    }
}
