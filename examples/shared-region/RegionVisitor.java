import io.jipc.shm.RegionNotFoundException;
import io.jipc.shm.SharedRegion;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2 (and 3, ...): opens the region by its name, reads the greeting and signs in: takes a
 * visitor number with an atomic add, then publishes its pid in that slot.
 *
 * <pre>examples/run shared-region/RegionVisitor.java board</pre>
 */
public class RegionVisitor {
    static final long GREETING = 0;     // the layout RegionOwner created
    static final long VISITS = 256;
    static final long TICKETS = 264;    // an atomic long slot: tickets handed out
    static final long VISITORS = 512;

    public static void main(String[] args) {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "board";
        try (SharedRegion region = SharedRegion.open(name)) {
            String greeting = region.segment().getString(GREETING, StandardCharsets.UTF_8);
            System.out.println("region '" + name + "' says: " + greeting);
            // claim a slot first, write it, then count the visit: the owner reads the count, then the slot
            long slot = region.getAndAddLong(TICKETS, 1);
            region.setLongVolatile(VISITORS + 8 * slot, ProcessHandle.current().pid());
            while (!region.compareAndSetInt(VISITS, (int) slot, (int) slot + 1)) {
                Thread.onSpinWait(); // an earlier visitor has not counted itself yet
            }
            System.out.println("signed in as visitor " + (slot + 1));
        } catch (RegionNotFoundException e) {
            fail("no region '" + name + "': start RegionOwner first");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run shared-region/RegionVisitor.java [region]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
