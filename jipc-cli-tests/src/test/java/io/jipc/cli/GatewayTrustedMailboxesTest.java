package io.jipc.cli;

import io.jipc.cli.rpcdesk.Desk;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.Mailbox;
import io.jipc.net.StreamConnection;
import io.jipc.remote.Wire;
import io.jipc.rpc.RpcClient;
import io.jipc.rpc.RpcServer;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc gateway --all} (a child JVM) against the mailboxes jipc makes for receivers that trust
 * their senders: an RPC client's reply mailbox, both inboxes of a process group's member and the
 * process's endpoint (made by this JVM). A raw TCP peer speaking the gateway's framing is refused each of them at its Open
 * ({@code NO_SUCH_MAILBOX}, naming the label), and served a plain mailbox. Until 2026-12-06 those
 * mailboxes had no protocol label and the gateway opened them: a TCP peer wrote a forged RESULT
 * into a client's reply mailbox, and a forged broadcast into a member's inbox (gateway58 explorer).
 * No duration is asserted; the timeouts are hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GatewayTrustedMailboxesTest {
    private static final Duration WAIT = Duration.ofMinutes(1);
    private static final Pattern PORT = Pattern.compile("MailboxGateway\\[tcp://127\\.0\\.0\\.1:(\\d+), all mailboxes]");

    @Test
    void aGatewayServingEveryMailboxRefusesRpcReplyMailboxesAndGroupInboxes() throws Exception {
        try (Mailbox plain = Mailbox.create("trust-plain");
             RpcServer<Desk> server = RpcServer.builder("trust-desk", Desk.class, new RpcCommandTest.FrontDesk()).start();
             RpcClient<Desk> client = RpcClient.connect("trust-desk", Desk.class);
             ProcessGroup group = ProcessGroup.join("trust-g", 1);
             io.jipc.mailbox.Endpoint endpoint = io.jipc.mailbox.Endpoint.open();
             ChildJvm gateway = ChildJvm.builder(Main.class).quickStart()
                     .args("gateway", "--bind", "127.0.0.1:0", "--all", "--no-register").start()) {
            Matcher serving = PORT.matcher(gateway.awaitLine("MailboxGateway[", WAIT));
            assertTrue(serving.lookingAt(), serving.toString());
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", Integer.parseInt(serving.group(1)));
            String reply = onlyMailbox("trust-desk-reply-" + ProcessHandle.current().pid() + "-");
            List<String> inboxes = mailboxes("group.trust-g." + group.rank() + ".");
            assertEquals(2, inboxes.size(), inboxes.toString());

            assertInstanceOf(Wire.Opened.class, open(at, plain.name()), "an unlabelled mailbox is served");
            assertRefused(at, reply, "jipc-rpc-reply");
            for (String inbox : inboxes) {
                assertRefused(at, inbox, "jipc-group");
            }
            assertRefused(at, onlyMailbox("endpoint-"), "jipc-endpoint"); // fresh58c explorer: a forged sender
            assertEquals("hello, x", client.stub().greet("x"), "the client's calls are answered as before");
        } finally {
            Mailbox.destroy("trust-plain");
        }
    }

    private static void assertRefused(InetSocketAddress at, String mailbox, String label) throws Exception {
        Wire.Reply answer = open(at, mailbox);
        Wire.Error error = assertInstanceOf(Wire.Error.class, answer, mailbox + " must not be opened: " + answer);
        assertEquals(Wire.ErrorCode.NO_SUCH_MAILBOX, error.code(), error.text());
        assertTrue(error.text().contains("mailbox '" + mailbox + "' is not served by ")
                && error.text().contains(": it speaks protocol '" + label + "'"), error.text());
    }

    /** The gateway's answer to an Open of {@code mailbox} on a connection of its own, as any TCP peer sends it. */
    private static Wire.Reply open(InetSocketAddress at, String mailbox) throws Exception {
        try (StreamConnection peer = StreamConnection.connect(at)) {
            peer.put(Wire.encode(new Wire.Open(Wire.VERSION, mailbox)));
            for (Wire.Reply reply; ; ) {
                byte[] frame = peer.poll(WAIT);
                assertTrue(frame != null, "no answer to the Open of " + mailbox);
                if (!((reply = Wire.decodeReply(frame)) instanceof Wire.Heartbeat)) {
                    return reply;
                }
            }
        }
    }

    private static String onlyMailbox(String prefix) throws IOException {
        List<String> found = mailboxes(prefix);
        assertEquals(1, found.size(), prefix + ": " + found);
        return found.getFirst();
    }

    /** The names of this root's mailboxes that start with {@code prefix}. */
    private static List<String> mailboxes(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(Mailbox.path("x").getParent())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        }
    }
}
