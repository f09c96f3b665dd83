package io.jipc.select;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A select that starts while another thread closes the selector ends with {@link ClosedException},
 * whenever it starts: also while {@link Selector#close()} holds the selecting lock to release the
 * descriptors (until 2026-12-05 it then got IllegalStateException "another thread is selecting",
 * in about 1 to 2 % of the rounds). A second thread selecting on an open selector still gets the
 * IllegalStateException. No duration is asserted; waits have hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SelectorCloseRaceTest {
    private static final long GUARD_SECONDS = 60;
    private static final int ROUNDS = 3000;

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(strings = {"platform", "virtual"})
    void aSelectRacingCloseGetsClosedException(String kind) throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            Selector selector = Selector.open();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Runnable select = () -> {
                try {
                    outcome.complete(selector.select());
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            };
            Thread thread = kind.equals("virtual") ? Thread.ofVirtual().start(select) : Thread.ofPlatform().start(select);
            selector.close(); // at once: before, during or after the select's start
            Object result = outcome.get(GUARD_SECONDS, TimeUnit.SECONDS);
            thread.join();
            String name = result instanceof Throwable t ? t.getClass().getSimpleName() + ": " + t.getMessage()
                    : "returned " + result;
            outcomes.merge(name, 1, Integer::sum);
        }
        assertEquals(Map.of("ClosedException: selector is closed", ROUNDS), outcomes);
    }

    /** The check for a close does not hide a real second select: it is refused while the selector is open. */
    @Test
    void aSecondThreadSelectingOnAnOpenSelectorIsRefused() throws Exception {
        try (Selector selector = Selector.open()) {
            CompletableFuture<Object> first = new CompletableFuture<>();
            Thread selecting = Thread.ofVirtual().start(() -> { // parks in its select: WAITING
                try {
                    first.complete(selector.select());
                } catch (Throwable t) {
                    first.complete(t);
                }
            });
            long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
            while (selecting.getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < guard, "the first select never parked");
                Thread.sleep(5);
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> selector.select(Duration.ofSeconds(GUARD_SECONDS)));
            assertEquals("another thread is selecting on this selector", refused.getMessage());
            selector.close();
            assertInstanceOf(ClosedException.class, first.get(GUARD_SECONDS, TimeUnit.SECONDS));
            selecting.join();
        }
    }
}
