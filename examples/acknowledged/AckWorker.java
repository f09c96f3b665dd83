import io.jipc.mailbox.Delivery;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A worker: takes each job from the mailbox in acknowledged mode, works on it for
 * {@code seconds}, and only then acknowledges it; stops after the job "bye" and removes the
 * mailbox. A worker killed while working leaves its job in the mailbox for the next worker.
 *
 * <pre>examples/run acknowledged/AckWorker.java thumbnails [seconds per job (0)]</pre>
 */
public class AckWorker {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "thumbnails";
        Duration work = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 0);
        try (Mailbox jobs = Mailbox.openOrCreate(name, MailboxOptions.defaults())) {
            System.out.println("worker " + ProcessHandle.current().pid() + " waiting for jobs on mailbox '" + name + "'");
            while (true) {
                Delivery delivery = jobs.takeDelivery();        // the job stays in the mailbox until ack()
                String job = new String(delivery.payload(), StandardCharsets.UTF_8);
                System.out.println("took '" + job + "', working for " + work.toSeconds() + " s");
                Thread.sleep(work);
                delivery.ack();                                 // now it is consumed
                System.out.println("acknowledged '" + job + "'");
                if (job.equals("bye")) {
                    break;
                }
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
        System.err.println("usage: examples/run acknowledged/AckWorker.java [mailbox] [seconds per job]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
