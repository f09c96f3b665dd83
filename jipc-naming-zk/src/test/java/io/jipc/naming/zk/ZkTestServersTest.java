package io.jipc.naming.zk;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The test servers keep their files out of the system's temporary directory. */
class ZkTestServersTest {

    @Test
    void aServerWritesItsConfigurationFileUnderTheTestsDirectoryNotUnderTmp(@TempDir Path home) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before = configurationFiles(tmp);
        try (TestingServer server = ZkTestServers.server(home)) {
            assertEquals(1, configurationFiles(home.resolve("zk-0")).size(), "ZooKeeper's generated configuration");
        }
        assertEquals(before, configurationFiles(tmp));
    }

    private static List<Path> configurationFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().startsWith("zookeeper.configuration")).sorted().toList();
        }
    }
}
