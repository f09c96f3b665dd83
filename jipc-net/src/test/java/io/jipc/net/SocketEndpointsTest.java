package io.jipc.net;

import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.EmptySenders;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jipc.net.SocketTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sending and receiving by socket URI (what {@code jipc send}/{@code jipc recv} use), and the wire
 * format seen by a program that knows nothing of jipc: a plain {@code socat} server (Debian package
 * {@code socat}) records exactly the documented frames.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketEndpointsTest {

    @AfterEach
    void nothingLeft() throws Exception {
        SocketTestSupport.assertNoSocketFilesLeft();
    }

    @Test
    void urisNameTheFourTransports() {
        assertEquals(SocketUri.Kind.UNIX, SocketUri.parse("unix:/run/x.sock").kind());
        assertEquals(SocketUri.Kind.UNIXGRAM, SocketUri.parse("unixgram:///run/x.sock").kind());
        SocketUri tcp = SocketUri.parse("tcp:127.0.0.1:7000");
        assertEquals(new InetSocketAddress("127.0.0.1", 7000), tcp.address());
        assertEquals("tcp:127.0.0.1:7000", tcp.toString());
        assertEquals(6000, ((InetSocketAddress) SocketUri.parse("udp:[::1]:6000").address()).getPort());
        assertEquals("unix:rel.sock", SocketUri.parse("unix:rel.sock").toString()); // relative: as written, without //
        // refused, not taken for another address: an empty host (the JDK's localhost), a signed port, a relative
        // path after // (unix://rel was the relative path rel)
        for (String bad : new String[] {"tcp:127.0.0.1", "tcp:127.0.0.1:x", "tcp:127.0.0.1:70000", "unix:", "smtp:x:1",
                "nothing", "tcp:[]:80", "udp:[]:80", "tcp:localhost:+80", "tcp:localhost:-1", "tcp:localhost:99999999999",
                "unix://rel", "unixgram://run/x.sock", "tcp:::1:80", "udp:::0", "tcp:[127.0.0.1]:1", "udp:[localhost]:1",
                "tcp:[::1]", "udp:[::1]", "tcp:[[::1]]:80", "tcp:[[::1]]", "tcp:[::1:80", "tcp:::1]:80"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SocketUri.parse(bad));
            assertTrue(e.getMessage().contains("expected unix:/path"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("tcp:[]:80")).getMessage()
                .contains(": empty host ("));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("tcp:localhost:+80")).getMessage()
                .contains(": port is not a number ("));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("unix://rel")).getMessage()
                .contains(": after // the path must be absolute (unix:///path)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("tcp:::1:80")).getMessage()
                .contains(": an IPv6 host goes in brackets, e.g. [::1]:7000 ("));
        // an IPv6 host without a port: the port is what is missing (it said the host goes in brackets)
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("tcp:[::1]")).getMessage()
                .contains(": no port: expected host:port, e.g. [::1]:7000 ("));
        // one pair of brackets: tcp:[[::1]]:80 was taken as tcp:[::1]:80
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("tcp:[[::1]]:80")).getMessage()
                .contains(": brackets within brackets: an IPv6 host goes in one pair, e.g. [::1]:7000 ("));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("tcp:[::1:80")).getMessage()
                .contains(": unbalanced brackets"));
        // brackets are for an IPv6 address only: tcp:[127.0.0.1]:1 and tcp:[localhost]:1 were taken as without them
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SocketUri.parse("tcp:[localhost]:1")).getMessage()
                .contains(": brackets are for an IPv6 address only, e.g. [::1]:7000; write localhost:1 ("));
        assertEquals(new java.net.InetSocketAddress("::1", 80), SocketUri.parse("tcp:[::1]:80").address());
        assertEquals(new java.net.InetSocketAddress("::ffff:127.0.0.1", 80).getAddress(),
                ((InetSocketAddress) SocketUri.parse("tcp:[::ffff:127.0.0.1]:80").address()).getAddress());
        assertTrue(SocketUri.isSocketUri("unixgram:/x"));
        assertTrue(!SocketUri.isSocketUri("mailbox:x"));
    }

    /**
     * A Unix path ending in {@code /} names a directory, never a socket: refused as the other malformed
     * URIs are ({@code unix:///}, the root directory, got EADDRINUSE from bind and ECONNREFUSED from connect).
     */
    @Test
    void aPathEndingInASlashIsRefused() {
        for (String bad : new String[] {"unix:///", "unix:/", "unixgram:///", "unix:/tmp/", "unix:run/"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SocketUri.parse(bad));
            assertTrue(e.getMessage().contains(": the path ends with / (a directory): a socket path names a file, "
                    + "e.g. unix:///run/x.sock (expected unix:/path"), e.getMessage());
        }
        assertEquals("unix:/run/x.sock", SocketUri.parse("unix:///run/x.sock").toString());
    }

    /**
     * A second bind to the path of a live server is refused, and the live server sees nothing of
     * it: the check whether the file is stale makes no connection (it did, and a stream server
     * accepted it as a client that left at once).
     */
    @Test
    void aRefusedSecondBindIsNoClientOfTheLiveServer() throws Exception {
        Path stream = SocketTestSupport.newPath("live-stream");
        Path datagram = SocketTestSupport.newPath("live-datagram");
        try (StreamServer live = StreamServer.bind(SocketTestSupport.unix(stream));
             DatagramEndpoint liveReceiver = DatagramEndpoint.bind(SocketTestSupport.unix(datagram))) {
            for (Path path : List.of(stream, datagram)) {
                io.jipc.ErrnoException e = assertThrows(io.jipc.ErrnoException.class,
                        () -> StreamServer.bind(SocketTestSupport.unix(path)).close());
                assertEquals("EADDRINUSE", e.errnoName(), path.toString());
                e = assertThrows(io.jipc.ErrnoException.class,
                        () -> DatagramEndpoint.bind(SocketTestSupport.unix(path)).close());
                assertEquals("EADDRINUSE", e.errnoName(), path.toString());
            }
            assertEquals(null, live.accept(Duration.ofMillis(200)), "no client came");
            assertEquals(null, liveReceiver.poll(Duration.ofMillis(50)));
            try (StreamConnection client = StreamConnection.connect(SocketTestSupport.unix(stream));
                 StreamConnection accepted = live.accept(Duration.ofSeconds(30))) {
                client.put(bytes("first"));
                assertEquals("first", new String(accepted.take()), "the first client is the first accepted");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp", "unixgram", "udp"})
    void messagesSentByUriAreReceivedByUriWhole(String scheme) throws Exception {
        String uri = switch (scheme) {
            case "unix", "unixgram" -> scheme + ":" + SocketTestSupport.newPath(scheme);
            default -> scheme + ":127.0.0.1:" + freePort(scheme);
        };
        List<byte[]> messages = List.of(bytes("hello"), new byte[0], bytes("world"), new byte[5000]);
        List<byte[]> received = new ArrayList<>();
        CompletableFuture<Integer> receiver = CompletableFuture.supplyAsync(() -> {
            try {
                return SocketEndpoints.receive(uri, messages.size(), Duration.ofSeconds(60), received::add);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        sendWhenBound(uri, messages);
        assertEquals(messages.size(), receiver.get(60, TimeUnit.SECONDS));
        for (int i = 0; i < messages.size(); i++) {
            assertArrayEquals(messages.get(i), received.get(i));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void aPlainSocatServerSeesTheDocumentedFrames(String scheme, Path root) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/socat")) || onPath("socat"),
                "socat is not installed (Debian package: socat)");
        Path out = root.resolve("socat-" + scheme + ".bin");
        Files.createDirectories(root);
        String uri;
        String listen;
        if (scheme.equals("unix")) {
            Path path = SocketTestSupport.newPath("socat");
            uri = "unix:" + path;
            listen = "UNIX-LISTEN:" + path;
        } else {
            int port = freePort("tcp");
            uri = "tcp:127.0.0.1:" + port;
            listen = "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr";
        }
        Process socat = new ProcessBuilder(ChildCommands.dyingWithThisJvm("socat", "-u", listen, "CREATE:" + out))
                .redirectErrorStream(true).start();
        try {
            sendWhenBound(uri, List.of(bytes("hello"), new byte[0], bytes("socket")));
            assertTrue(socat.waitFor(60, TimeUnit.SECONDS), "socat did not see the end of the stream");
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (String m : new String[] {"hello", "", "socket"}) {
                expected.write(ByteBuffer.allocate(8).putLong(m.length()).array());
                expected.write(bytes(m));
            }
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(out),
                    "8-byte big-endian length, then the payload, for each message");
        } finally {
            socat.destroyForcibly().waitFor();
            Files.deleteIfExists(out);
            if (scheme.equals("unix")) {
                Files.deleteIfExists(Path.of(uri.substring("unix:".length())));
            }
        }
    }

    @Test
    void receivingGivesUpAfterTheTimeoutWithoutAMessage() throws Exception {
        String uri = "unix:" + SocketTestSupport.newPath("quiet");
        List<byte[]> received = new ArrayList<>();
        assertEquals(0, SocketEndpoints.receive(uri, 1, Duration.ofMillis(200), received::add));
        assertEquals(0, received.size());
    }

    /**
     * The timeout is one wait for the next message: senders that connect and close without a message
     * do not start it again. Each accept and poll had the whole timeout, so such senders coming more
     * often than the timeout kept the receive going as long as they came. Here they come every 100 ms
     * for up to a minute; a receive with a timeout of 1 s must end while they still come.
     */
    @Test
    void emptySendersDoNotRestartTheTimeout() throws Exception {
        Path path = SocketTestSupport.newPath("empty");
        List<byte[]> received = new ArrayList<>();
        EmptySenders emptySenders = EmptySenders.start(path, Duration.ofMinutes(1));
        try (emptySenders) {
            assertEquals(0, SocketEndpoints.receive("unix:" + path, 1, Duration.ofSeconds(1), received::add));
        }
        assertTrue(!emptySenders.gaveUp(), "the receive ended only once the empty senders stopped coming");
        assertTrue(Files.notExists(path));
    }

    /**
     * One bad sender does not end a receive, as it does not end {@code jipc recv}: a sender killed
     * after a whole message and half of the next, and one announcing a length of -1 (both other
     * processes), are dropped and reported, and a good sender after them is received; the count is
     * returned (pn52 explorer: the exception escaped, the receiver's socket file was gone, and good
     * senders got ENOENT).
     */
    @Test
    void aBrokenSenderIsDroppedAndTheReceiveGoesOn() throws Exception {
        Path path = SocketTestSupport.newPath("drop");
        String uri = "unix:" + path;
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<io.jipc.JipcException> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Integer> receiver = CompletableFuture.supplyAsync(() -> {
            try {
                return SocketEndpoints.receive(uri, 3, Duration.ofSeconds(60), m -> received.add(new String(m)), dropped::add);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitFile(path);
        try (io.jipc.testkit.ChildJvm cut = SocketTestSupport.child("raw", uri,
                SocketTestSupport.hexHeader(2) + "6f6b" + SocketTestSupport.hexHeader(100) + "0011", "hold")) {
            cut.awaitLine("SENT", SocketTestSupport.LINE);
            cut.kill();
        }
        try (io.jipc.testkit.ChildJvm hostile = SocketTestSupport.child("raw", uri, "ffffffffffffffff00", "eof")) {
            hostile.awaitLine("EOF", SocketTestSupport.LINE);
        }
        sendWhenBound(uri, List.of(bytes("a"), bytes("b")));
        assertEquals(3, receiver.get(60, TimeUnit.SECONDS));
        assertEquals(List.of("ok", "a", "b"), received);
        assertEquals(2, dropped.size(), dropped.toString());
        assertTrue(dropped.get(0) instanceof PeerClosedException, dropped.toString());
        assertTrue(dropped.get(1) instanceof InvalidFrameException, dropped.toString());
        assertTrue(Files.notExists(path));
    }

    /** An over-size datagram is dropped and reported, and the next ones are received. */
    @Test
    void anOverSizeDatagramIsDroppedAndTheReceiveGoesOn() throws Exception {
        Path path = SocketTestSupport.newPath("dropgram");
        String uri = "unixgram:" + path;
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<io.jipc.JipcException> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Integer> receiver = CompletableFuture.supplyAsync(() -> {
            try {
                return SocketEndpoints.receive(uri, 2, Duration.ofSeconds(60), m -> received.add(new String(m)), dropped::add);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitFile(path);
        try (DatagramEndpoint sender = DatagramEndpoint.open(SocketTestSupport.unix(path),
                DatagramOptions.defaults().withMaxDatagramSize(100_000))) {
            sender.put(SocketTestSupport.unix(path), new byte[70_000]);
            sender.put(SocketTestSupport.unix(path), bytes("a"));
            sender.put(SocketTestSupport.unix(path), bytes("b"));
        }
        assertEquals(2, receiver.get(60, TimeUnit.SECONDS));
        assertEquals(List.of("a", "b"), received);
        assertEquals(1, dropped.size(), dropped.toString());
        assertTrue(dropped.getFirst() instanceof MessageTooLargeException, dropped.toString());
        assertTrue(Files.notExists(path));
    }

    private static void awaitFile(Path path) throws InterruptedException {
        while (!Files.exists(path)) { // the receiver binds in another thread; the class's timeout is the hang guard
            Thread.sleep(10);
        }
    }

    /** Sends once the receiver is there (it binds asynchronously), retrying refused connections. */
    private static void sendWhenBound(String uri, List<byte[]> messages) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        SocketUri target = SocketUri.parse(uri);
        while (true) {
            try {
                if (!target.kind().isStream() && target.kind() == SocketUri.Kind.UDP) {
                    Thread.sleep(500); // UDP cannot tell whether anybody listens: give the receiver time to bind
                }
                SocketEndpoints.send(uri, messages);
                return;
            } catch (io.jipc.ErrnoException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static int freePort(String scheme) {
        if (scheme.equals("udp")) {
            try (DatagramEndpoint probe = DatagramEndpoint.bind(SocketUri.parse("udp:127.0.0.1:0").address())) {
                return ((InetSocketAddress) probe.localAddress()).getPort();
            }
        }
        try (StreamServer probe = StreamServer.bind(SocketUri.parse("tcp:127.0.0.1:0").address())) {
            return ((InetSocketAddress) probe.localAddress()).getPort();
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
