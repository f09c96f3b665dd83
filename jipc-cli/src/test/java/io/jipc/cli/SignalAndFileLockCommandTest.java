package io.jipc.cli;

import io.jipc.filelock.FileLock;
import io.jipc.filelock.LockMode;
import io.jipc.filelock.LockableFile;
import io.jipc.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jipc signal} and {@code jipc filelock} through {@link Main#run}, in this process. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SignalAndFileLockCommandTest {
    @TempDir
    Path dir;

    @Test
    void signalListSendAndWait() throws Exception {
        assertEquals(0, Main.run("signal", "list"));
        assertNotEquals(0, Main.run("signal", "send", "0", "USR1"), "pid 0 (my own group) is refused");
        assertNotEquals(0, Main.run("signal", "send", "1", "NOPE"));
        String self = Long.toString(ProcessHandle.current().pid());
        CompletableFuture<Integer> waited = CompletableFuture.supplyAsync(
                () -> Main.run("signal", "wait", "WINCH", "--timeout", "1m"));
        while (!waited.isDone()) {   // until the doorbell is open and rings (SIGWINCH is harmless here)
            assertEquals(0, Main.run("signal", "send", self, "WINCH"));
            Thread.sleep(20);
        }
        assertEquals(0, waited.get());
        assertEquals(1, Main.run("signal", "wait", "URG", "--timeout", "10ms"), "no ring in time");
        assertEquals(0, Main.run("signal", "wait", "URG", "--count", "0", "--timeout", "10ms"),
                "no limit on rings: a quiet --timeout is its end");
        assertEquals(1, Main.run("signal", "wait", "QUIT", "--timeout", "10ms"), "the JVM keeps SIGQUIT: refused");
        assertEquals(2, Main.run("signal", "wait", "NOPE"), "no such signal: a usage error");
    }

    @Test
    void filelockHoldTakesTheLockOrReportsItHeld() throws Exception {
        Path file = dir.resolve("f");
        assertEquals(0, Main.run("filelock", "hold", file.toString(), "--for", "10ms"));
        try (LockableFile other = LockableFile.open(file); FileLock lock = other.tryLock(LockMode.SHARED)) {
            assertNotNull(lock);
            CliRun once = CliRun.jipc("filelock", "hold", file.toString(), "--timeout", "0");
            assertEquals(1, once.exit());
            assertEquals("jipc filelock hold: " + file + " is locked by another process (tried once)\n", once.err());
            CliRun timed = CliRun.jipc("filelock", "hold", file.toString(), "--timeout", "20ms");
            assertEquals("jipc filelock hold: " + file + " is locked by another process (waited 20ms)\n", timed.err());
            assertEquals(0, Main.run("filelock", "hold", file.toString(), "--shared", "--timeout", "0", "--for", "0"));
        }
    }

    /** Stopped by SIGTERM (as by Ctrl-C's SIGINT), a holder releases the lock and says so, as at the end of its input. */
    @Test
    void aHolderStoppedWithSigtermReleasesTheLockAndSaysSo() throws Exception {
        Path file = dir.resolve("held");
        Duration line = Duration.ofMinutes(1);
        try (ChildJvm holder = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("filelock", "hold", file.toString()).start()) {
            assertEquals("locked " + file + " exclusive", holder.awaitLine("locked", line));
            holder.process().toHandle().destroy(); // SIGTERM; Process.destroy() would close our end of its output
            assertEquals(143, holder.waitFor(line), holder.output());
            assertTrue(holder.output().contains("released " + file + " (stopped)"), holder.output());
        }
        try (LockableFile after = LockableFile.open(file); FileLock lock = after.tryLock(LockMode.EXCLUSIVE)) {
            assertNotNull(lock, "released");
        }
    }
}
