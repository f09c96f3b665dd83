import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: produces {@code count} jobs as fast as it can into a mailbox bounded to 4 pending
 * messages: {@code offer} says when the mailbox is full, then {@code put} waits for room. A mailbox
 * of that name made before without a message limit is refused (one line, exit status 1).
 *
 * <pre>examples/run bounded/BoundedProducer.java jobs 12</pre>
 */
public class BoundedProducer {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "jobs";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        MailboxOptions fourAtMost = MailboxOptions.builder().messageLimit(4).maxMessageSize(1024).build();
        try (Mailbox jobs = Mailbox.openOrCreate(name, fourAtMost)) {
            if (jobs.messageLimit() == MailboxOptions.UNLIMITED) { // made earlier, by another program
                fail("mailbox '" + name + "' exists already without a message limit (made by another program):"
                        + " remove it (bin/jipc mailbox destroy " + name + "), or choose another name");
            }
            int waits = 0;
            for (int i = 1; i <= count; i++) {
                byte[] job = ("job-" + i).getBytes(StandardCharsets.UTF_8);
                if (!jobs.offer(job)) {                       // false at once: 4 jobs are pending
                    waits++;
                    System.out.println("full (" + jobs.messageLimit() + " pending): waiting to send job-" + i);
                    jobs.put(job);                            // blocks until the consumer takes one
                }
                System.out.println("produced job-" + i);
            }
            jobs.put("done".getBytes(StandardCharsets.UTF_8));
            System.out.println("produced " + count + " jobs; waited for room " + waits + " times");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run bounded/BoundedProducer.java [mailbox] [count]");
        System.exit(2);
    }

    /** A failure the user can fix (a mailbox of that name made by another program): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
