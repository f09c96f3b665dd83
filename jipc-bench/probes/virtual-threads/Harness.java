import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

/**
 * Generic: N virtual threads each run a blocking call. Indices i%10==0 are interrupted,
 * i%10==1 use the timed variant (timeout TO ms), the rest are woken by wakeAll().
 */
abstract class Harness {
    static final long TO_MS = 3000;
    final int n;
    final Thread[] threads;
    final long[] endNanos; final long[] beginNanos;
    final String[] outcome;
    final AtomicInteger done = new AtomicInteger();
    long startNanos;
    Harness(int n) { this.n = n; threads = new Thread[n]; endNanos = new long[n]; beginNanos = new long[n]; outcome = new String[n]; }

    abstract void block(int i) throws Exception;              // untimed blocking call
    abstract boolean blockTimed(int i, Duration d) throws Exception; // true = got it, false = timed out
    abstract void wakeAll() throws Exception;                  // makes every untimed one complete
    int wakeCount() { int c = 0; for (int i = 0; i < n; i++) if (i % 10 > 1) c++; return c; }

    void run(String label) throws Exception {
        Probe.startTicker();
        Thread.sleep(300);
        Probe.measure(label + " baseline");
        CountDownLatch started = new CountDownLatch(n);
        startNanos = System.nanoTime();
        for (int i = 0; i < n; i++) {
            final int k = i;
            threads[i] = Thread.ofVirtual().name("w" + i).start(() -> {
                beginNanos[k] = System.nanoTime();
                started.countDown();
                try {
                    if (k % 10 == 1) {
                        long t = System.nanoTime();
                        boolean got = blockTimed(k, Duration.ofMillis(TO_MS));
                        outcome[k] = got ? "GOT" : "TIMEOUT";
                    } else {
                        block(k);
                        outcome[k] = "OK";
                    }
                } catch (InterruptedException e) {
                    outcome[k] = "INTERRUPTED";
                } catch (Throwable t) {
                    outcome[k] = "ERR " + t;
                }
                endNanos[k] = System.nanoTime();
                done.incrementAndGet();
            });
        }
        started.await();
        System.out.printf("all %d started in %d ms%n", n, (System.nanoTime() - startNanos) / 1_000_000);
        Thread.sleep(500);
        Probe.measure(label + " blocked (incl. timed ones until 3s)");
        // timed ones must be done by now (>= 5.5 s after start)
        long lateTimeouts = 0, maxTo = 0, timedDone = 0;
        for (int i = 1; i < n; i += 10) {
            if (outcome[i] != null) { timedDone++; long ms = (endNanos[i] - beginNanos[i]) / 1_000_000; maxTo = Math.max(maxTo, ms); }
        }
        System.out.printf("timed: %d/%d done; longest timed call %d ms (timeout %d); outcomes %s%n",
                timedDone, (n + 8) / 10, maxTo, TO_MS, tally(1));
        Probe.measure(label + " blocked, only untimed left");
        // interrupt subset
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i += 10) threads[i].interrupt();
        long maxLat = 0; int intr = 0;
        for (int i = 0; i < n; i += 10) {
            threads[i].join(Duration.ofSeconds(5));
            if (!threads[i].isAlive()) { intr++; maxLat = Math.max(maxLat, endNanos[i] - t0); }
        }
        System.out.printf("interrupt: %d/%d ended, last %d ms after interrupting began; outcomes %s%n",
                intr, (n + 9) / 10, maxLat / 1_000_000, tally(0));
        // wake the rest
        long w0 = System.nanoTime();
        wakeAll();
        long wakeSent = System.nanoTime();
        int woken = 0; long maxW = 0;
        for (int i = 0; i < n; i++) {
            if (i % 10 <= 1) continue;
            threads[i].join(Duration.ofMillis(Math.max(1, 20000 - (System.nanoTime() - w0) / 1_000_000)));
            if (!threads[i].isAlive()) { woken++; maxW = Math.max(maxW, endNanos[i] - w0); }
        }
        System.out.printf("wake: %d/%d completed; wakeAll() took %d ms; last completion %d ms after wake began; outcomes %s%n",
                woken, wakeCount(), (wakeSent - w0) / 1_000_000, maxW / 1_000_000, tallyRest());
        if (woken < wakeCount()) {
            List<Integer> stuck = new ArrayList<>();
            for (int i = 0; i < n && stuck.size() < 5; i++) if (i % 10 > 1 && threads[i].isAlive()) stuck.add(i);
            System.out.println("stuck e.g. " + stuck);
            for (int s : stuck) { for (var e : threads[s].getStackTrace()) System.out.println("   " + e); break; }
        }
        Thread.sleep(300);
        Probe.measure(label + " after");
    }
    Map<String, Integer> tally(int mod) {
        Map<String, Integer> m = new TreeMap<>();
        for (int i = mod; i < n; i += 10) m.merge(String.valueOf(outcome[i]).split(":")[0], 1, Integer::sum);
        return m;
    }
    Map<String, Integer> tallyRest() {
        Map<String, Integer> m = new TreeMap<>();
        for (int i = 0; i < n; i++) if (i % 10 > 1) m.merge(String.valueOf(outcome[i]).split(":")[0], 1, Integer::sum);
        return m;
    }
}
