package io.jipc.net;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the socket tests share: where sockets live, child processes, byte helpers. */
final class SocketTestSupport {
    static final Duration LINE = Duration.ofSeconds(60);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private SocketTestSupport() {
    }

    /** The stream transports. */
    enum StreamKind {
        UNIX, TCP;

        /** A fresh address: a path in the test's socket directory, or port 0 of the IPv4 loopback. */
        String uri() {
            return this == UNIX ? "unix:" + newPath("s") : "tcp:127.0.0.1:0";
        }
    }

    /** The datagram transports. */
    enum DatagramKind {
        UNIXGRAM, UDP;

        String uri() {
            return this == UNIXGRAM ? "unixgram:" + newPath("d") : "udp:127.0.0.1:0";
        }
    }

    /** The directory of the test's socket files (in the test class's private jipc root). */
    static Path socketDirectory() {
        Path dir = JipcTestExtension.root().resolve("sock");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }

    static Path newPath(String prefix) {
        return socketDirectory().resolve(prefix + COUNTER.incrementAndGet() + ".sock");
    }

    static UnixDomainSocketAddress unix(Path path) {
        return UnixDomainSocketAddress.of(path);
    }

    /** Fails if socket files are left in the test's socket directory. */
    static void assertNoSocketFilesLeft() throws IOException {
        Path dir = socketDirectory();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            List<String> left = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of(), left, "socket files left behind in " + dir);
        }
    }

    static ChildJvm child(String... args) {
        return ChildJvm.builder(NetChild.class).args(args).quickStart().hardTimeout(Duration.ofSeconds(120)).start();
    }

    /** Starts a child echo server and returns it with the URI it listens on. */
    static ChildJvm echoServer(String uri, String allowedUid, int maxConnections, String[] listening) {
        ChildJvm server = child("echo-server", uri, allowedUid, Integer.toString(maxConnections));
        listening[0] = server.awaitLine("LISTENING ", LINE).substring("LISTENING ".length());
        return server;
    }

    /** Sends a line to a child's standard input. */
    static void tell(ChildJvm child) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write('\n');
        in.flush();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String hexHeader(long length) {
        return String.format("%016x", length);
    }

}
