package io.jipc.filelock;

import io.jipc.JipcException;
import io.jipc.platform.FileLocks;
import io.jipc.platform.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A wait in the kernel that the signal cannot end — here the helper is "ended" with SIGWINCH, which
 * the JVM leaves at its default action, ignored — fails the caller clearly instead of re-sending the
 * signal for ever; the abandoned helper gives up the lock it gets later and closes the descriptor
 * handed to it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LockWaiterAbandonTest {
    private static final int SIGWINCH = 28;

    @TempDir
    Path dir;

    @Test
    void aWaitTheSignalCannotEndFailsClearlyAndItsLateLockIsGivenUp() throws Exception {
        Path path = Files.createFile(dir.resolve("held"));
        LockableFile holder = LockableFile.open(path);
        FileLock held = holder.tryLock(LockMode.EXCLUSIVE);
        assertNotNull(held);
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        LockWaiter wait = new LockWaiter(fd, FileLocks.EXCLUSIVE, path.toString(), SIGWINCH);
        wait.start();
        awaitHelperInTheKernel();
        // preemptive: a caller re-sending the signal for ever would not hear the timeout's interrupt
        JipcException e = assertTimeoutPreemptively(Duration.ofMinutes(1), () -> assertThrows(JipcException.class,
                () -> wait.await(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100))));
        assertTrue(e.getMessage().contains("could not end the wait for a lock on " + path), e.getMessage());
        assertTrue(e.getMessage().contains("signal " + SIGWINCH), e.getMessage());
        assertFalse(wait.acquired());
        assertTrue(wait.closeWhenLeft(fd), "the helper still waits in the kernel, on fd");
        holder.close();
        assertTrue(wait.awaitLeft(1, TimeUnit.MINUTES), "the abandoned helper left once the lock was free");
        try (LockableFile other = LockableFile.open(path); FileLock lock = other.tryLock(LockMode.EXCLUSIVE)) {
            assertNotNull(lock, "the lock the abandoned helper got was given up");
        }
        assertFalse(held.isValid());
        assertNull(holder.heldLock());
    }

    /**
     * A caller waiting without a deadline while another thread (a close) gives up on the helper
     * returns: not locked, and the close's cancel says it abandoned the helper (until 2026-12-06 the
     * caller waited until the holder let go, for ever if it never did).
     */
    @Test
    void aCallerWithoutDeadlineReturnsWhenAnotherThreadAbandonsTheHelper() throws Exception {
        Path path = Files.createFile(dir.resolve("held"));
        try (LockableFile holder = LockableFile.open(path)) {
            assertNotNull(holder.tryLock(LockMode.EXCLUSIVE));
            int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CLOEXEC, 0);
            LockWaiter wait = new LockWaiter(fd, FileLocks.EXCLUSIVE, path.toString(), SIGWINCH);
            wait.start();
            awaitHelperInTheKernel();
            CompletableFuture<Boolean> caller = CompletableFuture.supplyAsync(() -> {
                try {
                    return wait.await(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertFalse(wait.cancel(), "the signal cannot end the helper's wait: it is abandoned");
            assertFalse(caller.get(1, TimeUnit.MINUTES), "the caller returned, holding no lock");
            assertTrue(wait.closeWhenLeft(fd), "the helper still waits in the kernel, on fd");
        }
    }

    /**
     * Waits until the helper thread sleeps in {@code F_OFD_SETLKW} ({@code wchan} {@code fcntl_setlk};
     * where the kernel hides wchan, until it sleeps at all), so that the deadline ends a wait in the
     * kernel rather than one that has not begun.
     */
    private static void awaitHelperInTheKernel() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() - deadline < 0) {
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        if (!Files.readString(task.resolve("comm")).startsWith("jipc-filelock-w")) {
                            continue;
                        }
                        String wchan = Files.readString(task.resolve("wchan")).strip();
                        String stat = Files.readString(task.resolve("stat"));
                        boolean sleeping = stat.charAt(stat.lastIndexOf(')') + 2) == 'S';
                        if (wchan.contains("setlk") || (wchan.equals("0") || wchan.isEmpty()) && sleeping) {
                            return;
                        }
                    } catch (IOException gone) {
                        // a thread that ended meanwhile
                    }
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the helper never waited in the kernel");
    }
}
