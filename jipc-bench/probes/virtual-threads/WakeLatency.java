import io.jipc.sync.*;
import io.jipc.mailbox.*;
import java.util.*;
import java.util.concurrent.*;

/** One virtual thread blocked (semaphore acquire / mailbox take), woken by a platform thread after a random pause; latency distribution. args: sem|mbox iterations [background-waiters] */
public class WakeLatency {
    public static void main(String[] a) throws Exception {
        String mode = a[0]; int iters = Integer.parseInt(a[1]);
        int bg = a.length > 2 ? Integer.parseInt(a[2]) : 0;
        String name = "lat" + ProcessHandle.current().pid();
        ProcessSemaphore s = mode.equals("sem") ? ProcessSemaphore.create(name, 0, 0, 0600) : null;
        Mailbox box = mode.equals("mbox") ? Mailbox.create(name, MailboxOptions.builder().capacityBytes(65536).maxMessageSize(64).build()) : null;
        Mailbox snd = box != null ? Mailbox.open(name) : null;
        // background idle waiters on other semaphores
        List<ProcessSemaphore> others = new ArrayList<>();
        for (int i = 0; i < bg; i++) { var o = ProcessSemaphore.create(name + "bg" + i, 0, 0, 0600); others.add(o);
            Thread.ofVirtual().start(() -> { try { o.acquire(); } catch (Exception e) {} }); }
        Thread.sleep(500);
        long[] lat = new long[iters];
        SynchronousQueue<Long> q = new SynchronousQueue<>();
        Thread v = Thread.ofVirtual().start(() -> {
            try { for (int i = 0; i < iters; i++) { if (s != null) s.acquire(); else box.take(); q.put(System.nanoTime()); } } catch (Exception e) { e.printStackTrace(); }
        });
        Random r = new Random(1);
        for (int i = 0; i < iters; i++) {
            Thread.sleep(1 + r.nextInt(20));
            long t = System.nanoTime();
            if (s != null) s.release(); else snd.put(new byte[]{1});
            long got = q.poll(5, TimeUnit.SECONDS);
            lat[i] = got - t;
        }
        Arrays.sort(lat);
        System.out.printf("%s bg=%d: wake latency us p50 %d p90 %d p99 %d max %d; >40ms: %d of %d%n", mode, bg,
                lat[iters/2]/1000, lat[iters*9/10]/1000, lat[iters*99/100]/1000, lat[iters-1]/1000,
                Arrays.stream(lat).filter(x -> x > 40_000_000).count(), iters);
        if (s != null) ProcessSemaphore.destroy(name); else { snd.close(); box.close(); Mailbox.destroy(name); }
        for (int i = 0; i < bg; i++) ProcessSemaphore.destroy(name + "bg" + i);
        System.exit(0);
    }
}
