import java.nio.file.*;
import java.util.*;
import java.util.concurrent.atomic.*;

/** Shared measuring helpers (copied into each scratch program via static nested use). */
final class Probe {
    static final AtomicLong ticks = new AtomicLong();
    static void startTicker() {
        Thread.ofVirtual().name("ticker").start(() -> {
            while (true) {
                try { Thread.sleep(1); } catch (InterruptedException e) { return; }
                ticks.incrementAndGet();
            }
        });
    }
    static long cpuTicks() throws Exception {
        String s = Files.readString(Path.of("/proc/self/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
    }
    static int osThreads() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status")))
            if (l.startsWith("Threads:")) return Integer.parseInt(l.substring(8).trim());
        return -1;
    }
    static Map<String, Integer> threadNames() throws Exception {
        Map<String, Integer> m = new TreeMap<>();
        try (var ds = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : ds) {
                String n;
                try { n = Files.readString(t.resolve("comm")).trim(); } catch (Exception e) { continue; }
                n = n.replaceAll("0x[0-9a-f]+|[0-9]+", "#");
                m.merge(n, 1, Integer::sum);
            }
        }
        return m;
    }
    /** Measures 5 s: ticker progress, CPU, threads. */
    static String measure(String label) throws Exception {
        long t0 = ticks.get(), c0 = cpuTicks(), n0 = System.nanoTime();
        Thread.sleep(5000);
        long t1 = ticks.get(), c1 = cpuTicks(), n1 = System.nanoTime();
        double secs = (n1 - n0) / 1e9;
        String r = String.format("[%s] ticker %d ticks in %.1fs; CPU %.2f s (%.0f%% of one CPU); OS threads %d; names %s",
                label, t1 - t0, secs, (c1 - c0) / 100.0, (c1 - c0) / secs, osThreads(), threadNames());
        System.out.println(r);
        return r;
    }
}
