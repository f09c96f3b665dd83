package io.jipc.naming.local;

import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NamingConfiguration;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code awaitChange} of the local backend: the calls of one service that wait at once share one
 * watch (a watch per call ran out of the user's inotify instances, 128 by default, past about 128
 * calls), and each still reports only a change made after it began.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LocalAwaitChangeTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String WATCH_THREAD = "jipc-name-watch-";

    private static NameRecord record(String id) {
        return NameRecord.of("test", id, "address-" + id);
    }

    private static long watchThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(WATCH_THREAD)).count();
    }

    private static LocalNameService open() {
        return LocalNameService.open(NamingConfiguration.LOCAL);
    }

    private static void awaitListening(LocalNameService names, int calls) throws InterruptedException {
        while (names.awaitingChange() < calls) {
            Thread.sleep(1); // bounded by the class's timeout
        }
    }

    /** {@code awaitChange(prefix, LONG)} on a virtual thread of its own. */
    private static CompletableFuture<Optional<NameEvent>> awaitOnAThread(LocalNameService names, String prefix) {
        CompletableFuture<Optional<NameEvent>> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(names.awaitChange(prefix, LONG));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /**
     * A call that finds another call starting the shared watch cannot complete at once: with an
     * interrupt pending it throws InterruptedException and clears the status also with a zero or
     * negative timeout (it returned empty: the turn's tryLock at a passed deadline does not look at
     * the interrupt), as with a 30 s one (docs/architecture.md, "Interrupts and timeouts").
     */
    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void anInterruptedCallWhileAnotherStartsTheWatchThrows(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (LocalNameService names = open()) {
            Field waitsField = LocalNameService.class.getDeclaredField("changeWaits");
            waitsField.setAccessible(true);
            Field startingField = ChangeWaits.class.getDeclaredField("starting");
            startingField.setAccessible(true);
            ReentrantLock starting = (ReentrantLock) startingField.get(waitsField.get(names));
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread starter = Thread.ofPlatform().start(() -> { // as a call that starts the watch
                starting.lock();
                try {
                    held.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    starting.unlock();
                }
            });
            try {
                held.await();
                throwsInterrupted(() -> names.awaitChange("held/", timeout));
            } finally {
                Thread.interrupted();
                release.countDown();
                starter.join();
            }
        }
    }

    @Test
    void manyConcurrentCallsShareOneWatchAndEachSeesAChange() throws Exception {
        int calls = 300; // more than the default fs.inotify.max_user_instances
        long before = watchThreads();
        try (LocalNameService names = open()) {
            List<CompletableFuture<Optional<NameEvent>>> results = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                results.add(awaitOnAThread(names, "many/"));
            }
            while (names.awaitingChange() < calls && results.stream().noneMatch(CompletableFuture::isCompletedExceptionally)) {
                Thread.sleep(1); // until all wait, or one failed (bounded by the class's timeout)
            }
            long most = watchThreads() - before;
            names.bind("many/x", record("x"));
            for (CompletableFuture<Optional<NameEvent>> result : results) {
                // before the fix 172 of them failed: EMFILE from inotify_init1
                assertEquals("many/x", result.get(LONG.toSeconds(), TimeUnit.SECONDS).orElseThrow().name());
            }
            assertTrue(most <= 1, most + " watch threads for " + calls + " calls");
            names.unregister("many/x");
        }
        while (watchThreads() > before) {
            Thread.sleep(1); // the shared watch ends with the last call (bounded by the class's timeout)
        }
    }

    @Test
    void aCallReportsOnlyChangesMadeAfterItBeganWhileTheSharedWatchRuns() throws Exception {
        try (LocalNameService names = open()) {
            names.bind("before/a", record("a"));
            // another call keeps the shared watch running, so the bind's event may still be on its way
            CompletableFuture<Optional<NameEvent>> other = awaitOnAThread(names, "other/");
            awaitListening(names, 1);
            names.bind("before/b", record("b"));
            assertEquals(Optional.empty(), names.awaitChange("before/", Duration.ofMillis(50)),
                    "registrations made before the call are not reported");
            CompletableFuture<Optional<NameEvent>> removal = awaitOnAThread(names, "before/");
            awaitListening(names, 2);
            names.unregister("before/a");
            NameEvent event = removal.get(LONG.toSeconds(), TimeUnit.SECONDS).orElseThrow();
            assertEquals(NameEvent.Type.UNREGISTERED, event.type());
            assertEquals("before/a", event.name());
            names.bind("other/x", record("x"));
            assertEquals("other/x", other.get(LONG.toSeconds(), TimeUnit.SECONDS).orElseThrow().name());
            names.unregister("before/b");
            names.unregister("other/x");
        }
    }
}
