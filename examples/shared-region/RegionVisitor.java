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
        }
    }
}
