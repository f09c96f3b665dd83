package io.jipc.naming.zk;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real in-process ZooKeeper servers for tests, with every file they make under a directory the test
 * owns (a JUnit {@code @TempDir}). ZooKeeper's embedded server writes a
 * {@code zookeeper.configuration*.properties} file next to its data directory and never deletes it;
 * with Curator's defaults the data directory is a fresh directory in {@code java.io.tmpdir}, so every
 * server left one such file in {@code /tmp}. Here the data directory is {@code directory/zk-N/data}:
 * the configuration file lands in {@code directory/zk-N}, which the test's temporary directory
 * removes.
 */
final class ZkTestServers {
    private ZkTestServers() {
    }

    /** A server on a random loopback port, started, with its files under {@code directory}. */
    static TestingServer server(Path directory) throws Exception {
        return new TestingServer(spec(directory, 0), true);
    }

    /** An ensemble of {@code size} servers (not started), with their files under {@code directory}. */
    static TestingCluster cluster(Path directory, int size) {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            specs.add(spec(directory, i));
        }
        return new TestingCluster(specs);
    }

    /** Waits (polling every 50 ms) until {@code condition} holds; fails after {@code patience}. */
    static void await(String what, java.time.Duration patience, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + patience + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private static InstanceSpec spec(Path directory, int index) {
        Path data = directory.resolve("zk-" + index).resolve("data");
        try {
            Files.createDirectories(data); // an ensemble member writes its id file there before starting
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // random ports, a server id of its own, data deleted on close
        return new InstanceSpec(data.toFile(), -1, -1, -1, true, -1);
    }
}
