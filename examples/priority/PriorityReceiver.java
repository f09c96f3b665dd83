import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Terminal 2: receives what is in the mailbox, highest priority first and in sending order within
 * a priority, with each message's header (sender, sequence, priority); then removes the mailbox.
 *
 * <pre>examples/run priority/PriorityReceiver.java tasks</pre>
 */
public class PriorityReceiver {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "tasks";
        MailboxOptions levels = MailboxOptions.builder().priorities(32).capacityBytes(64 * 1024)
                .maxMessageSize(1024).build();
        try (Mailbox tasks = Mailbox.openOrCreate(name, levels)) {
            Message m;
            while ((m = tasks.pollMessage(Duration.ofMillis(500))) != null) {
                System.out.println("priority " + m.priority() + ": '" + new String(m.payload(), StandardCharsets.UTF_8)
                        + "' (pid " + m.senderPid() + ", message #" + m.sequence() + " of its sender)");
            }
            tasks.destroy();
            System.out.println("mailbox '" + name + "' destroyed");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run priority/PriorityReceiver.java [mailbox]");
        System.exit(2);
    }
}
