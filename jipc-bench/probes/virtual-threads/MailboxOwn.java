import io.jipc.mailbox.*;
import java.time.Duration;

/** N virtual threads, each blocked in take() of its own mailbox (args: N [one]). "one": all on one mailbox. */
public class MailboxOwn {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        boolean one = a.length > 1 && a[1].equals("one");
        MailboxOptions o = MailboxOptions.builder().capacityBytes(64 * 1024).maxMessageSize(1024).build();
        String p = "mb" + ProcessHandle.current().pid() + "-";
        Mailbox[] boxes = new Mailbox[one ? 1 : n];
        for (int i = 0; i < boxes.length; i++) boxes[i] = Mailbox.create(p + i, o);
        Mailbox[] senders = new Mailbox[boxes.length];
        for (int i = 0; i < boxes.length; i++) senders[i] = Mailbox.open(p + i);
        Harness h = new Harness(n) {
            Mailbox box(int i) { return boxes[one ? 0 : i]; }
            void block(int i) throws Exception { box(i).take(); }
            boolean blockTimed(int i, Duration d) throws Exception { return box(i).poll(d) != null; }
            void wakeAll() throws Exception {
                for (int i = 0; i < n; i++) if (i % 10 > 1) senders[one ? 0 : i].put(new byte[]{1});
            }
        };
        h.run((one ? "one mailbox" : "own mailboxes") + " N=" + n);
        for (int i = 0; i < boxes.length; i++) { senders[i].close(); boxes[i].close(); Mailbox.destroy(p + i); }
        System.exit(0);
    }
}
