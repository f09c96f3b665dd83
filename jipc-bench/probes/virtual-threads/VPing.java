import io.jipc.WaitStrategy;
import io.jipc.mailbox.*;
import java.lang.management.ManagementFactory;

/** Two virtual threads ping-pong through two futex-only mailboxes in one process. args: roundTrips [waitStrategy] */
public class VPing {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        WaitStrategy ws = a.length > 1 ? WaitStrategy.valueOf(a[1]) : WaitStrategy.FUTEX;
        MailboxOptions o = MailboxOptions.builder().capacityBytes(65536).maxMessageSize(64).waitStrategy(ws).build();
        String p = "vp" + ProcessHandle.current().pid();
        try (Mailbox ping = Mailbox.create(p + "a", o); Mailbox pong = Mailbox.create(p + "b", o);
             Mailbox pingS = Mailbox.open(p + "a"); Mailbox pongS = Mailbox.open(p + "b")) {
            for (int round = 0; round < 3; round++) {
                var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                Thread echo = Thread.ofVirtual().start(() -> {
                    try { for (int i = 0; i < n; i++) { byte[] m = ping.take(); pongS.put(m); } } catch (Exception e) { e.printStackTrace(); }
                });
                Thread player = Thread.ofVirtual().start(() -> {
                    try { byte[] m = new byte[64]; for (int i = 0; i < n; i++) { pingS.put(m); pong.take(); } } catch (Exception e) { e.printStackTrace(); }
                });
                player.join(); echo.join();
                long t1 = System.nanoTime(), c1 = os.getProcessCpuTime();
                System.out.printf("%s %d round trips: %.2f s, %.2f CPU-s, %.1f us per round trip%n", ws, n, (t1 - t0) / 1e9, (c1 - c0) / 1e9, (t1 - t0) / 1e3 / n);
            }
        }
        for (String s : new String[] {"a", "b"}) Mailbox.destroy(p + s);
    }
}
