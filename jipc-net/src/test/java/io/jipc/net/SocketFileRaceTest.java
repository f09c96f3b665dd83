package io.jipc.net;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildJvm;
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

import static io.jipc.net.SocketTestSupport.LINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Binds and closes racing on one socket path, in threads and in processes: replacing a stale
 * file and removing one's own are one step among jipc binders (the directory's {@code flock}), so
 * at most one server is bound to a path and nobody's close removes a live successor's file.
 * (pn52 explorer: two binders that found one stale file both succeeded, the first orphaned; a
 * closing server removed the file its successor had just bound.)
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

    @Test
    void aClosingServerNeverRemovesItsSuccessorsFile() throws Exception {
        Path path = SocketTestSupport.newPath("restart");
        UnixDomainSocketAddress address = SocketTestSupport.unix(path);
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService closer = Executors.newSingleThreadExecutor();
        try {
            // the window is a few system calls wide: without the fix it was hit once in 1,000 to 4,000 rounds
            for (int round = 0; round < 5000; round++) {
                StreamServer old = StreamServer.bind(address);
                Future<?> closed = closer.submit(() -> {
                    start.await();
                    old.close();
                    return null;
                });
                start.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
                StreamServer successor = null;
                try {
                    while (successor == null) { // the restart: bind as soon as the old one lets go
                        try {
                            successor = StreamServer.bind(address);
                        } catch (ErrnoException e) {
                            assertEquals("EADDRINUSE", e.errnoName(), e.getMessage());
                        }
                    }
                    closed.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
                    assertTrue(Files.exists(path), "round " + round + ": the old server's close removed its successor's file");
                    assertNull(NetChild.reachedBy(successor, address, "round " + round), "round " + round);
                } finally {
                    if (successor != null) {
                        successor.close();
                    }
                }
            }
        } finally {
            closer.shutdownNow();
        }
    }

    @Test
    void processesBindingClosingAndLeavingStaleFilesOnOnePathNeverOrphanAServer() throws Exception {
        Path path = SocketTestSupport.newPath("procs");
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                children.add(SocketTestSupport.child("bind-race", path.toString(), "400"));
            }
            for (ChildJvm child : children) {
                child.awaitLine("READY", LINE);
            }
            for (ChildJvm child : children) {
                SocketTestSupport.tell(child); // all at once, as near as the pipes allow
            }
            int bound = 0;
            for (ChildJvm child : children) {
                String done = child.awaitLine("DONE ", HANG_GUARD);
                if (child.output().contains("ORPHANED")) {
                    fail("a server was orphaned in child " + child.pid() + ":\n" + child.output());
                }
                bound += Integer.parseInt(done.split(" ")[1].substring("bound=".length()));
                assertEquals(0, child.waitFor(LINE), child.output());
            }
            assertEquals(3 * 400, bound, "every child bound its rounds");
        } finally {
            children.forEach(ChildJvm::close);
            Files.deleteIfExists(path); // the last stale file a child left
        }
    }

    /**
     * Any process that can read the directory can hold its {@code flock} (another user, in {@code
     * /tmp}): binds and closes there then wait only a bounded time and go on without the lock
     * (net52 explorer: with a blocking {@code flock} they waited as long as the holder liked,
     * uninterruptibly, and a SIGTERMed receiver left its socket file behind). Hang guards only.
     */
    @Test
    void aForeignHolderOfTheDirectorysFlockCannotStopBindsOrCloses() throws Exception {
        Path path = SocketTestSupport.newPath("held");
        Path datagramPath = SocketTestSupport.newPath("heldd");
        UnixDomainSocketAddress address = SocketTestSupport.unix(path);
        // --no-fork: flock execs the shell, which execs sleep, all one process holding the lock, killed with this JVM
        Process holder = new ProcessBuilder(io.jipc.testkit.ChildCommands.dyingWithThisJvm("flock", "--no-fork",
                path.getParent().toString(), "sh", "-c", "echo held; exec sleep 300")).redirectErrorStream(true).start();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine();
            assertEquals("held", line, "flock(1) took the directory's lock");
            threads.submit(() -> {
                StreamServer server = StreamServer.bind(address);
                try {
                    assertNull(NetChild.reachedBy(server, address, "held"));
                } finally {
                    server.close();
                }
                return null;
            }).get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
            assertTrue(Files.notExists(path), "the close removed the file while another held the directory's lock");
            threads.submit(() -> {
                DatagramEndpoint endpoint = DatagramEndpoint.bind(SocketTestSupport.unix(datagramPath));
                assertTrue(Files.exists(datagramPath));
                endpoint.close();
                return null;
            }).get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
            assertTrue(Files.notExists(datagramPath), "the datagram endpoint's close removed its file");
            assertTrue(holder.isAlive(), "the holder kept the lock throughout");
        } finally {
            threads.shutdownNow();
            holder.descendants().forEach(ProcessHandle::destroyForcibly);
            holder.destroyForcibly();
            holder.waitFor(60, TimeUnit.SECONDS);
        }
    }
}
