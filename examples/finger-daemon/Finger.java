import io.jipc.ErrnoException;
import io.jipc.net.StreamConnection;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The client: sends a login name to the finger daemon's well-known socket and prints the answer.
 * It waits at most {@link #ANSWER_TIMEOUT} for the whole answer: a daemon that accepts and never
 * answers (or never closes) cannot hold it for ever.
 *
 * <pre>examples/run finger-daemon/Finger.java root /tmp/fingerd.sock</pre>
 */
public class Finger {
    /** How long the client waits for the daemon's whole answer, from its connect to the daemon's close. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {                                                 // both, as in the README
            usage();
        }
        String login = args[0];
        String path = args[1];
        String answer;
        try {
            answer = ask(login, path);
        } catch (InterruptedException tooSlow) {
            fail("no answer from the finger daemon at " + path + " within " + ANSWER_TIMEOUT.toSeconds() + "s");
            return;
        } catch (ErrnoException e) {
            switch (e.errnoName()) {
                case "ENOENT", "ECONNREFUSED" -> fail("no finger daemon at " + path + ": start FingerDaemon first");
                default -> throw e;
            }
            return;
        }
        System.out.print(answer);
    }

    /**
     * Sends the query and reads the answer until the daemon closes, given at most {@link #ANSWER_TIMEOUT}:
     * an alarm thread interrupts this thread when the time is up ({@code StreamConnection.read} ends on
     * an interrupt), as the daemon bounds its read of the request.
     *
     * @throws InterruptedException if the whole answer did not come in time
     */
    private static String ask(String login, String path) throws InterruptedException {
        Thread asker = Thread.currentThread();
        Thread alarm = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(ANSWER_TIMEOUT);
                asker.interrupt();                                               // the connect or read ends
            } catch (InterruptedException cancelled) {
                // the answer came in time
            }
        });
        try (StreamConnection connection = StreamConnection.connect(UnixDomainSocketAddress.of(path))) {
            connection.write(ByteBuffer.wrap((login + "\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer in = ByteBuffer.allocate(4096);
            StringBuilder answer = new StringBuilder();
            while (connection.read(in.clear()) > 0) {                           // until the daemon closes
                answer.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
            }
            return answer.toString();
        } finally {
            alarm.interrupt();
            while (alarm.isAlive()) {
                try {
                    alarm.join();
                } catch (InterruptedException rang) {
                    // the alarm rang just as the answer ended: the answer counts
                }
            }
            Thread.interrupted(); // (idem)
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run finger-daemon/Finger.java <login> <socket path>");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
