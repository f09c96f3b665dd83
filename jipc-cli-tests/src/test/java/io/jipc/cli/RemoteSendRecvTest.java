package io.jipc.cli;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.remote.MailboxGateway;
import io.jipc.Timeouts;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc send/recv tcp://HOST:PORT/NAME}: the address a {@code jipc gateway} prints for a
 * mailbox it exports reaches that mailbox from the shell, over TCP loopback through a real gateway;
 * {@code tcp:HOST:PORT} stays a plain socket.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RemoteSendRecvTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theGatewaysAddressOfAMailboxIsAUriForSendAndRecv() throws Exception {
        try (Mailbox box = Mailbox.create("remote-box");
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .export("remote-box").start()) {
            String uri = gateway.address("remote-box");
            assertTrue(uri.startsWith("tcp://"), uri);

            assertEquals(new CliRun(0, "", ""), CliRun.jipc("send", uri, "first", "second"));
            assertArrayEquals(utf8("first"), box.poll());
            assertArrayEquals(utf8("second"), box.poll());
            assertNull(box.poll());

            box.put(utf8("from this host"));
            assertEquals(new CliRun(0, "from this host\n", ""), CliRun.jipc("recv", uri));
            CliRun none = CliRun.jipc("recv", uri, "--timeout", "100ms");
            assertEquals(1, none.exit());
            assertTrue(none.err().contains("no message in " + uri), none.err());

            String other = uri.substring(0, uri.lastIndexOf('/') + 1) + "not-exported";
            CliRun refused = CliRun.jipc("send", other, "x");
            assertEquals(1, refused.exit(), refused.err());
            assertTrue(refused.err().startsWith("jipc send: "), refused.err());
        } finally {
            Mailbox.destroy("remote-box");
        }
    }

    /** A remote mailbox with levels takes sends at a priority and reports each message's, as a local one. */
    @Test
    void aRemoteMailboxTakesAndReportsPriorities() throws Exception {
        try (Mailbox box = Mailbox.create("remote-levels", MailboxOptions.builder().priorities(3).build());
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .export("remote-levels").start()) {
            String uri = gateway.address("remote-levels");
            assertEquals(new CliRun(0, "", ""), CliRun.jipc("send", uri, "low"));
            assertEquals(new CliRun(0, "", ""), CliRun.jipc("send", uri, "--priority", "2", "high"));
            CliRun outside = CliRun.jipc("send", uri, "--priority", "3", "x");
            assertEquals(2, outside.exit(), outside.err());
            assertEquals(new CliRun(0, "2\thigh\n0\tlow\n", ""), CliRun.jipc("recv", uri, "-n", "2", "--show-priority"));
        } finally {
            Mailbox.destroy("remote-levels");
        }
    }

    @Test
    void aMalformedAddressIsAUsageErrorAndAMissingGatewayAFailure() throws Exception {
        CliRun noPort = CliRun.jipc("send", "tcp://127.0.0.1/box", "x");
        assertEquals(2, noPort.exit());
        assertTrue(noPort.err().contains("not a remote mailbox address (tcp://localhost:7070/orders)"), noPort.err());
        assertEquals(2, CliRun.jipc("send", "tcp://127.0.0.1:7070/a/b", "x").exit(), "a name has no slash");

        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        CliRun nobody = CliRun.jipc("send", "tcp://127.0.0.1:" + closed + "/box", "x");
        assertEquals(1, nobody.exit(), nobody.err());
        assertTrue(nobody.err().startsWith("jipc send: "), nobody.err());
        // nothing reached a gateway, so nothing can be in the mailbox: not "may or may not" (until 2026-12-06)
        assertTrue(nobody.err().contains("nothing was sent or taken"), nobody.err());
        assertTrue(nobody.err().contains("message 1 not sent; 0 message(s) sent"), nobody.err());
        assertFalse(nobody.err().contains("may or may not"), nobody.err());
    }

    /**
     * A gateway that accepts connections and then says nothing (here stopped with {@code SIGSTOP}):
     * a send's or receive's {@code --timeout} and {@code --nonblock} bound the connection too, which
     * fails with the Open's timeout, not after the 3 s peer timeout ("nothing heard from the
     * gateway"); and the send says nothing was sent. Until 2026-12-06 each waited the peer timeout
     * and the send said the message "may or may not have been sent".
     */
    @Test
    void theWaitOfSendAndRecvBoundsTheConnectionToAStoppedGateway() throws Exception {
        Duration longWait = Duration.ofSeconds(30);
        try (Mailbox box = Mailbox.create("remote-stopped");
             ChildJvm gateway = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                     .args("gateway", "--bind", "127.0.0.1:0", "--no-register", "remote-stopped").start()) {
            String uri = gateway.awaitLine("tcp://", longWait).strip(); // printed once it listens
            ProcessSignals.send(gateway.pid(), Signal.SIGSTOP);
            try {
                ProcessStates.awaitStopped(gateway.pid(), longWait);
                CliRun recv = CliRun.jipc("recv", uri, "--timeout", "2s"); // below the 3 s peer timeout
                assertEquals(1, recv.exit(), recv.err());
                assertTrue(recv.err().contains("did not answer its Open within the connect timeout of 2s"), recv.err());
                assertFalse(recv.err().contains("nothing heard from the gateway"), recv.err());

                CliRun send = CliRun.jipc("send", uri, "--nonblock", "x");
                assertEquals(1, send.exit(), send.err());
                assertTrue(send.err().contains("did not answer its Open within the connect timeout of "
                        + Timeouts.text(Duration.ofSeconds(1))), send.err());
                assertTrue(send.err().contains("nothing was sent or taken"), send.err());
                assertTrue(send.err().contains("message 1 not sent; 0 message(s) sent"), send.err());
                assertFalse(send.err().contains("may or may not"), send.err());
            } finally {
                ProcessSignals.send(gateway.pid(), Signal.SIGCONT);
            }
            assertNull(box.poll(), "nothing was sent");
        } finally {
            Mailbox.destroy("remote-stopped");
        }
    }
}
