import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Terminal 1: a producer that sends a burst of orders far larger than one segment to an unbounded
 * mailbox while nobody receives. It never waits: each time the newest segment is full, the send
 * appends another. Prints the chain as it grows, then exits, leaving the backlog behind.
 *
 * <pre>examples/run unbounded/UnboundedProducer.java orders 20000</pre>
 */
public class UnboundedProducer {
    public static void main(String[] args) {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "orders";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        // each segment: a 64 KiB ring; the segment files together may take at most 64 MiB
        MailboxOptions segmentOptions = MailboxOptions.builder().capacityBytes(64 * 1024).maxMessageSize(4096).build();
        try (UnboundedMailbox orders = UnboundedMailbox.openOrCreate(name, segmentOptions, 64L << 20)) {
            System.out.println("sending " + count + " orders to '" + name + "' (segments of "
                    + orders.segmentCapacityBytes() / 1024 + " KiB, ceiling " + (orders.ceilingBytes() >> 20) + " MiB)");
            int shown = orders.segmentCount();
            for (int i = 1; i <= count; i++) {
                orders.put(order(i));                   // never waits; MailboxCeilingException at the ceiling
                int segments = orders.segmentCount();
                if (segments >= 2 * shown) {            // show the growth: 2, 4, 8, ... segments
                    System.out.println("after order " + i + ": " + describe(orders));
                    shown = segments;
                }
            }
            orders.put("done".getBytes(StandardCharsets.UTF_8));
            System.out.println("sent " + count + " orders without waiting: " + describe(orders));
        }
    }

    /** Order {@code i}: its number, then filler up to 200..700 bytes. */
    static byte[] order(int i) {
        byte[] text = ("order-" + i + " ").getBytes(StandardCharsets.UTF_8);
        byte[] order = Arrays.copyOf(text, 200 + i % 500);
        Arrays.fill(order, text.length, order.length, (byte) '.');
        return order;
    }

    /** The chain now: its segment files and the bytes they occupy. */
    static String describe(UnboundedMailbox mailbox) {
        int segments = mailbox.segmentCount();
        return segments + (segments == 1 ? " segment, " : " segments, ") + mailbox.storageBytes() / 1024 + " KiB";
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run unbounded/UnboundedProducer.java [mailbox] [count]");
        System.exit(2);
    }
}
