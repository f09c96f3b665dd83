import io.jipc.rpc.*;
import java.util.*;
import java.util.concurrent.*;

/** args: server NAME | client NAME N. Server: slow(ms) sleeps. Client: N virtual threads call slow(1000) concurrently through one RpcClient. */
public class RpcLoad {
    public interface Slow { int slow(int ms); }
    public static void main(String[] a) throws Exception {
        if (a[0].equals("server")) {
            try (RpcServer<Slow> s = RpcServer.start(a[1], Slow.class, ms -> { try { Thread.sleep(ms); } catch (InterruptedException e) { return -1; } return ms; })) {
                for (int i = 0; i < 12; i++) { Thread.sleep(1000); System.out.println("server threads " + Probe.osThreads() + " " + Probe.threadNames()); }
            }
            return;
        }
        int n = Integer.parseInt(a[2]);
        try (RpcClient<Slow> c = RpcClient.connect(a[1], Slow.class)) {
            Probe.startTicker();
            Slow stub = c.stub();
            long t0 = System.nanoTime();
            long[] lat = new long[n];
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < n; i++) { int k = i; ts.add(Thread.ofVirtual().start(() -> { long t = System.nanoTime(); try { stub.slow(1000); } catch (Exception e) { System.out.println(e); } lat[k] = System.nanoTime() - t; })); }
            Thread.sleep(500);
            System.out.println("client threads while waiting " + Probe.osThreads() + " " + Probe.threadNames());
            for (Thread t : ts) t.join(30_000);
            Arrays.sort(lat);
            System.out.printf("client: %d calls of 1000 ms done in %d ms; latency p50 %d p99 %d max %d ms%n", n, (System.nanoTime()-t0)/1_000_000, lat[n/2]/1_000_000, lat[n*99/100]/1_000_000, lat[n-1]/1_000_000);
            Probe.measure("client after");
        }
        System.exit(0);
    }
}
