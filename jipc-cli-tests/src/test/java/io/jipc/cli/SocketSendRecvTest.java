package io.jipc.cli;

import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.EmptySenders;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc recv} listening on a socket URI in one process and {@code jipc send} connecting from
 * this one: messages keep their boundaries over a Unix stream, TCP loopback and Unix datagrams.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SocketSendRecvTest {
    @TempDir
    Path dir;

    private static int jipc(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            return Main.run(args);
        } finally {
            System.setErr(err);
        }
    }

    /** Sends until the receiver is there (a connection refused before it listens is exit code 1). */
    private static void sendWhenListening(String uri, String... messages) throws InterruptedException {
        String[] args = new String[messages.length + 2];
        args[0] = "send";
        args[1] = uri;
        System.arraycopy(messages, 0, args, 2, messages.length);
        for (int attempt = 0; attempt < 600; attempt++) {
            if (jipc(args) == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("nobody listened on " + uri);
    }

    private static void awaitFile(Path path) throws InterruptedException {
        for (int attempt = 0; attempt < 600 && !Files.exists(path); attempt++) {
            Thread.sleep(100);
        }
    }

    private static ChildJvm receiver(String uri, int count) {
        return ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("recv", uri, "--count", Integer.toString(count)).start();
    }

    @Test
    void unixStreamMessagesKeepTheirBoundaries() throws Exception {
        String uri = "unix:" + dir.resolve("s.sock");
        try (ChildJvm recv = receiver(uri, 3)) {
            sendWhenListening(uri, "one", "two words", "");
            recv.assertSuccess(Duration.ofSeconds(90));
            assertEquals("one\ntwo words\n\n", recv.output());
        }
        assertTrue(Files.notExists(dir.resolve("s.sock")), "the receiver removes its socket file");
    }

    @Test
    void tcpLoopbackCarriesMessagesFromTwoSendersInTurn() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String uri = "tcp:127.0.0.1:" + port;
        try (ChildJvm recv = receiver(uri, 3)) {
            sendWhenListening(uri, "first", "second");
            assertEquals(0, jipc("send", uri, "third"));
            recv.assertSuccess(Duration.ofSeconds(90));
            assertEquals("first\nsecond\nthird\n", recv.output());
        }
    }

    @Test
    void aSenderWhoseStreamBreaksIsDroppedAndTheReceiverGoesOn() throws Exception {
        String uri = "unix:" + dir.resolve("torn.sock");
        try (ChildJvm recv = receiver(uri, 2)) {
            sendWhenListening(uri, "before");
            for (byte[] hostile : new byte[][] {
                    {0, 0, 0, 0, 0, 0, 0, 5, 'h', 'e', 'l'},                 // closed mid-frame: 3 of 5 bytes
                    {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 1}}) { // a length past any limit
                try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("torn.sock")))) {
                    raw.write(ByteBuffer.wrap(hostile));
                }
            }
            assertEquals(0, jipc("send", uri, "after"));
            recv.assertSuccess(Duration.ofSeconds(90));
            assertTrue(recv.output().startsWith("before\n"), recv.output());
            assertTrue(recv.output().contains("jipc recv: dropped a sender: "), recv.output());
            assertTrue(recv.output().endsWith("after\n"), recv.output());
        }
    }

    /**
     * {@code --timeout} bounds the whole receive: senders that connect and close without a message
     * do not start the wait again. Each accept and each poll had the full timeout, so a client that
     * connected and closed more often than the timeout kept {@code jipc recv --timeout 1s} waiting
     * as long as such clients came (then it said "waited at most 1s"). Here they come every 100 ms
     * for up to a minute; the receive must end while they still come.
     */
    @Test
    void emptySendersDoNotRestartAReceiveTimeout() throws Exception {
        Path socket = dir.resolve("empty.sock");
        EmptySenders emptySenders = EmptySenders.start(socket, Duration.ofMinutes(1));
        CliRun run;
        try (emptySenders) {
            run = CliRun.jipc("recv", "unix:" + socket, "--timeout", "1s");
        }
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("no message in unix:" + socket + " (waited at most 1s)"), run.err());
        assertTrue(!emptySenders.gaveUp(), "the receive ended only once the empty senders stopped coming");
    }

    /**
     * A peer that accepts and never reads: {@code --timeout 1s} bounds the whole frame, and the frame
     * cut short is said to be cut, not "not sent". The send bounded only the frame's first byte and
     * then waited the 10 s frame timeout, and said "message 1 not sent" although part of it went out.
     */
    @Test
    void aTimedStreamSendBoundsTheWholeFrameAndSaysItWasCut() throws Exception {
        Path socket = dir.resolve("sink.sock");
        try (java.nio.channels.ServerSocketChannel sink = java.nio.channels.ServerSocketChannel
                .open(java.net.StandardProtocolFamily.UNIX)) {
            sink.bind(UnixDomainSocketAddress.of(socket));
            String big = "x".repeat(1_000_000); // more than the socket buffers hold
            CliRun run = CliRun.jipc("send", "unix:" + socket, "--timeout", "1s", big);
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().startsWith("jipc send: message not read in time at unix:" + socket + " ("), run.err());
            assertTrue(run.err().contains("did not read a started frame in time ("), run.err());
            assertTrue(run.err().contains("): message 1 was cut after part of its 1000000 bytes went out: the connection "
                    + "was closed mid-frame: a jipc receiver drops it, a raw reader gets its first bytes; 0 message(s) sent"),
                    run.err());
            // one line: the close after it did not shut down the connection the cut frame had closed
            // ("jipc send: socket PATH is closed" followed)
            assertEquals(1, run.err().lines().count(), run.err());
        }
    }

    /**
     * Stopped (interrupted) after its frame began, a stream send says the message was cut, not
     * withdrawn, in one line.
     */
    @Test
    void aStreamSendStoppedMidFrameSaysItWasCutNotWithdrawn() throws Exception {
        Path socket = dir.resolve("stop.sock");
        try (java.nio.channels.ServerSocketChannel sink = java.nio.channels.ServerSocketChannel
                .open(java.net.StandardProtocolFamily.UNIX)) {
            sink.bind(UnixDomainSocketAddress.of(socket));
            String big = "x".repeat(1_000_000);
            CliRun[] run = new CliRun[1];
            Thread sender = Thread.ofPlatform().start(() -> run[0] = CliRun.jipc("send", "unix:" + socket, big));
            try (SocketChannel peer = sink.accept()) {
                ByteBuffer header = ByteBuffer.allocate(8);
                while (header.hasRemaining()) {
                    peer.read(header); // the frame has begun; it cannot all fit in the socket buffers
                }
                sender.interrupt(); // as jipc send's Ctrl-C / SIGTERM hook does
                sender.join(Duration.ofMinutes(1));
            }
            assertTrue(!sender.isAlive(), "the stopped send ended");
            assertEquals(1, run[0].exit(), run[0].err());
            assertTrue(run[0].err().startsWith("jipc send: stopped while sending to unix:" + socket + ": message 1 was cut "
                    + "after part of its 1000000 bytes went out: the connection was closed mid-frame: "), run[0].err());
            assertEquals(1, run[0].err().lines().count(), run[0].err());
        }
    }

    /**
     * A socket path that is a directory is a usage error that says so: {@code unix:///} (the root
     * directory) by its form, an existing directory ({@code unix:/tmp}) when opened. Until 2026-12-06
     * {@code recv} said {@code EADDRINUSE (Address already in use) from bind of /} and {@code send}
     * {@code ECONNREFUSED}.
     */
    @Test
    void aDirectoryIsNoSocketPath() {
        for (String root : new String[] {"unix:///", "unixgram:///", "unix:" + dir + "/"}) {
            CliRun recv = CliRun.jipc("recv", root, "--timeout", "1s");
            assertEquals(2, recv.exit(), recv.err());
            assertTrue(recv.err().contains("': the path ends with / (a directory): a socket path names a file"), recv.err());
        }
        for (String[] args : new String[][] {{"recv", "unix:" + dir, "--timeout", "1s"}, {"recv", "unixgram:" + dir,
                "--timeout", "1s"}, {"send", "unix:" + dir, "m"}}) {
            CliRun run = CliRun.jipc(args);
            assertEquals(2, run.exit(), run.err());
            assertTrue(run.err().startsWith(args[1] + ": " + dir + " is a directory, not a socket path (a socket path "
                    + "names a file, e.g. " + args[1] + "/x.sock)\nUsage: jipc " + args[0]), run.err());
        }
    }

    @Test
    void unixDatagramsArriveOnePerMessage() throws Exception {
        Path socket = dir.resolve("d.sock");
        try (ChildJvm recv = receiver("unixgram:" + socket, 2)) {
            awaitFile(socket);
            assertEquals(0, jipc("send", "unixgram:" + socket, "ping", "pong"));
            recv.assertSuccess(Duration.ofSeconds(90));
            assertEquals("ping\npong\n", recv.output());
        }
    }

    /**
     * A datagram over the receiver's maximum is lost (the kernel consumed it): {@code recv} says so
     * on standard error and goes on with the next one, counting only those it delivered. It
     * stopped, exit 1, at the first, and the rest were lost.
     */
    @Test
    void anOversizedDatagramIsReportedAndTheReceiverGoesOn() throws Exception {
        Path socket = dir.resolve("big.sock");
        try (ChildJvm recv = receiver("unixgram:" + socket, 2)) {
            awaitFile(socket);
            assertEquals(0, jipc("send", "unixgram:" + socket, "before"));
            try (DatagramEndpoint big = DatagramEndpoint.open(UnixDomainSocketAddress.of(socket),
                    DatagramOptions.defaults().withMaxDatagramSize(70_000))) {
                big.put(UnixDomainSocketAddress.of(socket), new byte[65_508]);
            }
            assertEquals(0, jipc("send", "unixgram:" + socket, "after"));
            recv.assertSuccess(Duration.ofSeconds(90));
            String output = recv.output();
            assertTrue(output.startsWith("before\njipc recv: dropped a datagram: received a datagram of 65508 bytes from "
                    + "an unnamed socket"), output);
            assertTrue(output.endsWith("; it was dropped (open the endpoint with truncate to receive its start)\nafter\n"),
                    output);
        }
    }

    /**
     * Lecture 004's truncating receive on a datagram socket is the kernel's: {@code MSG_TRUNC}
     * tells the whole length of a datagram cut to the receive buffer.
     */
    @Test
    void maxBytesCutsADatagramToItsFirstBytesAndSaysSo() throws Exception {
        Path socket = dir.resolve("cut.sock");
        try (ChildJvm recv = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("recv", "unixgram:" + socket, "--count", "2", "--max-bytes", "4").start()) {
            awaitFile(socket);
            assertEquals(0, jipc("send", "unixgram:" + socket, "datagram", "ab"));
            recv.assertSuccess(Duration.ofSeconds(90));
            assertEquals("data\njipc recv: cut to 4 of its 8 bytes\nab\n", recv.output());
        }
        assertEquals(2, jipc("recv", "unixgram:" + dir.resolve("none.sock"), "--max-bytes", "0", "--nonblock"),
                "a datagram socket keeps at least one byte");
        assertTrue(Files.notExists(dir.resolve("none.sock")));
    }

    /** Port 0: the kernel picks a port, and the receiver says which, so that a sender can use it. */
    @Test
    void aReceiverOnPortZeroSaysWhichPortTheKernelGaveIt() throws Exception {
        for (String scheme : List.of("tcp", "udp")) {
            try (ChildJvm recv = receiver(scheme + ":127.0.0.1:0", 1)) {
                String prefix = "jipc recv: listening on " + scheme + ":127.0.0.1:";
                String line = recv.awaitLine(prefix, Duration.ofSeconds(90));
                String uri = scheme + ":127.0.0.1:" + Integer.parseInt(line.substring(prefix.length()).trim());
                assertEquals(0, jipc("send", uri, "to " + scheme));
                recv.assertSuccess(Duration.ofSeconds(90));
                assertTrue(recv.output().endsWith("to " + scheme + "\n"), recv.output());
            }
        }
    }

    /** Its failure names the port it listened on, not port 0. */
    @Test
    void aReceiverOnPortZeroNamesItsPortWhenNothingCame() {
        for (String scheme : List.of("tcp", "udp")) {
            PrintStream err = System.err;
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            int exit;
            try {
                System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
                exit = Main.run("recv", scheme + ":127.0.0.1:0", "--timeout", "50ms");
            } finally {
                System.setErr(err);
            }
            String said = e.toString(StandardCharsets.UTF_8);
            assertEquals(1, exit, said);
            java.util.regex.Matcher listening = java.util.regex.Pattern
                    .compile("listening on (" + scheme + ":127\\.0\\.0\\.1:[1-9][0-9]*)\n").matcher(said);
            assertTrue(listening.find(), said);
            assertTrue(said.contains("no message in " + listening.group(1) + " (waited at most 50ms)"), said);
        }
    }

    @Test
    void socketsHaveNoPriorities() {
        assertEquals(2, jipc("send", "unix:" + dir.resolve("x"), "--priority", "1", "x"));
    }
}
