package io.jipc.naming.zk;

import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.testkit.JipcTestExtension;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing a watch, and the service, while the connection to the ensemble has gone silent (it passed
 * its handshake, then nothing is answered: a server stopped by {@code SIGSTOP}, a paused VM) does not
 * wait for an answer. Both waited until the client gave the connection up, two thirds of the session
 * timeout (13.3 s here, at {@code session=20s}), and a watch's removal then through Curator's retries:
 * 20 to 75 s for {@code Watch.close()} and about 20 s for {@code NameService.close()} with
 * {@code session=20s, timeout=2s} (the remote63 explorer). Now a watch's close waits for the removal at
 * most the service's {@code timeout=} (1 s here), and the service's close for the session's end as long.
 * No duration is asserted: the bounds below are hang guards, under the old times; the watch's close is
 * seen to return while the client still holds the silent connection (it has not given it up).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZkSilentCloseTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /**
     * Under the 13.3 s the client takes to give a silent connection up at session=20s (the test server's
     * longest session, 20 of its 1 s ticks), well over the 1 s timeout.
     */
    private static final long GUARD_SECONDS = 10;

    @TempDir
    Path home;

    private static ZkNameService openThrough(ZkSilentProxy proxy) {
        return (ZkNameService) NameService.open(URI.create("zk://" + proxy.connectString()
                + "/jipc-silent-close?session=20s&timeout=1s"));
    }

    /** Makes the connections through {@code proxy} silent from now on and waits until {@code names} has one. */
    private static void goSilent(ZkSilentProxy proxy, ZkNameService names) throws InterruptedException {
        proxy.silent(true);
        proxy.dropAll();
        ZkTestServers.await("connected again, through a silent connection", PATIENCE,
                () -> proxy.silentConnections() > 0 && names.connected());
    }

    @Test
    void aWatchClosedWhileTheConnectionIsSilentDoesNotWaitForTheEnsemble() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkSilentProxy proxy = new ZkSilentProxy(server.getPort())) {
            ZkNameService names = openThrough(proxy);
            try {
                Watch watch = names.watch("silent/", event -> { });
                goSilent(proxy, names);
                closeWithinTheSilence(proxy, watch::close);
                assertTrue(names.connected(), "the close waited until the client gave the silent connection up");
            } finally {
                proxy.silent(false);
                proxy.dropAll();
                names.close();
            }
        }
    }

    /**
     * A registration's close while the connection is silent waits for the node's delete at most the
     * service's timeout=; until 2026-12-07 it waited until the client gave the connection up (13 s at
     * session=20s, rev63c explorer), and an interrupt did not end it. The delete is made after the
     * reconnection. (This proxy's silence does not show the old wait: the test passes without the
     * change too; the explorer's probe, a ZooKeeper server stopped with SIGSTOP, took 13.4 s before
     * and 2.0 s after, at timeout=2s.)
     */
    @Test
    void aRegistrationClosedWhileTheConnectionIsSilentDoesNotWaitForTheEnsemble() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkSilentProxy proxy = new ZkSilentProxy(server.getPort())) {
            ZkNameService names = openThrough(proxy);
            try {
                Registration held = names.register("silent/closed", NameRecord.of("test", "1", "x"));
                goSilent(proxy, names);
                closeWithinTheSilence(proxy, held::close);
                assertTrue(names.connected(), "the close waited until the client gave the silent connection up");
                proxy.silent(false);
                proxy.dropAll();
                ZkTestServers.await("the name removed after the reconnection", PATIENCE,
                        () -> names.connected() && names.lookup("silent/closed").isEmpty());
            } finally {
                proxy.silent(false);
                proxy.dropAll();
                names.close();
            }
        }
    }

    @Test
    void aServiceClosedWhileTheConnectionIsSilentDoesNotWaitForTheEnsemble() throws Exception {
        try (TestingServer server = ZkTestServers.server(home);
             ZkSilentProxy proxy = new ZkSilentProxy(server.getPort())) {
            ZkNameService names = openThrough(proxy);
            try {
                names.register("silent/held", NameRecord.of("test", "1", "x"));
                names.watch("silent/", event -> { });
                goSilent(proxy, names);
                closeWithinTheSilence(proxy, names::close);
            } finally {
                proxy.silent(false);
                names.close();
            }
        }
    }

    /**
     * Runs {@code close} (under a hang guard) while the proxy keeps the connection silent, and checks
     * that it returned while the client still held that silent connection (it did not wait until the
     * client gave it up).
     */
    private static void closeWithinTheSilence(ZkSilentProxy proxy, Runnable close) throws Exception {
        CompletableFuture.runAsync(close).get(GUARD_SECONDS, TimeUnit.SECONDS); // a hang guard
        assertEquals(1, proxy.silentConnections(), "the close waited until the client gave the silent connection up");
    }
}
