package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Signals} and {@link FileLocks} against the real kernel, within this process. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SignalsAndFileLocksTest {
    /** The JDK's NIO interrupt signal, {@code SIGRTMAX - 2}. */
    private static final int JDK_INTERRUPT = 62;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void theJdksIoInterruptSignalIsCaughtWithoutRestartOnceNioIsUsed() throws IOException {
        try (FileChannel channel = FileChannel.open(Path.of("/dev/null"))) {
            channel.read(ByteBuffer.allocate(1));
        }
        assertTrue(Signals.interruptsWithoutRestart(JDK_INTERRUPT));
        assertFalse(Signals.interruptsWithoutRestart(10), "SIGUSR1 has no handler here");
    }

    @Test
    void aSignalIsCaughtOnlyWithAHandler() {
        assertTrue(Signals.isCaught(11), "the JVM catches SIGSEGV (null checks, safepoints)");
        assertFalse(Signals.isCaught(10), "SIGUSR1 has no handler here");
        assertFalse(Signals.isCaught(9), "nobody catches SIGKILL");
        assertThrows(IllegalArgumentException.class, () -> Signals.isCaught(65));
    }

    @Test
    void theSignalMaskIsPerThreadAndInheritedByNewThreads() throws Exception {
        int usr1 = 10;
        boolean here = Signals.isBlockedInThisThread(usr1);
        CompletableFuture<String> seen = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                boolean inherited = Signals.isBlockedInThisThread(usr1);
                Signals.setBlockedInThisThread(usr1, !inherited);
                boolean changed = Signals.isBlockedInThisThread(usr1);
                Signals.setBlockedInThisThread(usr1, inherited);
                seen.complete(inherited + " " + changed + " " + Signals.isBlockedInThisThread(usr1));
            } catch (Throwable t) {
                seen.completeExceptionally(t);
            }
        }).join();
        assertEquals(here + " " + !here + " " + here, seen.get(1, TimeUnit.MINUTES));
        assertEquals(here, Signals.isBlockedInThisThread(usr1), "another thread's mask is its own");
        CompletableFuture<Throwable> virtual = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Signals.setBlockedInThisThread(usr1, false);
                virtual.complete(null);
            } catch (Throwable t) {
                virtual.complete(t);
            }
        }).join();
        Throwable refused = virtual.get(1, TimeUnit.MINUTES);
        assertTrue(refused instanceof IllegalStateException && refused.getMessage().contains("platform thread"),
                "a virtual thread may not change its carrier's mask: " + refused);
        assertThrows(IllegalArgumentException.class, () -> Signals.isBlockedInThisThread(0));
        assertThrows(IllegalArgumentException.class, () -> Signals.setBlockedInThisThread(65, false));
    }

    @Test
    void processGroupsAndThreadIdsAreTheKernels() {
        long pid = ProcessHandle.current().pid();
        // 0 when the leader is in an ancestor pid namespace: CI runs the suite so, its session's leader outside
        assertTrue(Signals.getpgid(pid) >= 0);
        assertTrue(Signals.getsid(pid) >= 0);
        assertEquals(Errno.ESRCH, assertThrows(ErrnoException.class, () -> Signals.getsid(Integer.MAX_VALUE)).errno());
        int tid = Signals.gettid();
        assertTrue(tid > 0);
        Signals.tgkill(tid, 0);   // exists in this process
        Signals.kill(pid, 0);
        ErrnoException e = assertThrows(ErrnoException.class, () -> Signals.tgkill(Integer.MAX_VALUE, 0));
        assertEquals(Errno.ESRCH, e.errno());
        assertThrows(IllegalArgumentException.class, () -> Signals.kill(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Signals.killpg(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> Signals.kill(pid, 65));
    }

    /**
     * {@link Signals#kill(ProcessIdentity, int)} with signal 0 (nothing sent, only checked) to this
     * process: its own identity passes; another start time for its pid is refused with ESRCH; the
     * pidfd it opened is closed either way.
     */
    @Test
    void aSignalToAnIdentityChecksTheStartTimeAndClosesItsPidfd() throws IOException {
        ProcessIdentity self = ProcessIdentity.current();
        long pidfds = openPidfds();
        Signals.kill(self, 0);
        ProcessIdentity other = new ProcessIdentity(self.pid(), self.startTime() + 1);
        ErrnoException e = assertThrows(ErrnoException.class, () -> Signals.kill(other, 0));
        assertEquals(Errno.ESRCH, e.errno());
        assertEquals("pidfd_send_signal(signal 0)", e.call());
        assertEquals(pidfds, openPidfds(), "no pidfd left open");
        assertThrows(IllegalArgumentException.class, () -> Signals.kill(new ProcessIdentity(0, 1), 0));
        assertThrows(IllegalArgumentException.class, () -> Signals.kill(self, 65));
    }

    /**
     * The identity of a thread of this process that is not its first: refused naming the process
     * (pidfd_open's ENOENT, or EINVAL before Linux 6.9, was passed on as it came), no pidfd left open.
     */
    @Test
    void anIdentityOfAThreadIsRefusedNamingItsProcess() throws Exception {
        long pid = ProcessHandle.current().pid();
        CountDownLatch end = new CountDownLatch(1);
        CompletableFuture<Long> tid = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                tid.complete(Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString()));
                end.await();
            } catch (IOException | InterruptedException | RuntimeException e) {
                tid.completeExceptionally(e);
            }
        });
        try {
            long pidfds = openPidfds();
            ProcessIdentity identity = ProcessIdentity.of(tid.get()).orElseThrow();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signals.kill(identity, 0));
            assertEquals("pid " + tid.get() + " started at tick " + identity.startTime() + " is a thread of process "
                    + pid + ", not a process: nothing was sent (send to process " + pid + ")", e.getMessage());
            assertEquals(pidfds, openPidfds(), "no pidfd left open");
        } finally {
            end.countDown();
            thread.join();
        }
    }

    /** How many pidfds this process has open ({@code anon_inode:[pidfd]} in {@code /proc/self/fd}). */
    private static long openPidfds() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[pidfd]");
                } catch (IOException gone) {
                    return false;   // the descriptor of the listing itself, closed meanwhile
                }
            }).count();
        }
    }

    @Test
    void twoOpensExcludeEachOtherAndTheSignalEndsAKernelWait() throws Exception {
        int[] opens = twoOpens("locked");
        int a = opens[0];
        int b = opens[1];
        try {
            assertTrue(FileLocks.tryLock(a, FileLocks.SHARED, "a"));
            assertTrue(FileLocks.tryLock(b, FileLocks.SHARED, "b"), "shared locks coexist");
            assertFalse(FileLocks.tryLock(b, FileLocks.EXCLUSIVE, "b"), "a still reads");
            theJdksIoInterruptSignalIsCaughtWithoutRestartOnceNioIsUsed();

            CompletableFuture<Integer> tid = new CompletableFuture<>();
            CompletableFuture<Boolean> outcome = new CompletableFuture<>();
            CountDownLatch signalled = new CountDownLatch(1);   // keeps the thread (and its tid) alive meanwhile
            Thread waiter = Thread.ofPlatform().start(() -> {
                tid.complete(Signals.gettid());
                outcome.complete(FileLocks.lockOrInterrupt(b, FileLocks.EXCLUSIVE, "b"));
                try {
                    signalled.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int waiterTid = tid.get(1, TimeUnit.MINUTES);
            while (!outcome.isDone()) {   // repeated: the first signal may come before the wait starts
                Signals.tgkill(waiterTid, JDK_INTERRUPT);
                Thread.sleep(5);
            }
            signalled.countDown();
            assertFalse(outcome.get(), "EINTR, not the lock");
            waiter.join();

            FileLocks.unlock(a, "a");
            assertTrue(FileLocks.lockOrInterrupt(b, FileLocks.EXCLUSIVE, "b"), "free now: granted at once");
            assertFalse(FileLocks.tryLock(a, FileLocks.SHARED, "a"));
        } finally {
            Libc.close(a);
            Libc.close(b);
        }
    }

    @Test
    void closingTheLastDescriptorOfAnOpenReleasesItsLock() throws Exception {
        int[] opens = twoOpens("closed");
        int a = opens[0];
        int b = opens[1];
        try {
            assertTrue(FileLocks.tryLock(a, FileLocks.EXCLUSIVE, "a"));
            int other = Libc.open(dir.resolve("closed").toString(), Libc.O_RDONLY, 0);
            Libc.close(other);   // a POSIX record lock would be gone now; an OFD lock is not
            assertFalse(FileLocks.tryLock(b, FileLocks.SHARED, "b"));
            Libc.close(a);
            a = -1;
            assertTrue(FileLocks.tryLock(b, FileLocks.EXCLUSIVE, "b"));
        } finally {
            if (a >= 0) {
                Libc.close(a);
            }
            Libc.close(b);
        }
    }

    /** Creates file {@code name} and opens it twice: two open file descriptions. */
    private int[] twoOpens(String name) throws IOException {
        Path path = Files.createFile(dir.resolve(name));
        return new int[] {Libc.open(path.toString(), Libc.O_RDWR, 0), Libc.open(path.toString(), Libc.O_RDWR, 0)};
    }
}
