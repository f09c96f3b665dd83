import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: creates a rendezvous mailbox (zero capacity) and takes a message, then is busy for a
 * second, and so on until "bye"; then removes the mailbox. Each sender's put returns only when this process took its message.
 *
 * <pre>examples/run rendezvous/RendezvousReceiver.java meet</pre>
 */
public class RendezvousReceiver {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "meet";
        MailboxOptions zeroCapacity = MailboxOptions.builder().messageLimit(0).build();
        try (Mailbox meet = Mailbox.openOrCreate(name, zeroCapacity)) {
            System.out.println("rendezvous mailbox '" + name + "' ready; taking one message a second");
            while (true) {
                String text = new String(meet.take(), StandardCharsets.UTF_8);
                System.out.println("took '" + text + "'");
                if (text.equals("bye")) {
                    break;
                }
                Thread.sleep(1000);                           // busy: the next sender stays blocked
            }
            meet.destroy();
            System.out.println("mailbox '" + name + "' destroyed");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run rendezvous/RendezvousReceiver.java [mailbox]");
        System.exit(2);
    }
}
