import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: a slow consumer of a mailbox bounded to exactly 4 pending messages; handles one
 * item every 100 ms until "done", then removes the mailbox.
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
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run bounded/BoundedConsumer.java [mailbox]");
        System.exit(2);
    }
}
