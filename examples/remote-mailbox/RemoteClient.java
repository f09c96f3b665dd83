import io.jipc.remote.RemotePeerLostException;
import io.jipc.remote.RemoteMailbox;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Terminal 2, "host B": sends each word to the mailbox {@code requests} of host A over TCP and takes
 * the answer from its mailbox {@code replies}, with the same verbs as a local mailbox; ends with "bye".
 *
 * <pre>examples/run remote-mailbox/RemoteClient.java 127.0.0.1 7070 hello world</pre>
 */
public class RemoteClient {
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2 || !args[1].matches("\\d+")) {
            usage();
        }
        String base = "tcp://" + args[0] + ":" + args[1] + "/";
        try (RemoteMailbox requests = RemoteMailbox.connect(URI.create(base + "requests"));
             RemoteMailbox replies = RemoteMailbox.connect(URI.create(base + "replies"))) {
            for (int i = 2; i <= args.length; i++) {
                String word = i < args.length ? args[i] : "bye";
                requests.put(word.getBytes(StandardCharsets.UTF_8));   // returns once it is in the mailbox on host A
                byte[] reply = replies.poll(Duration.ofSeconds(30));  // the timeout runs on host A
                System.out.println("sent '" + word + "', got '"
                        + (reply == null ? "(nothing in 30 s)" : new String(reply, StandardCharsets.UTF_8)) + "'");
            }
        } catch (RemotePeerLostException e) {                                  // not there, or gone since
            fail("cannot reach a mailbox gateway at " + args[0] + ":" + args[1] + ": start RemoteHost first");
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
