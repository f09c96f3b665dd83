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
        String name = args.length > 0 ? args[0] : "inbox";
        try (Mailbox inbox = Mailbox.openOrCreate(name, MailboxOptions.defaults())) {
            for (int i = 1; i < args.length; i++) {
                inbox.put(args[i].getBytes(StandardCharsets.UTF_8)); // blocks only while the mailbox is full
                System.out.println("sent '" + args[i] + "'");
            }
        }
    }
}
