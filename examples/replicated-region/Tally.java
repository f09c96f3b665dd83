import io.jipc.dsm.RegionHomeLostException;
import io.jipc.dsm.DsmException;
import io.jipc.dsm.DsmOptions;
import io.jipc.dsm.RegionWrite;
import io.jipc.dsm.ReplicatedRegion;
import io.jipc.naming.NameService;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * One of several processes that share a replicated region, "tally", kept by a region home (run
 * {@code jipc dsm home} in another terminal, on this host or another). Each process adds 1 to the
 * region's total COUNT times, each time in a write section, and counts its own additions in a slot
 * of its own; then it waits until every process's additions have reached its replica and prints the
 * total. No addition is lost, although every process changes the same bytes of its own copy.
 *
 * <pre>examples/run replicated-region/Tally.java HOME PROCESSES COUNT</pre>
 *
 * HOME is the home's HOST:PORT, or the name it is registered under ({@code jipc dsm home --register NAME}).
 *
 * Layout of the region (big-endian longs, as {@code jipc dsm write --add-long} writes them):
 * offset 0 the total, 8 how many processes arrived, 16 + 8·(n−1) what process n added.
 */
public class Tally {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long TOTAL = 0, ARRIVED = 8, SLOTS = 16;

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3 || !args[1].matches("\\d+") || !args[2].matches("\\d+")) {
            usage();
        }
        int processes = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        ReplicatedRegion opened = null;
        try {
            opened = open(args[0]);
        } catch (RegionHomeLostException e) {                  // nobody answers at that address
            fail("cannot reach the region home at " + args[0] + ": start 'jipc dsm home' first");
        } catch (DsmException e) {                             // no home registered under that name
            fail(e.getMessage() + ": start 'jipc dsm home --register " + args[0] + "' first");
        }
        try (ReplicatedRegion region = opened) {
            long me;
            try (RegionWrite section = region.write()) {    // the region-wide lock: one writer at a time
                MemorySegment s = section.segment();
                me = s.get(LONG, ARRIVED) + 1;
                s.set(LONG, ARRIVED, me);
            }                                               // the changed bytes go to the home and on to the others
            System.out.println("process " + me + " has a replica of 'tally'");
            long slot = SLOTS + 8 * (me - 1);
            for (int i = 0; i < count; i++) {
                region.update(s -> {                        // sees every section released before it
                    s.set(LONG, TOTAL, s.get(LONG, TOTAL) + 1);
                    s.set(LONG, slot, s.get(LONG, slot) + 1);
                });
            }
            System.out.println("process " + me + " added " + count);

            long expected = (long) processes * count;
            long seen = region.version();
            while (region.<Long>read(s -> s.get(LONG, TOTAL)) < expected) {
                seen = region.awaitVersion(seen, Duration.ofSeconds(1)); // the others' sections arrive
            }
            StringBuilder shares = new StringBuilder();
            region.read(s -> {
                for (int n = 1; n <= processes; n++) {
                    shares.append(n == 1 ? "" : ", ").append("process ").append(n).append(": ")
                            .append(s.get(LONG, SLOTS + 8 * (n - 1)));
                }
                return null;
            });
            System.out.println("total " + expected + " (" + shares + ")");
        } catch (RegionHomeLostException e) {                  // the home stopped, or was killed, since
            fail("lost the region home at " + args[0] + " while running (it stopped or was killed): "
                    + e.getMessage());
        }
    }

    /** The replica of "tally" at the home at HOST:PORT, or at the home registered under that name. */
    private static ReplicatedRegion open(String home) throws InterruptedException {
        int colon = home.lastIndexOf(':');
        if (colon > 0) {
            return ReplicatedRegion.open(new InetSocketAddress(home.substring(0, colon),
                    Integer.parseInt(home.substring(colon + 1))), "tally", 4096);
        }
        try (NameService names = NameService.open()) { // the name service only finds the home
            return ReplicatedRegion.open(names, home, "tally", 4096, DsmOptions.defaults());
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run replicated-region/Tally.java <home host:port|name> <processes> <count>");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
