import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: creates the mailbox (if needed) and prints every message it receives, until a
 * message "bye" arrives; then removes the mailbox.
 *
 * <pre>examples/run mailbox/MailboxReceiver.java inbox</pre>
 */
public class MailboxReceiver {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "inbox";
        try (Mailbox inbox = Mailbox.openOrCreate(name, MailboxOptions.defaults())) {
            System.out.println("waiting for messages on mailbox '" + name + "' (" + Mailbox.path(name) + ")");
            while (true) {
                byte[] message = inbox.take();                  // blocks; no CPU used while waiting
                String text = new String(message, StandardCharsets.UTF_8);
                System.out.println("received '" + text + "' (" + message.length + " bytes)");
                if (text.equals("bye")) {
                    break;
                }
            }
            inbox.destroy();                                    // the mailbox outlives processes until destroyed
            System.out.println("mailbox '" + name + "' destroyed");
        } catch (MailboxBusyException e) {                      // another process receives already
            fail("mailbox '" + name + "' already has a receiver, pid " + e.holderPid()
                    + ": stop it first, or choose another mailbox");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run mailbox/MailboxReceiver.java [mailbox]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
