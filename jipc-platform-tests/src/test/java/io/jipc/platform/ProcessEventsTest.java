package io.jipc.platform;

import io.jipc.testkit.ChildCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The downcalls behind name watches and name removal: a pidfd becomes readable when its process exits
 * and is refused for a dead or reused identity; inotify reports links and unlinks in a directory; a
 * directory's flock excludes a second description until released.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessEventsTest {
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Whether {@code fd} becomes readable within {@code timeoutNanos}. */
    private static boolean readable(int fd, long timeoutNanos) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = Readiness.pollSet(arena, 1);
            Readiness.set(set, 0, fd, Readiness.POLLIN);
            long deadline = System.nanoTime() + timeoutNanos;
            do {
                if (Readiness.poll(set, Math.max(0, deadline - System.nanoTime()), "test") > 0) {
                    return (Readiness.ready(set, 0) & Readiness.POLLIN) != 0;
                }
            } while (System.nanoTime() < deadline);
            return false;
        }
    }

    @Test
    void aPidfdBecomesReadableWhenItsProcessIsKilled() throws Exception {
        Process sleeper = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "60")).start();
        try {
            ProcessIdentity identity = ProcessIdentity.of(sleeper.pid()).orElseThrow();
            int pidfd = identity.openPidfd().orElseThrow();
            try {
                assertFalse(readable(pidfd, 0), "a running process's pidfd is not readable");
                sleeper.destroyForcibly();
                assertTrue(readable(pidfd, PATIENCE_NANOS), "the pidfd of a killed process is readable");
            } finally {
                Libc.close(pidfd);
            }
            sleeper.waitFor();
            assertEquals(OptionalInt.empty(), identity.openPidfd(), "a reaped process has no pidfd");
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aPidfdIsRefusedForALivePidWithAnotherStartTime() {
        ProcessIdentity me = ProcessIdentity.current();
        assertEquals(OptionalInt.empty(), new ProcessIdentity(me.pid(), me.startTime() + 1).openPidfd());
        Libc.close(me.openPidfd().orElseThrow());
    }

    @Test
    void inotifyReportsLinksAndUnlinksInADirectory(@TempDir(factory = ShmTempDir.class) Path dir) throws Exception {
        try (Inotify inotify = Inotify.open()) {
            int watch = inotify.addDirectory(dir.toString(), Inotify.CREATE | Inotify.DELETE);
            assertEquals(List.of(), inotify.read());
            Path temporary = Files.writeString(dir.resolve(".tmp"), "x");
            Files.createLink(dir.resolve("name"), temporary);
            Files.delete(dir.resolve("name"));
            List<Inotify.Event> events = new ArrayList<>();
            while (events.size() < 3) {
                assertTrue(readable(inotify.fd(), PATIENCE_NANOS));
                events.addAll(inotify.read());
            }
            assertEquals(new Inotify.Event(watch, Inotify.CREATE, ".tmp"), events.get(0));
            assertEquals(new Inotify.Event(watch, Inotify.CREATE, "name"), events.get(1));
            assertEquals(new Inotify.Event(watch, Inotify.DELETE, "name"), events.get(2));
        }
    }

    @Test
    void aDirectoryFlockExcludesASecondDescriptionUntilReleased(
            @TempDir(factory = ShmTempDir.class) Path dir) throws Exception {
        int first = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int second = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            FileLocks.flockExclusive(first, dir.toString());
            AtomicBoolean acquired = new AtomicBoolean();
            Thread contender = Thread.ofPlatform().start(() -> {
                FileLocks.flockExclusive(second, dir.toString());
                acquired.set(true);
            });
            contender.join(300);
            assertFalse(acquired.get(), "a second description of the same directory waits");
            FileLocks.flockRelease(first, dir.toString());
            contender.join(30_000);
            assertTrue(acquired.get());
        } finally {
            Libc.close(first);
            Libc.close(second);
        }
    }

    @Test
    void aNonBlockingDirectoryFlockFailsWhileAnotherDescriptionHoldsIt(
            @TempDir(factory = ShmTempDir.class) Path dir) {
        int first = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int second = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            assertTrue(FileLocks.tryFlockExclusive(first, dir.toString()));
            assertFalse(FileLocks.tryFlockExclusive(second, dir.toString()), "held by the first description");
            FileLocks.flockRelease(first, dir.toString());
            assertTrue(FileLocks.tryFlockExclusive(second, dir.toString()), "released");
            assertFalse(FileLocks.tryFlockExclusive(first, dir.toString()), "now held by the second");
        } finally {
            Libc.close(first);
            Libc.close(second);
        }
    }
}
