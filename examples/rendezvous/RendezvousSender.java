import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: hands each argument over with {@code put}, which returns only once the receiver has
 * taken it. Right after the first one, while the receiver is busy, an {@code offer} (which succeeds
 * only if a receiver is blocked in a receive at that moment) is refused at once.
 *
 * <pre>examples/run rendezvous/RendezvousSender.java meet hello world bye</pre>
 */
public class RendezvousSender {
    public static void main(String[] args) throws InterruptedException {
        String name = args.length > 0 ? args[0] : "meet";
        MailboxOptions zeroCapacity = MailboxOptions.builder().messageLimit(0).build();
        try (Mailbox meet = Mailbox.openOrCreate(name, zeroCapacity)) {
            for (int i = 1; i < args.length; i++) {
                long start = System.nanoTime();
                meet.put(args[i].getBytes(StandardCharsets.UTF_8)); // returns once the receiver took it
                long millis = (System.nanoTime() - start) / 1_000_000;
                System.out.println("put '" + args[i] + "' returned: taken by the receiver (after " + millis + " ms)");
                if (i == 1) {
                    boolean taken = meet.offer("ping".getBytes(StandardCharsets.UTF_8));
                    System.out.println("offer 'ping' without waiting: " + (taken ? "taken" : "refused, nobody is waiting"));
                }
            }
        }
    }
}
