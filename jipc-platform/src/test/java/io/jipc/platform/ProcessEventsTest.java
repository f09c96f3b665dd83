package io.jipc.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The downcalls behind watches and name removal: a pidfd becomes readable when its process exits and
 * refuses a dead or reused identity; an eventfd wakes a poll; inotify reports links and unlinks in a
 * directory; a directory's flock excludes a second description until released.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessEventsTest {

    @Test
    void aPidfdBecomesReadableWhenItsProcessIsKilled() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            ProcessIdentity identity = ProcessIdentity.of(sleeper.pid()).orElseThrow();
            int pidfd = PidFd.open(identity).orElseThrow();
            int wake = Poll.newWakeFd();
            try {
                assertEquals(List.of((short) 0, (short) 0), asList(Poll.await(new int[] {wake, pidfd}, Poll.IN, 0)));
                sleeper.destroyForcibly();
                short[] ready = Poll.await(new int[] {wake, pidfd}, Poll.IN, 30_000);
                assertEquals(0, ready[0]);
                assertTrue((ready[1] & Poll.IN) != 0, "the pidfd of a killed process is readable");
            } finally {
                Libc.close(pidfd);
                Libc.close(wake);
            }
            sleeper.waitFor();
            assertEquals(OptionalInt.empty(), PidFd.open(identity), "a reaped process has no pidfd");
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aPidfdIsRefusedForALivePidWithAnotherStartTime() {
        ProcessIdentity me = ProcessIdentity.current();
        assertEquals(OptionalInt.empty(), PidFd.open(new ProcessIdentity(me.pid(), me.startTime() + 1)));
        int pidfd = PidFd.open(me).orElseThrow();
        Libc.close(pidfd);
    }

    @Test
    void anEventfdWakesAPollFromAnotherThread() throws Exception {
        int wake = Poll.newWakeFd();
        try {
            CountDownLatch polling = new CountDownLatch(1);
            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    polling.await();
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                Poll.wake(wake);
            });
            polling.countDown();
            short[] ready = Poll.await(new int[] {wake}, Poll.IN, -1);
            assertTrue((ready[0] & Poll.IN) != 0);
            waker.join();
            Poll.drain(wake);
            assertEquals(0, Poll.await(new int[] {wake}, Poll.IN, 0)[0], "drained");
        } finally {
            Libc.close(wake);
        }
    }

    @Test
    void inotifyReportsLinksAndUnlinksInADirectory(@TempDir Path dir) throws Exception {
        try (Inotify inotify = Inotify.open()) {
            int watch = inotify.addDirectory(dir.toString(), Inotify.CREATE | Inotify.DELETE);
            assertEquals(List.of(), inotify.read());
            Path temporary = Files.writeString(dir.resolve(".tmp"), "x");
            Files.createLink(dir.resolve("name"), temporary);
            Files.delete(dir.resolve("name"));
            List<Inotify.Event> events = new java.util.ArrayList<>();
            while (events.size() < 3) {
                assertTrue((Poll.await(new int[] {inotify.fd()}, Poll.IN, 30_000)[0] & Poll.IN) != 0);
                events.addAll(inotify.read());
            }
            assertEquals(new Inotify.Event(watch, Inotify.CREATE, ".tmp"), events.get(0));
            assertEquals(new Inotify.Event(watch, Inotify.CREATE, "name"), events.get(1));
            assertEquals(new Inotify.Event(watch, Inotify.DELETE, "name"), events.get(2));
        }
    }

    @Test
    void aDirectoryLockExcludesASecondDescriptionUntilReleased(@TempDir Path dir) throws Exception {
        int first = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int second = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            FileLocks.lockExclusive(first, dir.toString());
            AtomicBoolean acquired = new AtomicBoolean();
            Thread contender = Thread.ofPlatform().start(() -> {
                FileLocks.lockExclusive(second, dir.toString());
                acquired.set(true);
            });
            contender.join(300);
            assertFalse(acquired.get(), "a second description of the same directory waits");
            FileLocks.unlock(first, dir.toString());
            contender.join(30_000);
            assertTrue(acquired.get());
        } finally {
            Libc.close(first);
            Libc.close(second);
        }
    }

    private static List<Short> asList(short[] values) {
        List<Short> list = new java.util.ArrayList<>();
        for (short v : values) {
            list.add(v);
        }
        return list;
    }
}
