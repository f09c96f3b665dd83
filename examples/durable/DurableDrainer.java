import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.Mailbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Terminal 2, later (after every process that had the mailbox open has ended): opens the durable
 * mailbox {@code <directory>/outbox} and receives every message waiting in it, in order.
 *
 * <pre>examples/run durable/DurableDrainer.java [directory (./durable-demo)]</pre>
 */
public class DurableDrainer {
    public static void main(String[] args) {
        if (args.length > 1) {
            usage();
        }
        Path file = Path.of(args.length > 0 ? args[0] : "durable-demo").resolve("outbox");
        try (Mailbox outbox = Mailbox.openDurable(file)) {
            System.out.println("opened durable mailbox '" + outbox.name() + "' in " + file.toAbsolutePath());
            int received = 0;
            for (byte[] message; (message = outbox.poll()) != null; received++) { // poll: null once empty
                System.out.println("received '" + new String(message, StandardCharsets.UTF_8) + "'");
            }
            System.out.println("drained " + received + " messages");
        } catch (MailboxNotFoundException e) {
            fail("no durable mailbox " + file + ": run DurableSender first");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run durable/DurableDrainer.java [directory]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
