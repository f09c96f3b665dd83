import io.jipc.remote.RemotePeerLostException;
import io.jipc.remote.RemoteMailbox;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * Terminal 2, "host B": sends each word to the mailbox {@code requests} of host A over TCP and takes
 * the answer from its mailbox {@code replies}, with the same verbs as a local mailbox; ends with "bye".
 * Each request starts with an id that host A puts at the start of its reply ("ID word" gets "ID WORD"):
 * a reply with another id (left in {@code replies} by an earlier run that was stopped or cut off
 * before it took it) is skipped, so no answer is paired with the wrong request.
 *
 * <pre>examples/run remote-mailbox/RemoteClient.java 127.0.0.1 7070 hello world</pre>
 */
public class RemoteClient {
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2 || !args[1].matches("\\d+")) {
            usage();
        }
        String base = "tcp://" + args[0] + ":" + args[1] + "/";
        String run = UUID.randomUUID().toString();                       // this run's requests: run/1, run/2, ...
        int exchanges = -1;                                              // -1: not connected yet
        try (RemoteMailbox requests = RemoteMailbox.connect(URI.create(base + "requests"));
             RemoteMailbox replies = RemoteMailbox.connect(URI.create(base + "replies"))) {
            exchanges = 0;
            for (int i = 2; i <= args.length; i++) {
                String word = i < args.length ? args[i] : "bye";
                String id = run + "/" + (i - 1);
                requests.put((id + " " + word).getBytes(StandardCharsets.UTF_8)); // returns once it is in the mailbox on host A
                String answer = "(nothing in 30 s)";
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                byte[] reply;
                while ((reply = replies.poll(Duration.ofNanos(deadline - System.nanoTime()))) != null) { // the timeout runs on host A
                    String text = new String(reply, StandardCharsets.UTF_8);
                    if (text.startsWith(id + " ")) {
                        answer = text.substring(id.length() + 1);
                        break;
                    }
                    System.out.println("skipped '" + text + "': not the answer to this request");
                }
                System.out.println("sent '" + word + "', got '" + answer + "'");
                exchanges++;
            }
        } catch (RemotePeerLostException e) {
            if (exchanges < 0) {                                         // not there
                fail("cannot reach a mailbox gateway at " + args[0] + ":" + args[1] + ": start RemoteHost first");
            }                                                            // gone since
            fail("lost the mailbox gateway at " + args[0] + ":" + args[1] + " after " + exchanges
                    + " exchange(s) (host A stopped or was killed, or the network failed): " + e.getMessage());
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run remote-mailbox/RemoteClient.java <host> <port> [word...]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
