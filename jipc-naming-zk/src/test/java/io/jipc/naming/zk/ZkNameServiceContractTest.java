package io.jipc.naming.zk;

import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceContractTest;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;

/** The name service contract on the ZooKeeper backend, against a real in-process ZooKeeper server. */
class ZkNameServiceContractTest extends NameServiceContractTest {
    /** The server's files (see {@link ZkTestServers}). */
    @TempDir
    static Path home;
    private static TestingServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ZkTestServers.server(home);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @Override
    protected NameService openService() {
        return NameService.open(URI.create("zk://" + server.getConnectString() + "/jipc-contract"));
    }
}
