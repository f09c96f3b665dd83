package io.jipc.naming.zk;

import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceContractTest;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.net.URI;

/** The name service contract on the ZooKeeper backend, against a real in-process ZooKeeper server. */
class ZkNameServiceContractTest extends NameServiceContractTest {
    private static TestingServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
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
