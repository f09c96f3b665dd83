package io.jipc.pipe;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Timed FIFO read opens that give up: a writer that pairs with the helper's open after its caller gave
 * up is read, and read opens that several threads of this process keep repeating without any writer
 * all time out. Real writer processes ({@code sh}); no duration asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FifoReadOpenRaceTest extends FifoDirectory {
    FifoReadOpenRaceTest() {
        super("jipc-fifo-race-test", "rwx------");
    }

    /**
     * Rounds of a 1 s read open, each of which has given up (no writer by its deadline) when a shell
     * writer, {@code printf round > FIFO}, opens against its helper still waiting in its open, writes
     * and exits, before the release: every writer's bytes are read (the call completes with them). The
     * helper, seeing its caller gone, closed the only read end with the bytes in it, and the writer had
     * exited 0 (a loop of 10 ms opens lost 5 of 400 sequential writers that way).
     */
    @Test
    void aWriterThatPairsWithTheHelperAfterItsCallerGaveUpIsRead() throws Exception {
        Path fifo = Fifo.create(dir.resolve("writer-after-give-up"), 0600);
        List<String> writers = new ArrayList<>();
        FifoReadOpen.beforeRelease = open -> writers.add(writeWhileTheHelperWaits(fifo));
        try {
            for (int round = 0; round < 5; round++) {
                try (PipeReader reader = Fifo.openReader(fifo, Duration.ofSeconds(1))) {
                    assertEquals("round", new String(reader.readAllBytes(), StandardCharsets.UTF_8));
                } catch (OpenTimeoutException lost) {
                    throw new AssertionError("round " + round + ": the writer " + writers.getLast()
                            + ": its bytes were not read", lost);
                }
                assertEquals(List.of("exit 0"), List.copyOf(writers), "round " + round);
                writers.clear();
            }
        } finally {
            FifoReadOpen.beforeRelease = null;
        }
        awaitNoHelperThread();
    }

    /**
     * Waits until the helper thread sleeps in its FIFO open, then runs {@code printf round > FIFO},
     * which pairs with it, to its end; its exit status.
     */
    private static String writeWhileTheHelperWaits(Path fifo) {
        try {
            awaitAHelperInItsOpen();
            try (ChildProcess sh = Command.of("sh", "-c", "printf round > \"$0\"", fifo.toString()).start()) {
                return sh.waitFor().toString();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits (a hang guard of a minute) until a {@code jipc-fifo-open-N} thread sleeps in a FIFO open. */
    private static void awaitAHelperInItsOpen() throws Exception {
        for (int i = 0; i < 60_000; i++) {
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        if (Files.readString(task.resolve("comm")).startsWith("jipc-fifo-open")
                                && Files.readString(task.resolve("wchan")).equals("wait_for_partner")) {
                            return;
                        }
                    } catch (IOException gone) {
                        // the thread ended meanwhile
                    }
                }
            }
            Thread.sleep(1);
        }
        throw new AssertionError("no helper thread waited in its FIFO open");
    }

    /**
     * Threads of this process loop timed read opens of one FIFO that no process ever opens for
     * writing, and one thread waits in an untimed open beside them: every timed call times out, and the
     * untimed one is still waiting when interrupted. The momentary write opens by which each call
     * releases its helper made calls return readers at end of file (8 threads, 10 rounds of 200 ms:
     * 16 of 80, and untimed opens too).
     */
    @ParameterizedTest
    @ValueSource(strings = {"platform", "virtual"})
    void threadsLoopingTimedReadOpensWithoutAWriterAllTimeOut(String kind) throws Exception {
        Path fifo = Fifo.create(dir.resolve("no-writer-" + kind), 0600);
        CompletableFuture<String> untimed = new CompletableFuture<>();
        Thread waiting = Thread.ofPlatform().start(() -> {
            try (PipeReader reader = Fifo.openReader(fifo)) {
                untimed.complete("a reader, though no writer ever came");
            } catch (InterruptedException e) {
                untimed.complete("interrupted");
            } catch (Throwable t) {
                untimed.completeExceptionally(t);
            }
        });
        List<CompletableFuture<List<String>>> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Duration timeout = Duration.ofMillis(t % 2 == 0 ? 20 : 100 + 10 * t);
            CompletableFuture<List<String>> outcomes = new CompletableFuture<>();
            threads.add(outcomes);
            (kind.equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                List<String> wrong = new ArrayList<>();
                try {
                    for (int round = 0; round < 10; round++) {
                        try (PipeReader reader = Fifo.openReader(fifo, timeout)) {
                            wrong.add("a reader in round " + round + " (" + timeout.toMillis() + " ms)");
                        } catch (OpenTimeoutException expected) {
                            // the only right answer: no writer
                        }
                    }
                    outcomes.complete(wrong);
                } catch (Throwable e) {
                    outcomes.completeExceptionally(e);
                }
            });
        }
        List<String> wrong = new ArrayList<>();
        for (CompletableFuture<List<String>> outcomes : threads) {
            wrong.addAll(outcomes.get(2, TimeUnit.MINUTES));
        }
        assertTrue(wrong.isEmpty(), "readers handed out without a writer: " + wrong);
        assertTrue(!untimed.isDone(), () -> "the untimed open returned: " + untimed.join());
        waiting.interrupt();
        assertEquals("interrupted", untimed.get(1, TimeUnit.MINUTES));
        waiting.join();
        awaitNoHelperThread();
    }
}
