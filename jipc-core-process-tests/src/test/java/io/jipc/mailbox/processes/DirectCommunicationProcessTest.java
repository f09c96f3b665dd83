package io.jipc.mailbox.processes;

import io.jipc.mailbox.Endpoint;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.Message;
import io.jipc.mailbox.Received;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Direct communication between real processes: send(P), receive(Q), receive(ANY), replies. */
class DirectCommunicationProcessTest extends ProcessTestFixture {

    private static ProcessIdentity of(ChildJvm child) {
        return ProcessIdentity.of(child.pid()).orElseThrow();
    }

    /** Opens its endpoint, says READY, replies "echo:<text>" to the sender of each message until "bye". */
    public static final class Echo {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Endpoint endpoint = Endpoint.open()) {
                System.out.println("READY");
                System.out.flush();
                while (true) {
                    Message m = endpoint.receive();
                    String text = new String(m.payload(), UTF_8);
                    if (text.equals("bye")) {
                        return;
                    }
                    endpoint.send(m.sender(), ("echo:" + text).getBytes(UTF_8));
                }
            }
        }
    }

    /** Opens its endpoint and sends each argument after the first (a pid) to that process. */
    public static final class SendTo {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            ProcessIdentity to = ProcessIdentity.of(Long.parseLong(args[0])).orElseThrow();
            try (Endpoint endpoint = Endpoint.open()) {
                for (int i = 1; i < args.length; i++) {
                    endpoint.send(to, args[i].getBytes(UTF_8));
                }
                System.out.println("SENT " + Long.toHexString(endpoint.identity().token()));
                System.out.flush();
            }
        }
    }

    @Test
    void processesNameEachOtherAndTheLinkWorksBothWays() throws Exception {
        try (Endpoint me = Endpoint.open(); ChildJvm echo = start(Echo.class)) {
            echo.awaitLine("READY", CHILD);
            ProcessIdentity peer = of(echo);
            assertTrue(Endpoint.exists(peer));
            me.send(peer, "hello".getBytes(UTF_8));
            Message reply = me.receive(peer);
            assertEquals("echo:hello", new String(reply.payload(), UTF_8));
            assertEquals(echo.pid(), reply.senderPid());
            me.send(peer, "bye".getBytes(UTF_8));
            echo.assertSuccess(CHILD);
            assertFalse(Endpoint.exists(peer), "a closed endpoint is gone");
            assertThrows(MailboxNotFoundException.class, () -> me.send(peer, "late".getBytes(UTF_8)));
        }
        assertTrue(Mailbox.path("x").getParent().toFile().list().length == 0, "no endpoint left behind");
    }

    /**
     * A process killed with its endpoint open leaves the file: sends to it fail within the liveness
     * period instead of filling it (offer) and then waiting forever (send), and the file is removed.
     */
    @Test
    void sendsToAKilledProcessFailAndItsEndpointIsRemoved() throws Exception {
        try (Endpoint me = Endpoint.open(); ChildJvm echo = start(Echo.class)) {
            echo.awaitLine("READY", CHILD);
            ProcessIdentity peer = of(echo);
            me.send(peer, "hello".getBytes(UTF_8));
            assertEquals("echo:hello", new String(me.receive(peer).payload(), UTF_8));
            echo.kill();
            echo.waitFor(CHILD);
            assertFalse(Endpoint.exists(peer), "nobody closed it, but its process is dead");
            MailboxNotFoundException e = assertThrows(MailboxNotFoundException.class, () -> {
                byte[] big = new byte[1000];
                for (int i = 0; i < 1_000_000; i++) { // fills the endpoint unless the death is noticed
                    me.send(peer, big);
                }
            });
            assertTrue(e.getMessage().contains("process " + echo.pid() + " has ended"), e.getMessage());
            assertFalse(Endpoint.exists(peer), "the dead process's endpoint is removed");
            assertThrows(MailboxNotFoundException.class, () -> me.offer(peer, "late".getBytes(UTF_8)));
        }
    }

    @Test
    void aClosedEndpointSendsNothing() throws Exception {
        try (ChildJvm echo = start(Echo.class)) {
            echo.awaitLine("READY", CHILD);
            ProcessIdentity peer = of(echo);
            Endpoint me = Endpoint.open();
            me.close();
            assertThrows(io.jipc.ClosedException.class, () -> me.send(peer, "late".getBytes(UTF_8)));
            assertThrows(io.jipc.ClosedException.class, () -> me.offer(peer, "late".getBytes(UTF_8)));
            try (Endpoint again = Endpoint.open()) {
                again.send(peer, "bye".getBytes(UTF_8));
            }
            echo.assertSuccess(CHILD);
        }
    }

    @Test
    void receiveFromQTakesOnlyQsMessagesAndKeepsTheOthersForLater() throws Exception {
        try (Endpoint me = Endpoint.open()) {
            String self = Long.toString(me.identity().pid());
            try (ChildJvm first = start(SendTo.class, self, "r1", "r2");
                 ChildJvm second = start(SendTo.class, self, "q1", "q2")) {
                ProcessIdentity r = identity(first.awaitLine("SENT", CHILD));
                first.assertSuccess(CHILD);
                ProcessIdentity q = identity(second.awaitLine("SENT", CHILD));
                second.assertSuccess(CHILD);
                // r1, r2 arrived first, yet receive(q) skips them
                assertEquals("q1", new String(me.receive(q).payload(), UTF_8));
                assertEquals("q2", new String(me.poll(q, CHILD).payload(), UTF_8));
                assertNull(me.poll(q, Duration.ofMillis(20)));
                assertEquals(r.pid(), first.pid());
                Message any = me.receive();
                assertEquals("r1", new String(any.payload(), UTF_8), "receive(ANY): the oldest kept message");
                assertEquals(first.pid(), any.senderPid());
                assertEquals("r2", new String(me.poll(Duration.ofSeconds(5)).payload(), UTF_8));
                assertNull(me.poll(Duration.ofMillis(20)));
            }
        }
    }

    /**
     * Lecture 004's receive(from, msg, sz) between processes: from Q only, or from anyone with the
     * sender filled in; a message longer than the buffer is cut to it and says how long it was.
     */
    @Test
    void aTruncatingReceiveFillsTheBufferNamesTheSenderAndReportsTheWholeLength() throws Exception {
        try (Endpoint me = Endpoint.open()) {
            String self = Long.toString(me.identity().pid());
            String longText = "a message longer than the sixteen-byte buffer";
            try (ChildJvm first = start(SendTo.class, self, "short", longText);
                 ChildJvm second = start(SendTo.class, self, "from q")) {
                ProcessIdentity r = identity(first.awaitLine("SENT", CHILD));
                first.assertSuccess(CHILD);
                ProcessIdentity q = identity(second.awaitLine("SENT", CHILD));
                second.assertSuccess(CHILD);

                ByteBuffer buffer = ByteBuffer.allocate(16);
                Received fromQ = me.receive(q, buffer);
                assertEquals(new Received(q, 6, 6), fromQ);
                assertFalse(fromQ.truncated());
                assertEquals("from q", new String(buffer.array(), 0, buffer.position(), UTF_8));

                buffer.clear();
                Received any = me.receive(null, buffer); // "dontcare": the sender is filled in
                assertEquals(r, any.sender());
                assertEquals(5, any.copied());
                buffer.clear();
                Received cut = me.poll(r, buffer, CHILD);
                assertEquals(longText.length(), cut.length());
                assertEquals(16, cut.copied());
                assertTrue(cut.truncated());
                assertEquals(longText.substring(0, 16), new String(buffer.array(), UTF_8));
                assertNull(me.poll(null, buffer, Duration.ofMillis(20)), "the rest of it is not another message");
                assertThrows(java.nio.ReadOnlyBufferException.class,
                        () -> me.poll(null, ByteBuffer.allocate(4).asReadOnlyBuffer(), Duration.ofMillis(20)));
            }
        }
    }

    /** The identity a child printed as a token ("SENT <hex>"): usable after it exited. */
    private static ProcessIdentity identity(String line) {
        long token = Long.parseUnsignedLong(line.substring(line.indexOf(' ') + 1), 16);
        return new ProcessIdentity(ProcessIdentity.pidOf(token), token & 0xFFFF_FFFFL);
    }
}
