package io.jipc.naming.zk;

import io.jipc.ClosedException;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceUnavailableException;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closing a ZooKeeper name service while calls are under way. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ZkCloseTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final NameRecord RECORD = NameRecord.of("test", "1", "somewhere");

    @TempDir
    Path home;

    private static ZkNameService open(TestingServer server, String query) {
        return (ZkNameService) NameService.open(URI.create("zk://" + server.getConnectString() + "/jipc-close" + query));
    }

    /** Whether {@code thread} is inside a ZooKeeper or Curator call (past the service's own checks). */
    private static boolean inZooKeeper(Thread thread) {
        return Arrays.stream(thread.getStackTrace())
                .anyMatch(f -> f.getClassName().startsWith("org.apache.curator.") || f.getClassName().startsWith("org.apache.zookeeper."));
    }

    /** The threads of ZooKeeper clients, of Curator and of this backend. */
    private static Set<Thread> clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().contains("-SendThread(") || t.getName().endsWith("-EventThread")
                        || t.getName().startsWith("Curator-") || t.getName().startsWith("jipc-zk-"))
                .collect(Collectors.toSet());
    }

    /**
     * A failed open leaves no thread behind: the client of an ensemble that could not be reached is
     * closed on a thread of its own (closing a client that never connected takes about a second, which
     * open's failure took on top of its timeout; no test asserts that time), which ends with it.
     */
    @Test
    void aFailedOpenLeavesNoThreadBehind() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // closed: nothing listens there
        }
        Set<Thread> before = clientThreads();
        for (int i = 0; i < 3; i++) {
            NameServiceUnavailableException e = assertThrows(NameServiceUnavailableException.class, () -> NameService.open(
                    URI.create("zk://127.0.0.1:" + port + "/jipc-close?timeout=300ms")));
            assertTrue(e.getMessage().contains("cannot reach ZooKeeper at 127.0.0.1:" + port + " within 300ms"),
                    e.getMessage());
        }
        ZkTestServers.await("the failed opens' threads ended", PATIENCE, () -> {
            Set<Thread> left = clientThreads();
            left.removeAll(before);
            return left.isEmpty();
        });
    }

    /**
     * Calls waiting for an ensemble that cannot be reached when another thread closes the service end
     * with ClosedException, as the docs say a closed service's calls do (they failed with
     * NamingException: ... CuratorClosedException, or with "not reachable").
     */
    @Test
    void callsUnderWayWhenTheServiceClosesEndWithClosedException() throws Exception {
        try (TestingServer server = ZkTestServers.server(home)) {
            ZkNameService names = open(server, "?timeout=2s&session=30s");
            server.stop();
            ZkTestServers.await("the client noticed", PATIENCE, () -> !names.connected());
            Map<String, Runnable> calls = new LinkedHashMap<>();
            calls.put("lookup", () -> names.lookup("svc/a"));
            calls.put("list", () -> names.list("svc/"));
            calls.put("register", () -> names.register("svc/b", RECORD));
            calls.put("bind", () -> names.bind("svc/c", RECORD));
            calls.put("unregister", () -> names.unregister("svc/d"));
            calls.put("watch", () -> names.watch("svc/", event -> { }).close());
            Map<String, CompletableFuture<Throwable>> outcomes = new LinkedHashMap<>();
            Map<String, Thread> threads = new LinkedHashMap<>();
            calls.forEach((what, call) -> {
                CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                outcomes.put(what, outcome);
                threads.put(what, Thread.ofPlatform().daemon().name("call-" + what).start(() -> {
                    try {
                        call.run();
                        outcome.complete(null);
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                }));
            });
            // the watch's listing runs on the watch's thread: its caller waits outside ZooKeeper
            ZkTestServers.await("every call waits for the ensemble", PATIENCE, () -> threads.entrySet().stream()
                    .allMatch(e -> e.getKey().equals("watch") ? e.getValue().getState() == Thread.State.WAITING
                            : inZooKeeper(e.getValue())));
            names.close();
            Map<String, String> seen = new LinkedHashMap<>();
            Map<String, String> expected = new LinkedHashMap<>();
            for (Map.Entry<String, CompletableFuture<Throwable>> e : outcomes.entrySet()) {
                Throwable t = e.getValue().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS); // a hang guard
                seen.put(e.getKey(), t == null ? "returned" : t.getClass().getSimpleName() + ": " + t.getMessage());
                expected.put(e.getKey(), ClosedException.class.getSimpleName() + ": name service " + names.uri()
                        + " is closed");
            }
            assertEquals(expected, seen);
        }
    }

    /**
     * A watch's resynchronisation that meets the service closed (the service closing, its client not
     * yet) ends quietly: its listing's ClosedException went to the watch thread's uncaught-exception
     * handler, which printed its stack trace (seen once by the explorer during a reconnection loop).
     * Made deterministic here: one watch's listener holds the closing service in its close of that
     * watch, while a second watch, not the service's to close, resynchronises.
     */
    @Test
    void aResynchronisationMeetingTheServiceClosedEndsQuietly() throws Exception {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        try (TestingServer server = ZkTestServers.server(home)) {
            // set after the server started, which sets its own
            Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
            Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
            try {
                aResynchronisationMeetsTheServiceClosed(server);
            } finally {
                Thread.setDefaultUncaughtExceptionHandler(previous);
            }
        }
        assertEquals(List.of(), uncaught);
    }

    /** One watch's listener holds the closing service while a watch it does not close resynchronises. */
    private void aResynchronisationMeetsTheServiceClosed(TestingServer server) throws Exception {
        ZkNameService names = open(server, "");
        CountDownLatch listening = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        names.watch("block/", event -> {
            listening.countDown();
            try {
                release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ZkWatch resynchronised = ZkWatch.start(names, "svc/", event -> { });
        names.register("block/held", RECORD);
        assertTrue(listening.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        Thread closing = Thread.ofPlatform().daemon().start(names::close); // waits for the listener
        ZkTestServers.await("the service is closing", PATIENCE, names::closing);
        assertTrue(names.connected(), "the client is not closed yet");
        Thread worker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("jipc-zk-name-watch-svc/")).findFirst().orElseThrow();
        resynchronised.resynchronise(); // its listing meets the closed service
        CountDownLatch after = new CountDownLatch(1);
        resynchronised.submit(after::countDown); // the watch's thread runs its tasks in order
        assertTrue(after.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        resynchronised.close();
        worker.join(PATIENCE.toMillis()); // ended by the failure or by the close: its uncaught failure is handled
        assertFalse(worker.isAlive());
        release.countDown();
        closing.join(PATIENCE.toMillis());
        assertFalse(closing.isAlive());
    }
}
