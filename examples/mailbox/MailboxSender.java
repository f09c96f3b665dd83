import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: sends each argument after the mailbox name as one message.
 *
 * <pre>examples/run mailbox/MailboxSender.java inbox hello world bye</pre>
 */
public class MailboxSender {
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) { // nothing to send: no mailbox made for nothing
            usage();
        }
        String name = args[0];
        try (Mailbox inbox = Mailbox.openOrCreate(name, MailboxOptions.defaults())) {
            for (int i = 1; i < args.length; i++) {
                inbox.put(args[i].getBytes(StandardCharsets.UTF_8)); // blocks only while the mailbox is full
                System.out.println("sent '" + args[i] + "'");
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run mailbox/MailboxSender.java <mailbox> <message>...");
        System.exit(2);
    }
}
