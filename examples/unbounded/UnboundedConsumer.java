import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.UnboundedMailbox;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2, started later: drains the backlog of an unbounded mailbox until "done". Each drained
 * segment is removed as the consumer moves on, so the storage shrinks back to one segment; then
 * it removes the mailbox.
 *
 * <pre>examples/run unbounded/UnboundedConsumer.java orders</pre>
 */
public class UnboundedConsumer {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "orders";
        try (UnboundedMailbox orders = UnboundedMailbox.open(name)) {
            System.out.println("draining '" + name + "': " + describe(orders));
            int received = 0;
            while (true) {
                String order = new String(orders.take(), StandardCharsets.UTF_8);
                if (order.equals("done")) {
                    break;
                }
                if (!order.startsWith("order-" + (received + 1) + " ")) {
                    throw new IllegalStateException("out of order: " + order);
                }
                received++;
                if (received % 5000 == 0) {
                    System.out.println("received " + received + ": " + describe(orders) + " left");
                }
            }
            System.out.println("received " + received + " orders in order; back to "
                    + describe(orders));
            orders.destroy();
            System.out.println("mailbox '" + name + "' destroyed");
        } catch (MailboxNotFoundException e) {
            fail("no unbounded mailbox '" + name + "': run UnboundedProducer first");
        }
    }

    /** The chain now: its segment files and the bytes they occupy. */
    static String describe(UnboundedMailbox mailbox) {
        int segments = mailbox.segmentCount();
        return segments + (segments == 1 ? " segment, " : " segments, ") + mailbox.storageBytes() / 1024 + " KiB";
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run unbounded/UnboundedConsumer.java [mailbox]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
