package io.jipc.filelock;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-over of a lock that a blocking acquisition waited for: from the moment the kernel grants
 * it until the caller holds it, a second thread locking through the same {@code LockableFile} gets
 * {@link IllegalStateException}, never a lock. Before, the file was for a moment neither waiting nor
 * holding; the second thread's request then reached the kernel as a conversion of the granted lock
 * on the same open, so an exclusive lock was made shared (another process could read beside the
 * writer) or released with the second thread's lock, while the first thread's {@link FileLock} stayed
 * valid.
 *
 * <p>A race, so many rounds: in each, another open holds the lock, thread T1 waits for an exclusive
 * one, thread T2 keeps trying through T1's file, the other open releases. Once T1 has its lock and
 * T2 has stopped, a child process must find the file locked even for a shared lock. The same
 * child checks that a wait given up on as the lock is granted leaves the kernel holding just what
 * the caller was told.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LockHandOverTest {
    private static final int ROUNDS = 150;
    private static final Duration START = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "T1 {0}, T2 tryLock({1})")
    @CsvSource({"lock, SHARED", "lock, EXCLUSIVE", "timed, SHARED", "timed, EXCLUSIVE"})
    void aSecondThreadNeverLocksThroughAFileWhoseWaitWasJustGranted(String verb, LockMode intruder)
            throws Exception {
        Path path = Files.createFile(dir.resolve("shared.dat"));
        try (ChildJvm other = ChildJvm.builder(LockTrier.class).args(path.toString()).quickStart().start()) {
            other.awaitLine("READY", START);
            for (int round = 0; round < ROUNDS; round++) {
                oneRound(path, verb, intruder, other, round);
            }
        }
    }

    private static void oneRound(Path path, String verb, LockMode intruder, ChildJvm other, int round)
            throws Exception {
        try (LockableFile blocker = LockableFile.open(path); LockableFile file = LockableFile.open(path)) {
            FileLock blocking = blocker.tryLock(LockMode.EXCLUSIVE);
            assertTrue(blocking != null, "round " + round + ": nobody else locks the file");
            CompletableFuture<FileLock> first = new CompletableFuture<>();
            Thread t1 = Thread.ofPlatform().start(() -> {
                try {
                    first.complete(verb.equals("lock") ? file.lock(LockMode.EXCLUSIVE)
                            : file.tryLock(LockMode.EXCLUSIVE, Duration.ofMinutes(1)));
                } catch (Throwable t) {
                    first.completeExceptionally(t);
                }
            });
            assertTrue(awaitWaiting(file, first), "round " + round + ": a wait of 1 min or more ended early");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<FileLock> intruded = new AtomicReference<>();
            Thread t2 = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        FileLock lock = file.tryLock(intruder);
                        if (lock != null) {
                            intruded.set(lock);
                            lock.release(); // as a second user of the file would, when done
                            return;
                        }
                    } catch (IllegalStateException expected) {
                        // T1 waits or holds: the documented answer
                    }
                }
            });
            try {
                blocking.release();
                try (FileLock lock = first.get(1, TimeUnit.MINUTES)) {
                    stop.set(true);
                    t2.join();
                    assertEquals("TRIED held", tryInOther(other, LockMode.SHARED), "round " + round
                            + ": another process takes a shared lock while this one's " + lock + " is valid: "
                            + lock.isValid());
                    assertNull(intruded.get(), "round " + round + ": a second thread locked through the file whose"
                            + " thread had just been granted " + lock);
                }
            } finally {
                stop.set(true);
                t2.join();
                t1.join();
            }
        }
    }

    /**
     * A wait given up on (interrupt, timeout) just as the kernel grants the lock: whatever the
     * caller is told is what the kernel holds. An interrupted caller holds nothing — a lock the helper
     * got meanwhile is released, not left behind without a {@link FileLock} —, a timed-out one that
     * returns a lock holds it, and nothing else does.
     */
    @ParameterizedTest(name = "given up by {0}")
    @CsvSource({"interrupt", "timeout"})
    void aWaitGivenUpOnAsTheLockIsGrantedHoldsWhatItSays(String givenUpBy) throws Exception {
        Path path = Files.createFile(dir.resolve("shared.dat"));
        int kept = 0;
        try (ChildJvm other = ChildJvm.builder(LockTrier.class).args(path.toString()).quickStart().start()) {
            other.awaitLine("READY", START);
            for (int round = 0; round < ROUNDS; round++) {
                kept += giveUpRound(path, givenUpBy, other, round) ? 1 : 0;
            }
        }
        System.out.println(givenUpBy + ": the caller kept the lock in " + kept + " of " + ROUNDS + " rounds");
    }

    /** One round; whether the caller got the lock. */
    private static boolean giveUpRound(Path path, String givenUpBy, ChildJvm other, int round) throws Exception {
        try (LockableFile blocker = LockableFile.open(path); LockableFile file = LockableFile.open(path)) {
            FileLock blocking = blocker.tryLock(LockMode.EXCLUSIVE);
            assertTrue(blocking != null, "round " + round + ": nobody else locks the file");
            boolean timed = givenUpBy.equals("timeout");
            CompletableFuture<FileLock> outcome = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    outcome.complete(timed ? file.tryLock(LockMode.EXCLUSIVE, Duration.ofMillis(20))
                            : file.lock(LockMode.EXCLUSIVE));
                } catch (Throwable t) {
                    outcome.completeExceptionally(t);
                }
            });
            try {
                if (!awaitWaiting(file, outcome)) { // a timed wait over before it was seen (a slow machine)
                    assertEquals(null, outcome.get(), "round " + round + ": the blocker held the lock throughout");
                    return false;
                }
                if (timed) {
                    Thread.sleep(19); // then free the lock about when the wait times out
                    blocking.release();
                } else {
                    blocking.release(); // then interrupt while the lock is being handed over
                    waiter.interrupt();
                }
                FileLock got;
                try {
                    got = outcome.get(1, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof InterruptedException)) {
                        throw e;
                    }
                    got = null;
                }
                assertEquals(got == null ? "TRIED free" : "TRIED held", tryInOther(other, LockMode.SHARED),
                        "round " + round + ": after the " + givenUpBy + " the caller holds "
                                + (got == null ? "no lock" : got));
                if (got != null) {
                    got.release();
                    assertEquals("TRIED free", tryInOther(other, LockMode.EXCLUSIVE), "round " + round);
                }
                return got != null;
            } finally {
                waiter.join();
            }
        }
    }

    /** What the child's try for a {@code mode} lock finds. */
    private static String tryInOther(ChildJvm other, LockMode mode) throws IOException {
        OutputStream in = other.process().getOutputStream();
        in.write((mode + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
        return other.awaitLine("TRIED", START);
    }

    /**
     * Waits until a thread waits for a lock through {@code file}: true; false if its call ended
     * first ({@code outcome} done: a 20 ms timed wait can end before a loaded machine runs this).
     */
    private static boolean awaitWaiting(LockableFile file, CompletableFuture<FileLock> outcome) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!file.hasWaiter()) {
            if (outcome.isDone()) {
                return false;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nobody waits for the lock");
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
