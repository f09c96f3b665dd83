package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The raw futex calls of {@link Libc} on a word of a shared mapping. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LibcFutexTest {

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void waitReturnsEagainAtOnceWhenTheWordDoesNotHoldTheExpectedValue() {
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            file.memory.set(ValueLayout.JAVA_INT, 0, 5);
            assertEquals(Errno.EAGAIN, Libc.futexWait(file.address(0), 4, -1), "untimed");
            assertEquals(Errno.EAGAIN, Libc.futexWait(file.address(0), 0, 1_000_000_000L), "timed");
        }
    }

    @Test
    void waitReturnsEtimedoutAfterAShortTimeout() {
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            int rc;
            do {
                rc = Libc.futexWait(file.address(0), 0, TimeUnit.MILLISECONDS.toNanos(20));
            } while (rc == Errno.EINTR);
            assertEquals(Errno.ETIMEDOUT, rc);
            assertEquals(Errno.ETIMEDOUT, Libc.futexWait(file.address(0), 0, 0), "a zero timeout");
        }
    }

    @Test
    void waitOnAnUnmappedAddressReturnsEfaultInsteadOfCrashing() {
        assertEquals(Errno.EFAULT, Libc.futexWait(0L, 0, -1));
    }

    /**
     * {@link Libc#futexHolds} compares in the kernel: true for the value the word holds, false for
     * another, false (not a crash) for an unmapped word; and it neither sleeps nor wakes a waiter.
     */
    @Test
    void holdsComparesTheWordWithoutSleepingOrWakingAWaiter() throws Exception {
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            file.memory.set(ValueLayout.JAVA_INT, 0, 7);
            assertTrue(Libc.futexHolds(file.address(0), 7));
            assertFalse(Libc.futexHolds(file.address(0), 6));
            assertFalse(Libc.futexHolds(4096L, 0), "an unmapped word");
            int fd = Libc.open(file.path.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment readOnly = Libc.mapShared(fd, 4096, false, false, arena, "read-only");
                assertTrue(Libc.futexHolds(readOnly.address(), 7), "a word of a read-only mapping");
                assertFalse(Libc.futexHolds(readOnly.address(), 6));
            } finally {
                Libc.close(fd);
            }
            AtomicInteger outcome = new AtomicInteger(-1);
            CompletableFuture<Integer> tid = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                tid.complete(Signals.gettid());
                outcome.set(Libc.futexWait(file.address(0), 7, -1));
            });
            awaitAsleepOn(tid.get(20, TimeUnit.SECONDS), file.address(0));
            for (int i = 0; i < 100; i++) {
                assertTrue(Libc.futexHolds(file.address(0), 7));
            }
            waiter.join(200);
            assertTrue(waiter.isAlive(), "a comparison woke the waiter: " + outcome.get());
            assertEquals(1, Libc.futexWake(file.address(0), 1));
            waiter.join();
            assertEquals(Libc.FUTEX_WOKEN, outcome.get());
        }
    }

    /**
     * Waits (a hang guard of 20 s) until this process's OS thread {@code tid} sleeps in {@code futex}
     * on the word at {@code address}: {@code /proc/self/task/TID/syscall} names the call (202 on x86-64,
     * 98 on aarch64) and its first argument. After a fixed sleep (100 ms) a waiter that a loaded host
     * had not yet let into the call would have made the comparisons prove nothing, and the wake find
     * nobody (expected 1 but was 0), the waiter then asleep for good.
     */
    private static void awaitAsleepOn(int tid, long address) throws Exception {
        String futex = System.getProperty("os.arch").equals("aarch64") ? "98" : "202";
        String asleep = futex + " 0x" + Long.toHexString(address) + " ";
        Path syscall = Path.of("/proc/self/task/" + tid + "/syscall");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(syscall).startsWith(asleep)) {
            assertTrue(System.nanoTime() - deadline < 0, "thread " + tid + " never slept on the word: "
                    + Files.readString(syscall));
            Thread.sleep(1);
        }
    }

    @Test
    void aMisalignedWordIsRefusedWithAnException() {
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.futexWait(file.address(1), 0, -1));
            assertEquals(Errno.EINVAL, e.errno());
            assertEquals("futex wait", e.call());
            assertThrows(ErrnoException.class, () -> Libc.futexWake(file.address(2), 1));
        }
    }

    @Test
    void wakeWithoutWaitersWakesNobody() {
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            assertEquals(0, Libc.futexWake(file.address(0), Integer.MAX_VALUE));
        }
    }

    @Test
    void aWakeFromAnotherThreadReleasesAWaiterWhoseWordDidNotChange() throws InterruptedException {
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            long word = file.address(0);
            AtomicInteger result = new AtomicInteger(Integer.MIN_VALUE);
            Thread waiter = Thread.ofPlatform().start(() -> {
                int rc;
                do {
                    rc = Libc.futexWait(word, 0, -1); // no timeout: only a wake ends it
                } while (rc == Errno.EINTR);
                result.set(rc);
            });
            // the word stays 0: only FUTEX_WAKE can release the waiter; it is released once a wake finds it asleep
            int woken = 0;
            while (woken == 0) {
                woken = Libc.futexWake(word, 1);
                if (woken == 0) {
                    Thread.sleep(1);
                }
            }
            assertEquals(1, woken);
            waiter.join();
            assertEquals(Libc.FUTEX_WOKEN, result.get());
        }
    }

    @Test
    void aWakeThroughASecondMappingReleasesAWaiterOnTheFirst() throws InterruptedException {
        Path path = dir.resolve("word");
        try (MappedFile first = MappedFile.create(path, 4096); MappedFile second = MappedFile.map(path)) {
            AtomicInteger result = new AtomicInteger(Integer.MIN_VALUE);
            Thread waiter = Thread.ofPlatform().start(() -> {
                int rc;
                do {
                    rc = Libc.futexWait(first.address(64), 0, -1);
                } while (rc == Errno.EINTR);
                result.set(rc);
            });
            // shared futexes are keyed by file and offset, not by virtual address
            while (Libc.futexWake(second.address(64), 1) == 0) {
                Thread.sleep(1);
            }
            waiter.join();
            assertEquals(Libc.FUTEX_WOKEN, result.get());
        }
    }

    @Test
    void wakeCountsAndReleasesEveryWaiter() throws InterruptedException {
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            long word = file.address(0);
            int waiters = 5;
            Thread[] threads = new Thread[waiters];
            AtomicInteger wokenByWake = new AtomicInteger();
            for (int i = 0; i < waiters; i++) {
                threads[i] = Thread.ofPlatform().start(() -> {
                    int rc;
                    do {
                        rc = Libc.futexWait(word, 0, -1);
                    } while (rc == Errno.EINTR);
                    if (rc == Libc.FUTEX_WOKEN) {
                        wokenByWake.incrementAndGet();
                    }
                });
            }
            int woken = 0;
            while (woken < waiters) {
                woken += Libc.futexWake(word, Integer.MAX_VALUE);
                Thread.sleep(1);
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(waiters, woken);
            assertEquals(waiters, wokenByWake.get());
        }
    }
}
