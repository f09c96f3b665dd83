import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.ReceivePolicy;

import java.nio.charset.StandardCharsets;

/**
 * Terminals 1 and 2: a worker among several on one mailbox with shared receivers; each job goes
 * to exactly one worker. Works 300 ms per job, stops at "stop".
 *
 * <pre>examples/run receivers/Worker.java work</pre>
 */
public class Worker {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "work";
        MailboxOptions shared = MailboxOptions.builder().headers(true).receivePolicy(ReceivePolicy.SHARED).build();
        try (Mailbox work = Mailbox.openOrCreate(name, shared)) {
            System.out.println("worker " + ProcessHandle.current().pid() + " waiting for jobs on '" + name + "'");
            while (true) {
                String job = new String(work.take(), StandardCharsets.UTF_8);   // several workers wait at once
                if (job.equals("stop")) {
                    break;
                }
                System.out.println("worker " + ProcessHandle.current().pid() + " got " + job);
                Thread.sleep(300);
            }
            System.out.println("worker " + ProcessHandle.current().pid() + " stops");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run receivers/Worker.java [mailbox]");
        System.exit(2);
    }
}
