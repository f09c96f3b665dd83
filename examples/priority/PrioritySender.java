import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: sends each {@code text:priority} argument at its priority (0..31) to a mailbox with
 * 32 priority levels, creating it if needed. The messages wait there for the receiver.
 *
 * <pre>examples/run priority/PrioritySender.java tasks backup:1 alarm:31 report:5 log:1 fire:31</pre>
 */
public class PrioritySender {
    public static void main(String[] args) throws InterruptedException {
        for (int i = 1; i < args.length; i++) {
            if (!args[i].matches("[^:]+:([12]?[0-9]|3[01])")) {         // text:0 .. text:31
                usage();
            }
        }
        String name = args.length > 0 ? args[0] : "tasks";
        MailboxOptions levels = MailboxOptions.builder().priorities(32).capacityBytes(64 * 1024)
                .maxMessageSize(1024).build();
        try (Mailbox tasks = Mailbox.openOrCreate(name, levels)) {
            for (int i = 1; i < args.length; i++) {
                String[] pair = args[i].split(":");
                int priority = Integer.parseInt(pair[1]);
                tasks.put(pair[0].getBytes(StandardCharsets.UTF_8), priority);
                System.out.println("sent '" + pair[0] + "' at priority " + priority);
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run priority/PrioritySender.java [mailbox] [text:priority...]");
        System.exit(2);
    }
}
