import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: a slow consumer of a mailbox bounded to exactly 4 pending messages; handles one
 * item every 100 ms until "done", then removes the mailbox. A mailbox of that name made before
 * without a message limit is refused (one line, exit status 1): it would not hold the producer back.
 *
 * <pre>examples/run bounded/BoundedConsumer.java jobs</pre>
 */
public class BoundedConsumer {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "jobs";
        MailboxOptions fourAtMost = MailboxOptions.builder().messageLimit(4).maxMessageSize(1024).build();
        try (Mailbox jobs = Mailbox.openOrCreate(name, fourAtMost)) {
            if (jobs.messageLimit() == MailboxOptions.UNLIMITED) { // made earlier, by another program
                fail("mailbox '" + name + "' exists already without a message limit (made by another program):"
                        + " remove it (bin/jipc mailbox destroy " + name + "), or choose another name");
            }
            System.out.println("consuming from '" + name + "' (at most " + jobs.messageLimit() + " pending)");
            while (true) {
                String job = new String(jobs.take(), StandardCharsets.UTF_8);
                if (job.equals("done")) {
                    break;
                }
                Thread.sleep(100);                            // slow work: the producer has to wait
                System.out.println("consumed " + job);
            }
            jobs.destroy();
            System.out.println("mailbox '" + name + "' destroyed");
        } catch (MailboxBusyException e) {                      // another process receives already
            fail("mailbox '" + name + "' already has a receiver, pid " + e.holderPid()
                    + ": stop it first, or choose another mailbox");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run bounded/BoundedConsumer.java [mailbox]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
