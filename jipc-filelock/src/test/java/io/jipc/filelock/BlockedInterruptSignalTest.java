package io.jipc.filelock;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A JVM whose parent blocked the JDK's I/O interrupt signal (62, which ends a wait in the kernel)
 * before starting it inherits the blocked mask in every thread. Its lock waits still end when given
 * up on: before, a timed wait, a closed file and an interrupt all left the caller re-sending the
 * signal for ever, since the signal stayed pending on the waiting thread.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BlockedInterruptSignalTest {
    /** Blocks signal 62, then becomes the rest of its command line (keeping its pid). */
    static final String[] BLOCK_62 = {"python3", "-c", "import os, signal, sys; "
            + "signal.pthread_sigmask(signal.SIG_BLOCK, {62}); os.execvp(sys.argv[1], sys.argv[1:])"};

    @TempDir
    Path dir;

    @Test
    void timedClosedAndInterruptedWaitsEndWithTheSignalBlocked() throws Exception {
        Path path = Files.createFile(dir.resolve("held"));
        Duration line = Duration.ofMinutes(1);
        try (LockableFile holder = LockableFile.open(path); FileLock lock = holder.tryLock(LockMode.EXCLUSIVE)) {
            assertNotNull(lock);
            try (ChildJvm child = ChildJvm.builder(BlockedSignalWaiter.class).wrapper(BLOCK_62)
                    .args(path.toString()).quickStart().hardTimeout(Duration.ofMinutes(2)).start()) {
                String mask = child.awaitLine("MASK", line).substring(5);
                assertEquals(1L << 61, Long.parseUnsignedLong(mask, 16) & (1L << 61), "signal 62 blocked: " + mask);
                assertEquals("TIMED null", child.awaitLine("TIMED", line), "not locked after the timeout");
                assertEquals("CLOSED ClosedException", child.awaitLine("CLOSED", line));
                assertEquals("INTERRUPTED InterruptedException", child.awaitLine("INTERRUPTED", line));
                child.awaitLine("DONE", line);
                child.assertSuccess(line);
            }
        }
    }
}
