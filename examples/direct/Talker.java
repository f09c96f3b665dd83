import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.Endpoint;
import io.jipc.mailbox.Received;
import io.jipc.platform.ProcessIdentity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: sends each argument after the pid directly to that process — send(P, message) — and
 * waits for its reply with the lecture's receive(from, msg, sz): only that process's messages, into
 * a buffer of 32 bytes. A longer reply is cut to the buffer, and the receive says how long it was.
 *
 * <pre>examples/run direct/Talker.java 4242 hello world bye</pre>
 */
public class Talker {
    private static final int SZ = 32;

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1 || !args[0].matches("\\d+")) {
            usage();
        }
        ProcessIdentity peer = ProcessIdentity.of(Long.parseLong(args[0])).orElse(null);
        if (peer == null) {
            fail("no process " + args[0] + ": start EchoPeer and give the pid it prints");
        }
        ByteBuffer msg = ByteBuffer.allocate(SZ);
        try (Endpoint endpoint = Endpoint.open()) {
            for (int i = 1; i < args.length; i++) {
                endpoint.send(peer, args[i].getBytes(StandardCharsets.UTF_8));
                if (args[i].equals("bye")) {
                    break;
                }
                msg.clear();
                Received reply = endpoint.receive(peer, msg);
                String text = new String(msg.array(), 0, reply.copied(), StandardCharsets.UTF_8);
                System.out.println("pid " + reply.sender().pid() + " replied '" + text + "'"
                        + (reply.truncated() ? " (cut to " + reply.copied() + " of its " + reply.length() + " bytes)" : ""));
            }
        } catch (MailboxNotFoundException e) {                                   // not open, or closed since
            fail("process " + args[0] + " has no endpoint: start EchoPeer and give the pid it prints");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run direct/Talker.java <pid> [message...]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
