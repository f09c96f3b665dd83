import io.jipc.mailbox.*;
import java.time.Duration;

/** N virtual threads, each blocked in MailboxSelector.select() over its own two mailboxes. args: N */
public class SelectOwn {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        MailboxOptions o = MailboxOptions.builder().capacityBytes(64 * 1024).maxMessageSize(1024).build();
        String p = "sel" + ProcessHandle.current().pid() + "-";
        Mailbox[] boxes = new Mailbox[2 * n];
        Mailbox[] senders = new Mailbox[2 * n];
        for (int i = 0; i < boxes.length; i++) { boxes[i] = Mailbox.create(p + i, o); senders[i] = Mailbox.open(p + i); }
        MailboxSelector[] selectors = new MailboxSelector[n];
        for (int i = 0; i < n; i++) selectors[i] = MailboxSelector.open().register(boxes[2 * i]).register(boxes[2 * i + 1]);
        Harness h = new Harness(n) {
            void block(int i) throws Exception { while (selectors[i].select().isEmpty()) { } }
            boolean blockTimed(int i, Duration d) throws Exception { return !selectors[i].select(d).isEmpty(); }
            void wakeAll() throws Exception {
                for (int i = 0; i < n; i++) if (i % 10 > 1) senders[2 * i + (i & 1)].put(new byte[]{1});
            }
        };
        h.run("selectors N=" + n);
        for (MailboxSelector s : selectors) s.close();
        for (int i = 0; i < boxes.length; i++) { senders[i].close(); boxes[i].close(); Mailbox.destroy(p + i); }
        System.exit(0);
    }
}
