package io.jipc.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process's shared descriptor poller on pipes: readiness, cancellation (also of the epoll
 * registration, before a close), interrupts, deadlines. No duration is asserted; every wait for a
 * thread is bounded by a generous hang guard.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FdPollerTest {
    private static final long GUARD_MILLIS = 30_000;

    /** A thread that waits once on {@code fd} for {@code events}. */
    private static Thread waiter(Thread.Builder builder, int fd, int events, long deadline, AtomicBoolean cancelled) {
        return builder.start(() -> FdPoller.await(fd, events, deadline, cancelled::get));
    }

    private static void awaitParked(Thread thread) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GUARD_MILLIS);
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < guard, "the waiter never parked");
            Thread.sleep(5);
        }
    }

    private static void assertEnds(Thread thread) throws InterruptedException {
        thread.join(GUARD_MILLIS);
        assertFalse(thread.isAlive(), "the wait did not end");
    }

    private static void writeByte(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(1, Pipes.write(fd, arena.allocate(1), "test pipe"));
        }
    }

    @Test
    void aDescriptorThatBecomesReadableUnparksItsWaitersOfEitherKind() throws Exception {
        int[] pipe = Pipes.pipe();
        try {
            List<Thread> waiters = new ArrayList<>();
            for (Thread.Builder builder : List.of(Thread.ofVirtual(), Thread.ofPlatform())) {
                Thread w = waiter(builder, pipe[0], Sockets.POLLIN, FdPoller.FOREVER, new AtomicBoolean());
                awaitParked(w);
                waiters.add(w);
            }
            writeByte(pipe[1]);
            for (Thread w : waiters) {
                assertEnds(w);
            }
        } finally {
            Libc.close(pipe[0]);
            Libc.close(pipe[1]);
        }
    }

    @Test
    void anInterruptAndADeadlineEndTheWaitAndTheStatusStaysSet() throws Exception {
        int[] pipe = Pipes.pipe();
        try {
            AtomicBoolean statusKept = new AtomicBoolean();
            Thread interrupted = Thread.ofVirtual().start(() -> {
                FdPoller.await(pipe[0], Sockets.POLLIN, FdPoller.FOREVER, () -> false);
                statusKept.set(Thread.currentThread().isInterrupted());
            });
            awaitParked(interrupted);
            interrupted.interrupt();
            assertEnds(interrupted);
            assertTrue(statusKept.get(), "the interrupt status is the caller's to clear");

            Thread timed = waiter(Thread.ofVirtual(), pipe[0], Sockets.POLLIN,
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), new AtomicBoolean());
            assertEnds(timed);
        } finally {
            Libc.close(pipe[0]);
            Libc.close(pipe[1]);
        }
    }

    @Test
    void aCancelThatCameBeforeTheRegistrationIsNotMissed() throws Exception {
        int[] pipe = Pipes.pipe();
        try {
            AtomicBoolean cancelled = new AtomicBoolean(true);
            FdPoller.cancel(pipe[0]);
            assertEnds(waiter(Thread.ofVirtual(), pipe[0], Sockets.POLLIN, FdPoller.FOREVER, cancelled));
        } finally {
            FdPoller.cancel(pipe[0]);
            Libc.close(pipe[0]);
            Libc.close(pipe[1]);
        }
    }

    /**
     * A cancel unparks the waiters at once and takes the descriptor out of the epoll set: a copy of
     * the pipe end (as a forked child would hold) keeps the open file alive after the close, and the
     * kernel would otherwise keep watching it under the closed number.
     */
    @Test
    void aCancelUnparksTheWaitersAndLeavesNoRegistrationBehindTheClose() throws Exception {
        int[] pipe = Pipes.pipe();
        int copy = Pipes.duplicate(pipe[0], 0, "test pipe");
        long inode = pipeInode(pipe[0]);
        try {
            AtomicBoolean cancelled = new AtomicBoolean();
            Thread w = waiter(Thread.ofVirtual(), pipe[0], Sockets.POLLIN, FdPoller.FOREVER, cancelled);
            awaitParked(w);
            assertTrue(watched(inode), "registered while a thread waits");
            cancelled.set(true);
            FdPoller.cancel(pipe[0]);
            assertEnds(w);
            Libc.close(pipe[0]);
            assertFalse(watched(inode), "an epoll registration outlived the close of " + pipe[0]);
        } finally {
            Libc.close(copy);
            Libc.close(pipe[1]);
        }
    }

    /** The inode of a pipe end, from its /proc/self/fd link ({@code pipe:[N]}). */
    private static long pipeInode(int fd) throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    /** Whether any epoll instance of this process watches the file of inode {@code inode} ({@code fdinfo}'s "ino:" is hex). */
    private static boolean watched(long inode) throws IOException {
        String ino = "ino:" + Long.toHexString(inode) + " ";
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue;
                }
                if (target.equals("anon_inode:[eventpoll]")) {
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getFileName()))) {
                        if (line.startsWith("tfd:") && (line + " ").contains(ino)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }
}
