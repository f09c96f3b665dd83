package io.jipc.net;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static io.jipc.net.SocketTestSupport.DatagramKind;
import static io.jipc.net.SocketTestSupport.LINE;
import static io.jipc.net.SocketTestSupport.bytes;
import static io.jipc.net.SocketTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unix-domain and UDP datagrams between real processes: one send is one receive, over-size
 * datagrams are refused on sending and rejected (or, when asked, truncated and marked) on
 * receiving; never shortened silently.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatagramProcessTest {

    @AfterEach
    void nothingLeft() throws Exception {
        SocketTestSupport.assertNoSocketFilesLeft();
    }

    /**
     * A bind that cannot allocate its endpoint's buffers (native memory, here limited to 1 MiB) fails
     * with OutOfMemoryError and leaves nothing bound: no socket file, and the path binds again once
     * memory is free. Until 2026-12-06 the socket stayed open and bound, its file in place, and the path
     * could not be bound again while the process lived (EADDRINUSE; the dgram56 explorer).
     */
    @Test
    void aBindThatCannotAllocateItsBuffersLeavesNothingBound() throws Exception {
        Path dir = SocketTestSupport.socketDirectory().resolve("oom");
        java.nio.file.Files.createDirectories(dir);
        try (ChildJvm child = ChildJvm.builder(NetChild.class).args("dgram-oom", dir.toString())
                .jvmArg("-XX:MaxDirectMemorySize=1m").quickStart().hardTimeout(Duration.ofSeconds(110)).start()) {
            String oom = child.awaitLine("OOM ", LINE);
            assertTrue(oom.endsWith(" file=false"), "the failed bind's socket file is gone: " + oom);
            assertEquals("REBOUND", child.awaitLine("RE", LINE), child.output());
            child.awaitLine("DONE", LINE);
            child.assertSuccess(LINE);
            try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(dir)) {
                assertEquals(java.util.List.of(), left.toList(), "socket files left");
            }
        } finally {
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    /**
     * A sender bound to a path that is not UTF-8 ({@code python3}, bytes {@code ff fe}) has no
     * {@code String} name: its datagram arrives with no sender (it cannot be answered), as from an
     * unnamed socket. Until 2026-12-06 the bytes became U+FFFD, and an answer went to that other path.
     */
    @Test
    void aSenderWhosePathIsNotUtf8HasNoSenderAddress() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3")),
                "python3 is needed (.ci/run installs it)");
        Path receiver = SocketTestSupport.newPath("r");
        String script = String.join("\n", "import os, socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "p = os.fsencode(sys.argv[1]) + b'/\\xff\\xfe.sock'",
                "s.bind(p)",
                "try:",
                "    s.sendto(b'hi', os.fsencode(sys.argv[2]))",
                "finally:",
                "    os.unlink(p)");
        try (DatagramEndpoint me = DatagramEndpoint.bind(SocketTestSupport.unix(receiver))) {
            Process sender = new ProcessBuilder("python3", "-c", script, SocketTestSupport.socketDirectory().toString(),
                    receiver.toString()).redirectErrorStream(true).start();
            assertTrue(sender.waitFor(60, TimeUnit.SECONDS), "python3 ended");
            assertEquals(0, sender.exitValue(), new String(sender.getInputStream().readAllBytes()));
            Datagram datagram = me.poll(LINE);
            assertNotNull(datagram, "the datagram came");
            assertEquals("hi", text(Arrays.copyOf(datagram.payload(), datagram.length())));
            assertNull(datagram.sender(), "no path names it");
        }
    }

    /** A child answering datagrams, and its address. */
    private static ChildJvm echo(DatagramKind kind, int max, boolean truncate, SocketAddress[] address) {
        ChildJvm child = SocketTestSupport.child("dgram-echo", kind.uri(), Integer.toString(max), Boolean.toString(truncate));
        address[0] = SocketUri.parse(child.awaitLine("BOUND ", LINE).substring("BOUND ".length())).address();
        return child;
    }

    /** An endpoint the child can answer: bound to a path (Unix-domain) or an ephemeral port (UDP). */
    private static DatagramEndpoint replyEndpoint(DatagramKind kind, DatagramOptions options) {
        return kind == DatagramKind.UNIXGRAM
                ? DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("reply")), options)
                : DatagramEndpoint.open(SocketUri.parse("udp:127.0.0.1:1").address(), options);
    }

    /** Ends the child: "bye" is the next datagram it receives and answers; then it exits. */
    private static void sayBye(DatagramEndpoint me, SocketAddress peer, ChildJvm child) throws Exception {
        me.put(peer, bytes("bye"));
        Datagram reply = me.poll(LINE);
        assertNotNull(reply, "no answer to bye");
        assertEquals("3:bye", text(reply.payload()));
        child.assertSuccess(LINE);
    }

    @ParameterizedTest
    @EnumSource(DatagramKind.class)
    void eachDatagramArrivesWholeAsOneMessage(DatagramKind kind) throws Exception {
        SocketAddress[] peer = new SocketAddress[1];
        try (ChildJvm child = echo(kind, 65_507, false, peer);
             DatagramEndpoint me = replyEndpoint(kind, DatagramOptions.defaults())) {
            for (int size : new int[] {0, 1, 3, 16, 1000, 65_507}) {
                byte[] m = new byte[size];
                Arrays.fill(m, (byte) 'x');
                me.put(peer[0], m);
                Datagram reply = me.poll(LINE);
                assertNotNull(reply, "reply to a datagram of " + size + " bytes");
                assertEquals(size + ":" + "x".repeat(Math.min(size, 16)), text(reply.payload()));
                assertEquals(peer[0], reply.sender());
                assertFalse(reply.truncated());
            }
            sayBye(me, peer[0], child);
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramKind.class)
    void aDatagramAboveTheMaximumIsRefusedBeforeSending(DatagramKind kind) throws Exception {
        SocketAddress[] peer = new SocketAddress[1];
        try (ChildJvm child = echo(kind, 65_507, false, peer);
             DatagramEndpoint me = replyEndpoint(kind, DatagramOptions.defaults().withMaxDatagramSize(100))) {
            MessageTooLargeException e = assertThrows(MessageTooLargeException.class, () -> me.put(peer[0], new byte[101]));
            assertEquals(101, e.length());
            assertEquals(100, e.limit());
            sayBye(me, peer[0], child); // the only datagram that arrived after the refused one
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramKind.class)
    void aReceivedDatagramAboveTheBufferIsAnErrorNotASilentTruncation(DatagramKind kind) throws Exception {
        SocketAddress[] peer = new SocketAddress[1];
        try (ChildJvm child = echo(kind, 100, false, peer);
             DatagramEndpoint me = replyEndpoint(kind, DatagramOptions.defaults())) {
            me.put(peer[0], new byte[250]);
            child.awaitLine("TOO LARGE 250", LINE);
            sayBye(me, peer[0], child);
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramKind.class)
    void truncationHappensOnlyWhenAskedAndIsMarked(DatagramKind kind) throws Exception {
        SocketAddress[] peer = new SocketAddress[1];
        try (ChildJvm child = echo(kind, 10, true, peer);
             DatagramEndpoint me = replyEndpoint(kind, DatagramOptions.defaults())) {
            me.put(peer[0], bytes("0123456789abcdef"));
            assertEquals("16:0123456789 (truncated)", text(me.poll(LINE).payload()));
            sayBye(me, peer[0], child);
        }
    }

    @Test
    void sendingToAUnixPathWhereNobodyReceivesFailsClearly() {
        Path nowhere = SocketTestSupport.newPath("none");
        try (DatagramEndpoint me = DatagramEndpoint.open(SocketTestSupport.unix(nowhere), DatagramOptions.defaults())) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> me.put(SocketTestSupport.unix(nowhere), bytes("x")));
            assertEquals("ENOENT", e.errnoName());
            assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramKind.class)
    void pollReturnsNullWhenNothingCameAndCloseRemovesTheSocketFile(DatagramKind kind) throws Exception {
        try (DatagramEndpoint me = DatagramEndpoint.bind(SocketUri.parse(kind.uri()).address())) {
            assertNull(me.poll());
            assertNull(me.poll(Duration.ofMillis(50)));
            me.put(me.localAddress(), bytes("to myself"));
            Datagram d = me.poll(LINE);
            assertArrayEquals(bytes("to myself"), d.payload());
        }
    }
}
