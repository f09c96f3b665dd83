package io.jipc.mailbox.processes;

import io.jipc.mailbox.Endpoint;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Two threads of this process wait in {@link Endpoint#send} to the same full (limit 1) or
 * rendezvous endpoint of a child, which then ends (SIGKILL) or closes its endpoint: every one of
 * those sends fails with {@link MailboxNotFoundException}, as the javadoc of send says. The threads
 * share one handle of the child's endpoint, which the first to notice the end closes; before the
 * fix the other thread, inside its send on that handle, got the handle's {@code ClosedException}
 * (or, rendezvous, the JDK's {@code IllegalStateException: Already closed}) instead: in 1 to 7 of
 * 20 sends here.
 */
class EndpointPeerGoneProcessTest extends ProcessTestFixture {
    private static final int ROUNDS = 20;
    private static final int SENDERS = 2;
    /** How long the senders run before the receiver goes: long enough for both to be waiting. */
    private static final long SETTLE_MILLIS = 300;

    /**
     * Opens its endpoint with the message limit {@code args[0]}, says "READY <pid> <start time>",
     * and never receives; on each line of stdin closes the endpoint (saying CLOSED) and, on the
     * next, opens it again, until stdin ends.
     */
    public static final class Receiver {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            MailboxOptions.Builder options = MailboxOptions.builder().messageLimit(Integer.parseInt(args[0]));
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, UTF_8));
            do {
                try (Endpoint endpoint = Endpoint.open(options)) {
                    say("READY " + endpoint.identity().pid() + " " + endpoint.identity().startTime());
                    if (stdin.readLine() == null) {
                        return;
                    }
                }
                say("CLOSED");
            } while (stdin.readLine() != null);
        }
    }

    @ParameterizedTest(name = "message limit {0}")
    @ValueSource(ints = {1, 0})
    void sendsWaitingOnAKilledProcessAllFailWithMailboxNotFound(int limit) throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        try (Endpoint me = Endpoint.open()) {
            for (int round = 0; round < ROUNDS; round++) {
                try (ChildJvm receiver = start(Receiver.class, Integer.toString(limit))) {
                    ProcessIdentity peer = identity(receiver.awaitLine("READY", CHILD));
                    List<String> ends = sendUntilFailure(me, peer, receiver::kill);
                    ends.forEach(end -> outcomes.merge(end, 1, Integer::sum));
                    assertFalse(Endpoint.exists(peer), "the killed process's endpoint is removed");
                }
            }
        }
        assertEquals(Map.of(MailboxNotFoundException.class.getName(), ROUNDS * SENDERS), outcomes,
                "how the waiting sends ended");
    }

    @ParameterizedTest(name = "message limit {0}")
    @ValueSource(ints = {1, 0})
    void sendsWaitingOnAnEndpointThatIsClosedAllFailWithMailboxNotFound(int limit) throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        try (Endpoint me = Endpoint.open(); ChildJvm receiver = start(Receiver.class, Integer.toString(limit))) {
            for (int round = 0; round < ROUNDS; round++) {
                ProcessIdentity peer = identity(receiver.awaitLine("READY", CHILD));
                List<String> ends = sendUntilFailure(me, peer, () -> {
                    proceed(receiver); // it closes its endpoint and lives on
                    receiver.awaitLine("CLOSED", CHILD);
                });
                ends.forEach(end -> outcomes.merge(end, 1, Integer::sum));
                proceed(receiver); // opens it again for the next round
            }
            receiver.process().getOutputStream().close();
            receiver.assertSuccess(CHILD);
        }
        assertEquals(Map.of(MailboxNotFoundException.class.getName(), ROUNDS * SENDERS),
                outcomes, "how the waiting sends ended");
    }

    @FunctionalInterface
    private interface Ending {
        void run() throws Exception;
    }

    /**
     * {@link #SENDERS} threads send to {@code peer} until a send fails (each waits once the
     * endpoint is full, or at once on a rendezvous endpoint); after {@link #SETTLE_MILLIS} {@code
     * end} makes the peer go. Returns how each thread's sending ended.
     */
    private static List<String> sendUntilFailure(Endpoint me, ProcessIdentity peer, Ending end) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                results.add(senders.submit(() -> {
                    try {
                        while (true) {
                            me.send(peer, new byte[64]);
                        }
                    } catch (MailboxNotFoundException e) {
                        return e.getClass().getName();
                    } catch (Exception e) {
                        return e.toString();
                    }
                }));
            }
            Thread.sleep(SETTLE_MILLIS);
            end.run();
            List<String> ends = new ArrayList<>();
            for (Future<String> result : results) {
                ends.add(result.get(CHILD.toSeconds(), TimeUnit.SECONDS)); // hang guard
            }
            return ends;
        } finally {
            senders.shutdownNow();
        }
    }

    /** The identity in a line "READY <pid> <start time>". */
    private static ProcessIdentity identity(String line) {
        String[] fields = line.split(" ");
        return new ProcessIdentity(Long.parseLong(fields[1]), Long.parseLong(fields[2]));
    }
}
