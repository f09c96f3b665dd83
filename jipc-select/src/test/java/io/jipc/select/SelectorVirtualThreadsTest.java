package io.jipc.select;

import io.jipc.ClosedException;
import io.jipc.pipe.Pipe;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Virtual threads waiting in {@link Selector#select()} park while the process's one poller thread
 * watches their selectors: many of them add no platform thread each, and each still wakes for its
 * pipe, its timeout or the close of its selector. No duration is asserted; waits have hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SelectorVirtualThreadsTest {
    private static final long GUARD_SECONDS = 60;
    private static final int SELECTORS = 100;

    private static CompletableFuture<Object> startVirtual(List<Thread> threads, Callable<Object> call) {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        threads.add(Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(call.call());
            } catch (Throwable t) {
                outcome.complete(t);
            }
        }));
        return outcome;
    }

    /** Waits (hang guard) until every thread of {@code threads} is parked. */
    private static void awaitParked(List<Thread> threads) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        for (Thread t : threads) {
            while (t.getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < guard, "a selecting thread never parked: " + t);
                Thread.sleep(5);
            }
        }
    }

    /** Live platform threads but the virtual threads' carriers, whose number depends on the machine. */
    private static int platformThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream() // platform threads only: virtual ones are not listed
                .filter(t -> !t.getName().startsWith("ForkJoinPool"))
                .count();
    }

    /**
     * 100 virtual threads, each in {@code select()} without a timeout on a selector of its own over
     * one pipe. Until 2026-12-05 each ran its epoll_wait on a platform thread of its own
     * ("jipc-selector-wait"): 100 more platform threads here.
     */
    @Test
    void manyVirtualThreadsSelectingAddNoPlatformThreadsAndEachWakesForItsPipe() throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        List<Selector> selectors = new ArrayList<>();
        try {
            List<SelectionKey> keys = new ArrayList<>();
            for (int i = 0; i < SELECTORS; i++) {
                Pipe pipe = Pipe.open();
                pipes.add(pipe);
                Selector selector = Selector.open();
                selectors.add(selector);
                keys.add(selector.register(pipe.reader(), Selector.OP_READ, i));
            }
            int before = platformThreads();
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<Object>> selected = new ArrayList<>();
            for (Selector selector : selectors) {
                selected.add(startVirtual(threads, selector::select));
            }
            awaitParked(threads);
            int added = platformThreads() - before;
            assertTrue(added < SELECTORS / 4, added + " more platform threads for " + SELECTORS
                    + " virtual threads selecting: " + Thread.getAllStackTraces().keySet().stream()
                            .map(Thread::getName).filter(n -> n.startsWith("jipc-")).limit(5).toList());
            assertTrue(selected.stream().noneMatch(CompletableFuture::isDone), "a select returned before any write");

            for (int i = 0; i < SELECTORS; i++) {
                pipes.get(i).writer().write(new byte[] {(byte) i});
            }
            for (int i = 0; i < SELECTORS; i++) {
                assertEquals(List.of(keys.get(i)), selected.get(i).get(GUARD_SECONDS, TimeUnit.SECONDS), "selector " + i);
            }
        } finally {
            selectors.forEach(Selector::close);
            pipes.forEach(Pipe::close);
        }
    }

    /** A parked virtual thread's select ends at its timeout with nothing, and at a close with ClosedException. */
    @Test
    void aParkedVirtualSelectEndsAtItsTimeoutAndAtAClose() throws Exception {
        try (Pipe pipe = Pipe.open(); Selector timed = Selector.open(); Selector closed = Selector.open()) {
            timed.register(pipe.reader(), Selector.OP_READ, "timed");
            closed.register(pipe.reader(), Selector.OP_READ, "closed");
            List<Thread> threads = new ArrayList<>();
            CompletableFuture<Object> timedOut = startVirtual(threads, () -> timed.select(Duration.ofMillis(200)));
            assertEquals(List.of(), timedOut.get(GUARD_SECONDS, TimeUnit.SECONDS));
            threads.clear();
            CompletableFuture<Object> ended = startVirtual(threads, closed::select);
            awaitParked(threads);
            closed.close();
            assertInstanceOf(ClosedException.class, ended.get(GUARD_SECONDS, TimeUnit.SECONDS));
        }
    }
}
