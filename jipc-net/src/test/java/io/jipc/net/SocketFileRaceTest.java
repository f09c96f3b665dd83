package io.jipc.net;

import io.jipc.ErrnoException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Binds racing on one socket path: replacing a stale
 * file is one step among jipc binders (the directory's {@code flock}), so at most one server is
 * bound to a path. (pn52 explorer: two binders that found one stale file both succeeded, the first
 * orphaned.)
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SocketFileRaceTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(240);

    @AfterEach
    void nothingLeft() throws Exception {
        SocketTestSupport.assertNoSocketFilesLeft();
    }

    /** A socket file nothing is bound to, as a process that died leaves it (the JDK does not unlink). */
    private static void staleFile(UnixDomainSocketAddress address) throws IOException {
        try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.bind(address);
        }
    }

    @Test
    void bindersRacingOnAStaleFileGetOneServerAndTheOthersEaddrinuse() throws Exception {
        Path path = SocketTestSupport.newPath("race");
        UnixDomainSocketAddress address = SocketTestSupport.unix(path);
        int binders = 4;
        CyclicBarrier start = new CyclicBarrier(binders);
        ExecutorService threads = Executors.newFixedThreadPool(binders);
        try {
            for (int round = 0; round < 300; round++) {
                staleFile(address);
                List<Future<StreamServer>> results = new ArrayList<>();
                for (int i = 0; i < binders; i++) {
                    results.add(threads.submit(() -> {
                        start.await();
                        try {
                            return StreamServer.bind(address);
                        } catch (ErrnoException e) {
                            assertEquals("EADDRINUSE", e.errnoName(), e.getMessage());
                            return null;
                        }
                    }));
                }
                List<StreamServer> bound = new ArrayList<>();
                for (Future<StreamServer> result : results) {
                    StreamServer server = result.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
                    if (server != null) {
                        bound.add(server);
                    }
                }
                try {
                    assertEquals(1, bound.size(), "round " + round + ": servers bound to one path at once");
                    assertNull(NetChild.reachedBy(bound.getFirst(), address, "round " + round), "round " + round);
                } finally {
                    bound.forEach(StreamServer::close);
                }
                assertTrue(Files.notExists(path), "round " + round + ": the winner's close removes its file");
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
