package io.jipc.naming.zk;

import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code watch} and {@code awaitChange} while the ensemble cannot be reached obey the rule of every
 * naming call: the service's {@code timeout=} bounds them, an interrupt ends them at once, and they
 * leave no watch thread and no ZooKeeper watcher behind. Until 2026-12-07 the watch's thread set the
 * ZooKeeper watch through Curator's six retries (each waiting {@code timeout} for a connection), and
 * its caller waited for it whatever interrupted it. No duration is asserted: the bounds below are hang
 * guards, well under the times the old code took.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZkWatchOutageTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final NameRecord RECORD = NameRecord.of("test", "1", "x");

    @TempDir
    Path home;

    private static ZkNameService open(TestingServer server, String query) {
        return (ZkNameService) NameService.open(URI.create("zk://" + server.getConnectString() + "/jipc-watch-outage"
                + query));
    }

    /** What a call made on a thread of its own did: its outcome, and its interrupt status at its end. */
    private record Outcome(Object result, Throwable thrown, boolean interruptKept) {
    }

    @FunctionalInterface
    private interface Call {
        Object call() throws Exception;
    }

    private static Thread start(String name, Call call, CompletableFuture<Outcome> outcome) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            Object result = null;
            Throwable thrown = null;
            try {
                result = call.call();
            } catch (Throwable t) {
                thrown = t;
            }
            outcome.complete(new Outcome(result, thrown, Thread.currentThread().isInterrupted()));
        });
    }

    private static void stopAndAwaitDisconnected(TestingServer server, ZkNameService names) throws Exception {
        server.stop();
        ZkTestServers.await("disconnected", PATIENCE, () -> !names.connected());
    }

    /**
     * With {@code timeout=1s} a watch, and awaitChange's watch whatever its own timeout, fails
     * unavailable within about that. It took Curator's six retries of setting the watch, each waiting
     * for a connection: 12 to 15 s (seen). The guard is 10 s (a loaded machine's slack).
     */
    @ParameterizedTest
    @ValueSource(strings = {"watch", "awaitChange"})
    void aWatchWhileTheEnsembleCannotBeReachedEndsWithinTheTimeout(String call) throws Exception {
        TestingServer server = ZkTestServers.server(home);
        try (server; ZkNameService names = open(server, "?timeout=1s&session=60s")) {
            stopAndAwaitDisconnected(server, names);
            String prefix = "bound-" + call + "/";
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            start("call-" + call, () -> call.equals("watch") ? names.watch(prefix, event -> { })
                    : names.awaitChange(prefix, Duration.ofMinutes(5)), outcome);
            Outcome ended = outcome.get(10, TimeUnit.SECONDS); // a hang guard
            assertInstanceOf(NameServiceUnavailableException.class, ended.thrown());
            assertNothingLeft(names, prefix);
        }
    }

    /**
     * A watch interrupted while the ensemble cannot be reached ends at once with
     * {@link NameServiceUnavailableException} (its cause the {@link InterruptedException}) and keeps the
     * interrupt, as a lookup does (ZkInterruptTest); it waited for its thread whatever interrupted it,
     * about 25 s with the default 15 s timeout. The guard is 10 s, under the timeout. Once the ensemble
     * is back, a new watch of the prefix works.
     */
    @Test
    void aWatchInterruptedWhileTheEnsembleCannotBeReachedEndsUnavailableAndKeepsTheInterrupt() throws Exception {
        TestingServer server = ZkTestServers.server(home);
        try (server; ZkNameService names = open(server, "?session=60s")) { // timeout=15s, the default
            Outcome ended = interruptedWhileDown(server, names, "call-watch", () -> names.watch("int/", event -> { }));
            NameServiceUnavailableException unavailable = assertInstanceOf(NameServiceUnavailableException.class,
                    ended.thrown());
            assertInstanceOf(InterruptedException.class, unavailable.getCause());
            assertTrue(ended.interruptKept(), "the interrupt is kept for the caller");
            assertNothingLeft(names, "int/");

            server.restart();
            ZkTestServers.await("reconnected", PATIENCE, names::connected);
            BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
            try (Watch watch = names.watch("int/", events::add);
                 Registration registration = names.register("int/back", RECORD)) {
                NameEvent event = events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertNotNull(event, "the watch made after the ensemble came back reports");
                assertEquals("int/back", event.name());
                assertEquals(1, recursiveWatchers(names), "the new watch's ZooKeeper watcher only");
            }
            assertEquals(0, recursiveWatchers(names), "closing it removed its watcher");
        }
    }

    /**
     * awaitChange interrupted while its watch starts and the ensemble cannot be reached ends at once
     * with {@link InterruptedException}, as its contract says of an interrupted wait (it waited for the
     * watch's thread, then threw NameServiceUnavailableException or waited on).
     */
    @Test
    void anAwaitChangeInterruptedWhileTheEnsembleCannotBeReachedIsInterruptedException() throws Exception {
        TestingServer server = ZkTestServers.server(home);
        try (server; ZkNameService names = open(server, "?session=60s")) { // timeout=15s, the default
            Outcome ended = interruptedWhileDown(server, names, "call-await",
                    () -> names.awaitChange("int-await/", Duration.ofMinutes(5)));
            assertInstanceOf(InterruptedException.class, ended.thrown());
            assertFalse(ended.interruptKept(), "InterruptedException cleared it, as it does");
            assertNothingLeft(names, "int-await/");
        }
    }

    /** An interrupt pending before a watch, while connected, is kept and the watch made whole, as before. */
    @Test
    void aWatchWithAnInterruptPendingWhileConnectedIsMadeWholeAndKeepsTheInterrupt() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkNameService names = open(server, "")) {
            AtomicReference<Watch> watch = new AtomicReference<>();
            BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
            Thread.currentThread().interrupt();
            try {
                watch.set(names.watch("pending/", events::add));
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            }
            try (Watch open = watch.get();
                 Registration registration = names.register("pending/a", RECORD)) {
                NameEvent event = events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertNotNull(event);
                assertEquals("pending/a", event.name());
            }
        }
    }

    /**
     * Stops the server, makes {@code call} on a thread of its own, interrupts it once it waits and
     * returns how it ended (a hang guard of 10 s, under the default 15 s timeout).
     */
    private static Outcome interruptedWhileDown(TestingServer server, ZkNameService names, String thread, Call call)
            throws Exception {
        stopAndAwaitDisconnected(server, names);
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        Thread caller = start(thread, call, outcome);
        awaitWaiting(caller);
        caller.interrupt();
        return outcome.get(10, TimeUnit.SECONDS); // a hang guard
    }

    private static void awaitWaiting(Thread caller) throws InterruptedException {
        ZkTestServers.await("the call waiting", PATIENCE,
                () -> caller.getState() == Thread.State.WAITING || caller.getState() == Thread.State.TIMED_WAITING);
    }

    /** No thread of a watch of {@code prefix} is left, and no persistent recursive watcher in the client. */
    private static void assertNothingLeft(ZkNameService names, String prefix) throws Exception {
        ZkTestServers.await("the watch's thread ended", PATIENCE, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("jipc-zk-name-watch-" + prefix) && t.isAlive()));
        assertEquals(0, recursiveWatchers(names), "ZooKeeper watchers left");
    }

    /** The persistent recursive watchers the ZooKeeper client keeps on the names node (its watch manager is not public). */
    private static int recursiveWatchers(ZkNameService names) throws Exception {
        ZooKeeper zooKeeper = names.client().getZookeeperClient().getZooKeeper();
        Method manager = ZooKeeper.class.getDeclaredMethod("getWatchManager");
        manager.setAccessible(true);
        Object watches = manager.invoke(zooKeeper);
        Method of = watches.getClass().getDeclaredMethod("getPersistentRecursiveWatches");
        of.setAccessible(true);
        @SuppressWarnings("unchecked")
        Map<String, Set<Watcher>> byPath = (Map<String, Set<Watcher>>) of.invoke(watches);
        synchronized (byPath) {
            return Optional.ofNullable(byPath.get(names.namesPath())).map(Set::size).orElse(0);
        }
    }
}
