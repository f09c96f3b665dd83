package io.jipc.filelock;

import io.jipc.ClosedException;
import io.jipc.testkit.ChildMain;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A child process, started with the JDK's I/O interrupt signal (62) blocked, that gives up three
 * waits for a lock another process holds: one timed, one ended by {@link LockableFile#close()}, one
 * by an interrupt. It prints {@code MASK} with its main thread's blocked-signal mask first, then a
 * line per wait ({@code TIMED}, {@code CLOSED}, {@code INTERRUPTED}) and {@code DONE}.
 *
 * <p>Argument: the path of the held file.
 */
public final class BlockedSignalWaiter {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        Path path = Path.of(args[0]);
        String blocked = Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(line -> line.startsWith("SigBlk:")).findFirst().orElseThrow().substring(7).strip();
        System.out.println("MASK " + blocked);
        try (LockableFile file = LockableFile.open(path)) {
            System.out.println("TIMED " + file.tryLock(LockMode.EXCLUSIVE, Duration.ofMillis(200)));
        }
        LockableFile closed = LockableFile.open(path);
        CompletableFuture<Throwable> closing = waitIn(closed);
        awaitWaiting(closed);
        closed.close();
        System.out.println("CLOSED " + closing.get(1, TimeUnit.MINUTES).getClass().getSimpleName());
        try (LockableFile file = LockableFile.open(path)) {
            CompletableFuture<Throwable> interrupting = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> interrupting.complete(lockOrFailure(file)));
            awaitWaiting(file);
            waiter.interrupt();
            System.out.println("INTERRUPTED " + interrupting.get(1, TimeUnit.MINUTES).getClass().getSimpleName());
        }
        System.out.println("DONE");
    }

    private static CompletableFuture<Throwable> waitIn(LockableFile file) {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> outcome.complete(lockOrFailure(file)));
        return outcome;
    }

    /** What {@code lock} threw, or an {@link AssertionError} if it returned. */
    private static Throwable lockOrFailure(LockableFile file) {
        try {
            file.lock(LockMode.EXCLUSIVE);
            return new AssertionError("got a lock another process holds");
        } catch (InterruptedException | ClosedException e) {
            return e;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Waits until a thread of this JVM waits for a lock of {@code file} (in the kernel, soon after). */
    private static void awaitWaiting(LockableFile file) throws InterruptedException {
        while (!file.hasWaiter()) {
            Thread.sleep(10);
        }
        Thread.sleep(50);
    }
}
