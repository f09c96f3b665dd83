package io.jipc.filelock;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** File locks between real processes: a child JVM holds a lock, this JVM contends for it. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FileLockProcessTest {
    private static final Duration START = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private Path file() throws IOException {
        Path path = dir.resolve("shared.dat");
        if (!Files.exists(path)) {
            Files.createFile(path);
        }
        return path;
    }

    private ChildJvm holder(Path path, String mode) {
        ChildJvm child = ChildJvm.builder(LockHolder.class).args(path.toString(), mode).quickStart().start();
        child.awaitLine("LOCKED", START);
        return child;
    }

    private static void release(ChildJvm child) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write("release\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        child.awaitLine("RELEASED", START);
        child.assertSuccess(START);
    }

    @Test
    void anExclusiveLockExcludesEveryOtherProcessUntilReleased() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "EXCLUSIVE"); LockableFile file = LockableFile.open(path)) {
            assertNull(file.tryLock(LockMode.EXCLUSIVE), "try-lock returns at once without the lock");
            assertNull(file.tryLock(LockMode.SHARED));
            CompletableFuture<FileLock> waiting = CompletableFuture.supplyAsync(() -> lock(file, LockMode.EXCLUSIVE));
            release(child);
            try (FileLock lock = waiting.get(1, TimeUnit.MINUTES)) {
                assertTrue(lock.isValid());
                assertEquals(LockMode.EXCLUSIVE, lock.mode());
            }
        }
    }

    @Test
    void sharedLocksCoexistAndKeepExclusiveOnesOut() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "SHARED");
             LockableFile reader = LockableFile.open(path); LockableFile writer = LockableFile.open(path)) {
            try (FileLock shared = reader.tryLock(LockMode.SHARED)) {
                assertNotNull(shared, "a second reader gets a shared lock beside the child's");
                assertNull(writer.tryLock(LockMode.EXCLUSIVE));
            }
            assertNull(writer.tryLock(LockMode.EXCLUSIVE), "the child still reads");
            release(child);
            try (FileLock exclusive = writer.tryLock(LockMode.EXCLUSIVE)) {
                assertNotNull(exclusive);
            }
        }
    }

    @Test
    void aHolderKilledWithSigkillReleasesItsLock() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "EXCLUSIVE"); LockableFile file = LockableFile.open(path)) {
            CompletableFuture<FileLock> waiting = CompletableFuture.supplyAsync(() -> lock(file, LockMode.EXCLUSIVE));
            child.kill();
            try (FileLock lock = waiting.get(1, TimeUnit.MINUTES)) {
                assertTrue(lock.isValid());
            }
        }
    }

    @Test
    void aTimedLockTimesOutAndLeavesNothingBehind() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "EXCLUSIVE"); LockableFile file = LockableFile.open(path)) {
            assertNull(file.tryLock(LockMode.SHARED, Duration.ofMillis(300)));
            assertNull(file.tryLock(LockMode.EXCLUSIVE, Duration.ZERO));
            release(child);
            try (LockableFile other = LockableFile.open(path); FileLock lock = other.tryLock(LockMode.EXCLUSIVE)) {
                assertNotNull(lock, "the timed-out wait took no lock afterwards");
            }
            try (FileLock lock = file.tryLock(LockMode.EXCLUSIVE, Duration.ofMinutes(1))) {
                assertNotNull(lock);
            }
        }
    }

    @Test
    void anInterruptedWaitThrowsAndHoldsNothing() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "EXCLUSIVE"); LockableFile file = LockableFile.open(path)) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    file.lock(LockMode.EXCLUSIVE);
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            awaitWaiting(file);
            waiter.interrupt();
            assertInstanceOf(InterruptedException.class, outcome.get(1, TimeUnit.MINUTES));
            release(child);
            try (LockableFile other = LockableFile.open(path); FileLock lock = other.tryLock(LockMode.EXCLUSIVE)) {
                assertNotNull(lock, "the interrupted wait holds nothing");
            }
            assertNull(file.heldLock());
        }
    }

    @Test
    void aVirtualThreadWaitsWithoutPinningAndGetsTheLock() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "EXCLUSIVE"); LockableFile file = LockableFile.open(path)) {
            CompletableFuture<FileLock> got = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> got.complete(lock(file, LockMode.SHARED)));
            awaitWaiting(file);
            release(child);
            try (FileLock lock = got.get(1, TimeUnit.MINUTES)) {
                assertEquals(LockMode.SHARED, lock.mode());
            }
        }
    }

    @Test
    void closingTheFileEndsAWaitWithClosedException() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "EXCLUSIVE")) {
            LockableFile file = LockableFile.open(path);
            CompletableFuture<FileLock> waiting = CompletableFuture.supplyAsync(() -> lock(file, LockMode.EXCLUSIVE));
            awaitWaiting(file);
            file.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(1, TimeUnit.MINUTES));
            assertInstanceOf(io.jipc.ClosedException.class, e.getCause());
            release(child);
        }
    }

    /**
     * An interrupt closes the channel a write was in for good (as any {@code FileChannel}); the lock,
     * on the file's own open, stays held for other processes, and {@code channel()} gives a working
     * channel again. Before, it kept returning the closed one.
     */
    @Test
    void anInterruptClosesTheChannelButNotTheLockAndChannelGivesANewOne() throws Exception {
        Path path = file();
        try (LockableFile file = LockableFile.open(path); FileLock lock = file.tryLock(LockMode.EXCLUSIVE)) {
            assertNotNull(lock);
            FileChannel interrupted = file.channel();
            Thread.currentThread().interrupt();
            try {
                assertThrows(ClosedByInterruptException.class, () -> interrupted.write(ascii("lost"), 0));
            } finally {
                Thread.interrupted();
            }
            assertFalse(interrupted.isOpen());
            assertEquals("TRIED held", probe(path), "the lock is still held for other processes");
            assertTrue(lock.isValid());
            assertSame(lock, file.heldLock());
            FileChannel again = file.channel();
            assertTrue(again.isOpen(), "channel() replaces the closed channel");
            assertEquals(4, again.write(ascii("kept"), 0));
            assertSame(again, file.channel());
        }
        assertEquals("kept", Files.readString(path, StandardCharsets.US_ASCII));
        assertEquals("TRIED free", probe(path));
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** What another process's try for an exclusive lock on {@code path} finds. */
    private static String probe(Path path) {
        try (ChildJvm child = ChildJvm.builder(LockProbe.class).args(path.toString()).quickStart().start()) {
            String line = child.awaitLine("TRIED", START);
            child.assertSuccess(START);
            return line;
        }
    }

    @Test
    void javasFileChannelLockInAnotherProcessConflicts() throws Exception {
        Path path = file();
        try (ChildJvm child = holder(path, "POSIX"); LockableFile file = LockableFile.open(path)) {
            assertNull(file.tryLock(LockMode.SHARED), "POSIX record locks and OFD locks are one lock space");
            release(child);
            try (FileLock lock = file.tryLock(LockMode.EXCLUSIVE)) {
                assertNotNull(lock);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(LockMode.class)
    void twoOpensInOneProcessExcludeEachOther(LockMode first) throws Exception {
        Path path = file();
        try (LockableFile a = LockableFile.open(path); LockableFile b = LockableFile.open(path)) {
            FileLock held = a.tryLock(first);
            assertNotNull(held);
            assertNull(b.tryLock(LockMode.EXCLUSIVE));
            assertThrows(IllegalStateException.class, () -> a.tryLock(LockMode.SHARED), "one lock per open");
            held.release();
            held.release();
            try (FileLock lock = b.tryLock(LockMode.EXCLUSIVE)) {
                assertNotNull(lock);
                assertTrue(!held.isValid());
            }
        }
    }

    @Test
    void aReaderOfAnotherUserLocksOutWritersHere() throws Exception {
        Optional<String> cannot = ChildJvm.cannotRunAsOtherUser();
        assumeTrue(cannot.isEmpty(), () -> cannot.orElseThrow());
        Path shared = Files.createTempDirectory("jipc-filelock-users");
        Path path = shared.resolve("report.txt");
        try {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
            try (ChildJvm reader = ChildJvm.builder(LockHolder.class).args(path.toString(), "READER")
                    .asUser(65534, 65534).quickStart().start();
                 LockableFile writer = LockableFile.open(path)) {
                reader.awaitLine("LOCKED", START);
                assertNull(writer.tryLock(LockMode.EXCLUSIVE), "locks work across users");
                try (FileLock lock = writer.tryLock(LockMode.SHARED)) {
                    assertNotNull(lock);
                }
                release(reader);
                try (FileLock lock = writer.tryLock(LockMode.EXCLUSIVE)) {
                    assertNotNull(lock);
                }
            }
        } finally {
            Files.deleteIfExists(path);
            Files.deleteIfExists(shared);
        }
    }

    @Test
    void aFileOpenForReadingTakesOnlySharedLocks() throws Exception {
        Path path = file();
        try (LockableFile reader = LockableFile.openForReading(path)) {
            assertThrows(IllegalStateException.class, () -> reader.tryLock(LockMode.EXCLUSIVE));
            assertThrows(NullPointerException.class, () -> reader.tryLock(null));
            try (FileLock lock = reader.lock(LockMode.SHARED)) {
                assertTrue(lock.isValid());
            }
        }
    }

    @Test
    void badInputGetsClearErrors() throws Exception {
        io.jipc.ErrnoException missing = assertThrows(io.jipc.ErrnoException.class,
                () -> LockableFile.open(dir.resolve("missing")));
        assertEquals("ENOENT", missing.errnoName());
        LockableFile file = LockableFile.openOrCreate(dir.resolve("created"));
        file.close();
        file.close();
        assertThrows(io.jipc.ClosedException.class, () -> file.tryLock(LockMode.SHARED));
    }

    @Test
    void processesAppendingUnderTheLockNeverTearARecord() throws Exception {
        Path path = file();
        int processes = 3;
        int records = 300;
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int p = 0; p < processes; p++) {
                children.add(ChildJvm.builder(Appender.class).args(path.toString(), "p" + p, Integer.toString(records))
                        .quickStart().start());
            }
            for (ChildJvm child : children) {
                child.assertSuccess(Duration.ofMinutes(2));
            }
        } finally {
            children.forEach(ChildJvm::close);
        }
        Map<String, Integer> next = new HashMap<>();
        List<String> lines = Files.readAllLines(path, StandardCharsets.US_ASCII);
        assertEquals(processes * records, lines.size());
        for (String line : lines) {
            String[] parts = line.split(":");
            assertEquals(3, parts.length, "torn record: " + line);
            int i = Integer.parseInt(parts[1]);
            assertEquals(next.getOrDefault(parts[0], 0), i, "records of one process in order");
            assertEquals(Integer.toString((parts[0] + i).hashCode()), parts[2], "torn record: " + line);
            next.put(parts[0], i + 1);
        }
    }

    /** Waits until a thread of this JVM sleeps in the kernel for a lock of {@code file}. */
    private static void awaitWaiting(LockableFile file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!file.hasWaiter()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nobody waits for the lock");
            }
            Thread.sleep(10);
        }
        Thread.sleep(50);
    }

    private static FileLock lock(LockableFile file, LockMode mode) {
        try {
            return file.lock(mode);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
