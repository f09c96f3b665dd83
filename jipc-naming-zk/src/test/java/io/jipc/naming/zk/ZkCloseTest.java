package io.jipc.naming.zk;

import io.jipc.ClosedException;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
