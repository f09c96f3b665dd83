import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.ReceivePolicy;
import io.jipc.platform.ProcessIdentity;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 3: hands jobs to whichever worker is free with {@code transfer}, which returns once a
 * worker took the job and names that worker (the receipt); then stops every worker and removes
 * the mailbox.
 *
 * <pre>examples/run receivers/Dispatcher.java work 6 2</pre>
 */
public class Dispatcher {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 3 || args.length > 1 && !args[1].matches("\\d+") || args.length > 2 && !args[2].matches("\\d+")) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "work";
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        MailboxOptions shared = MailboxOptions.builder().headers(true).receivePolicy(ReceivePolicy.SHARED).build();
        try (Mailbox work = Mailbox.openOrCreate(name, shared)) {
            for (int i = 1; i <= jobs; i++) {
                ProcessIdentity taker = work.transfer(("job-" + i).getBytes(StandardCharsets.UTF_8));
                System.out.println("job-" + i + " taken by worker " + taker.pid());
            }
            for (int i = 0; i < workers; i++) {
                work.transfer("stop".getBytes(StandardCharsets.UTF_8));
            }
            work.destroy();
            System.out.println("all jobs handed out; mailbox '" + name + "' destroyed");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run receivers/Dispatcher.java [mailbox] [jobs] [workers]");
        System.exit(2);
    }
}
