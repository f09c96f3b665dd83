package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The roles a gateway process takes in a mailbox for its clients (docs/remote.md, "Single-sender
 * mailboxes"): the sender role of a single-sender mailbox and the receiver role of an exclusive one
 * are the gateway's while a client connection has the mailbox open, and go back when the last one
 * ends, so that a local process may take them; a local holder makes a remote request that needs
 * the role fail with {@link Wire.ErrorCode#RECEIVER_BUSY} naming the role, on a connection that
 * stays usable. The gateway runs in a child JVM (a role belongs to a process); this JVM is the local
 * process. Until 2026-12-05 the gateway kept both roles until it stopped.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayRolesTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String NAME = "roles-single";

    @Test
    void theGatewayGivesItsRolesBackWhenItsLastClientLeaves() throws Exception {
        Mailbox.create(NAME, MailboxOptions.builder().singleSender(true).maxMessageSize(256).build()).close();
        ChildJvm gateway = ChildJvm.builder(RemoteChild.class).args("gateway", "127.0.0.1", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        try {
            int port = Integer.parseInt(gateway.awaitLine("GATEWAY ", LONG).substring("GATEWAY ".length()));
            URI uri = URI.create("tcp://127.0.0.1:" + port + "/" + NAME);
            Mailbox local = Mailbox.open(NAME);
            try (RemoteMailbox remote = RemoteMailbox.connect(uri, RemoteChild.OPTIONS)) {
                assertTrue(remote.offer(text("remote 1")));
                MailboxBusyException sending = assertThrows(MailboxBusyException.class, () -> local.offer(text("refused")));
                assertEquals(gateway.pid(), sending.holderPid(), sending.getMessage());
                assertEquals("remote 1", text(remote.take()));
                MailboxBusyException receiving = assertThrows(MailboxBusyException.class, local::poll);
                assertEquals(gateway.pid(), receiving.holderPid(), receiving.getMessage());
            }
            awaitNoClients(gateway);
            assertTrue(local.offer(text("local")), "the sender role went back with the last client");
            assertEquals("local", text(local.poll()), "and so did the receiver role");

            try (RemoteMailbox remote = RemoteMailbox.connect(uri, RemoteChild.OPTIONS)) {
                local.offer(text("local again")); // this process holds the sender role
                RemoteMailboxException busy = assertThrows(RemoteMailboxException.class,
                        () -> remote.offer(text("refused")));
                assertEquals(Wire.ErrorCode.RECEIVER_BUSY, busy.code(), busy.getMessage());
                assertTrue(busy.getMessage().contains("sender role busy: "), busy.getMessage());
                assertTrue(busy.getMessage().contains(Long.toString(ProcessHandle.current().pid())), busy.getMessage());

                local.close(); // gives both roles up
                assertTrue(remote.offer(text("remote 2")), "the same connection, once the local holder left");
                assertEquals("local again", text(remote.poll(LONG)));
                assertEquals("remote 2", text(remote.poll(LONG)));
                assertNull(remote.poll());
            } finally {
                local.close();
            }
        } finally {
            if (gateway.isAlive()) {
                gateway.process().getOutputStream().close();
                gateway.awaitLine("CLOSED", LONG);
                gateway.waitFor(LONG);
            }
            gateway.close();
            Mailbox.destroy(NAME);
        }
    }

    /** Waits until the gateway has seen its clients' connections end (a hang guard: the test's timeout). */
    private static void awaitNoClients(ChildJvm gateway) throws Exception {
        while (!clients(gateway).equals("CLIENTS 0")) {
            Thread.sleep(20);
        }
    }

    private static String clients(ChildJvm gateway) throws Exception {
        gateway.process().getOutputStream().write("count\n".getBytes(UTF_8));
        gateway.process().getOutputStream().flush();
        return gateway.awaitLine("CLIENTS ", LONG);
    }

    private static byte[] text(String s) {
        return s.getBytes(UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, UTF_8);
    }
}
