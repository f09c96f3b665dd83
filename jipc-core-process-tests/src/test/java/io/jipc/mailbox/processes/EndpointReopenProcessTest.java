package io.jipc.mailbox.processes;

import io.jipc.mailbox.Endpoint;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.Message;
import io.jipc.platform.ProcessIdentity;
import io.jipc.platform.Processes;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A child closes its endpoint and opens it again (default, bounded with limit 1, rendezvous),
 * while another process keeps sending to it with the same {@link Endpoint}: sends after the reopen
 * arrive in the new endpoint, and a send that waited in the old endpoint when it was closed fails
 * with {@link MailboxNotFoundException} and arrives nowhere. Before the fix the sending process
 * kept its handle of the destroyed endpoint (its name existed again): sends after the reopen
 * returned and were lost (default), the first was lost and the next waited for ever (bounded), or
 * the send never returned (rendezvous); a waiting send went on waiting in the destroyed file. No
 * send can hang the test: each is awaited with a timeout ({@link #SEND_WAIT}), and children have a
 * hard timeout.
 */
class EndpointReopenProcessTest extends ProcessTestFixture {
    /**
     * How long a send may take here before it counts as hung (the child receives meanwhile, and
     * waits longer than this for each message: a hung send is not ended by the child's exit).
     */
    private static final Duration SEND_WAIT = Duration.ofSeconds(10);
    /** How long the child waits for each message after its reopen before it reports what it got. */
    private static final Duration RECEIVE_WAIT = SEND_WAIT.multipliedBy(3);
    /** How long a send runs before the child closes: long enough for it to be waiting. */
    private static final long SETTLE_MILLIS = 300;
    private static final int SIGCONT = 18;
    private static final int SIGSTOP = 19;

    /**
     * Opens its endpoint ({@code args[0]}: the message limit, negative for none), says "READY
     * <pid> <start time>", then either ({@code args[1]} "receive") receives one message and says
     * "GOT1 <text>", or ("wait") waits for a line on stdin without receiving; closes its endpoint,
     * opens it again, says "REOPENED", receives until "end" (or nothing for {@link #RECEIVE_WAIT})
     * and says "AFTER <the texts received>", e.g. "AFTER [two, end]".
     */
    public static final class Receiver {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            int limit = Integer.parseInt(args[0]);
            MailboxOptions.Builder options = limit < 0 ? MailboxOptions.builder()
                    : MailboxOptions.builder().messageLimit(limit);
            try (Endpoint first = Endpoint.open(options)) {
                say("READY " + first.identity().pid() + " " + first.identity().startTime());
                if (args[1].equals("receive")) {
                    say("GOT1 " + text(first.poll(CHILD)));
                } else {
                    new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
                }
            }
            try (Endpoint second = Endpoint.open(options)) {
                say("REOPENED");
                List<String> received = new ArrayList<>();
                while (received.isEmpty() || !received.getLast().equals("end")) {
                    Message message = second.poll(RECEIVE_WAIT);
                    if (message == null) {
                        received.add("(nothing for " + RECEIVE_WAIT + ")");
                        break;
                    }
                    received.add(text(message));
                }
                say("AFTER " + received);
            }
        }

        private static String text(Message message) {
            return message == null ? "(nothing)" : new String(message.payload(), UTF_8);
        }
    }

    @ParameterizedTest(name = "message limit {0}")
    @ValueSource(ints = {-1, 1, 0})
    void sendsAfterTheReceiverReopenedItsEndpointArriveThere(int limit) throws Exception {
        ExecutorService sender = Executors.newSingleThreadExecutor();
        try (Endpoint me = Endpoint.open();
             ChildJvm receiver = start(Receiver.class, Integer.toString(limit), "receive")) {
            ProcessIdentity peer = identity(receiver.awaitLine("READY", CHILD));
            sendWithin(sender, me, peer, "one");
            receiver.awaitLine("GOT1 one", CHILD);
            receiver.awaitLine("REOPENED", CHILD);
            for (String text : List.of("two", "three", "end")) {
                sendWithin(sender, me, peer, text);
            }
            assertEquals("AFTER [two, three, end]", receiver.awaitLine("AFTER", CHILD));
            receiver.assertSuccess(CHILD);
        } finally {
            sender.shutdownNow();
            assertTrue(sender.awaitTermination(CHILD.toSeconds(), TimeUnit.SECONDS), "the sending thread ended");
        }
    }

    /**
     * The sending child waits in a send to the receiver's full (limit 1) or rendezvous endpoint; it
     * is stopped ({@code SIGSTOP}) while the receiver closes and reopens, so that it cannot see the
     * moment without an endpoint and finds a new one when it goes on ({@code SIGCONT}): its send
     * fails, as the send javadoc says, instead of going into the new endpoint (or, before the fix,
     * waiting in the destroyed one for ever), and its next sends arrive.
     */
    @ParameterizedTest(name = "message limit {0}")
    @ValueSource(ints = {1, 0})
    void aSendWaitingInTheClosedEndpointFailsAndArrivesNowhere(int limit) throws Exception {
        try (ChildJvm receiver = start(Receiver.class, Integer.toString(limit), "wait")) {
            String[] peer = receiver.awaitLine("READY", CHILD).split(" ");
            try (ChildJvm sender = start(Sender.class, peer[1], peer[2], Integer.toString(limit))) {
                sender.awaitLine("SENDING", CHILD);
                Thread.sleep(SETTLE_MILLIS); // it waits in the send now: the endpoint is full, or nobody receives
                int pid = (int) sender.pid();
                assertTrue(Processes.kill(pid, SIGSTOP), "SIGSTOP sent");
                try {
                    proceed(receiver); // it closes its endpoint and opens a new one
                    receiver.awaitLine("REOPENED", CHILD);
                } finally {
                    assertTrue(Processes.kill(pid, SIGCONT), "SIGCONT sent");
                }
                assertEquals("ENDED " + MailboxNotFoundException.class.getName(),
                        sender.awaitLine("ENDED", SEND_WAIT), "how the waiting send ended");
                assertEquals("AFTER [later, end]", receiver.awaitLine("AFTER", CHILD));
                sender.assertSuccess(CHILD);
            }
            receiver.assertSuccess(CHILD);
        }
    }

    /**
     * Sends to the process {@code args[0]} (pid) {@code args[1]} (start time): with a message limit
     * {@code args[2]} above 0 first one message that fills its endpoint; says "SENDING", sends
     * "waits" and says how that send ended ("ENDED returned", or "ENDED <exception class>"); then
     * sends "later" and "end".
     */
    public static final class Sender {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            ProcessIdentity peer = new ProcessIdentity(Long.parseLong(args[0]), Long.parseLong(args[1]));
            try (Endpoint me = Endpoint.open()) {
                if (Integer.parseInt(args[2]) > 0) {
                    me.send(peer, "fills".getBytes(UTF_8)); // dropped with the closed endpoint, unread
                }
                say("SENDING");
                try {
                    me.send(peer, "waits".getBytes(UTF_8));
                    say("ENDED returned");
                } catch (RuntimeException e) {
                    say("ENDED " + e.getClass().getName());
                }
                me.send(peer, "later".getBytes(UTF_8));
                me.send(peer, "end".getBytes(UTF_8));
            }
        }
    }

    private static Future<?> send(ExecutorService sender, Endpoint me, ProcessIdentity peer, String text) {
        return sender.submit(() -> {
            me.send(peer, text.getBytes(UTF_8));
            return null;
        });
    }

    /** Sends {@code text} on {@code sender}'s thread; fails if that does not return within {@link #SEND_WAIT}. */
    private static void sendWithin(ExecutorService sender, Endpoint me, ProcessIdentity peer, String text)
            throws Exception {
        Future<?> sent = send(sender, me, peer, text);
        try {
            sent.get(SEND_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            sent.cancel(true);
            fail("send of '" + text + "' did not return within " + SEND_WAIT);
        }
    }

    /** The identity in a line "READY <pid> <start time>". */
    private static ProcessIdentity identity(String line) {
        String[] fields = line.split(" ");
        return new ProcessIdentity(Long.parseLong(fields[1]), Long.parseLong(fields[2]));
    }
}
