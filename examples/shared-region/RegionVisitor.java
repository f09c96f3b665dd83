import io.jipc.shm.RegionNotFoundException;
import io.jipc.shm.SharedRegion;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2 (and 3, ...): opens the region by its name, reads the greeting and signs in: takes a
 * ticket with an atomic add, then publishes its pid in the ticket's slot (a release store). It waits
 * for nobody: a visitor that dies between the two leaves an empty slot, and the others go on.
 *
 * <pre>examples/run shared-region/RegionVisitor.java board</pre>
 */
public class RegionVisitor {
    static final long GREETING = 0;     // the layout RegionOwner created
    static final long TICKETS = 264;    // an atomic long slot: tickets handed out
    static final long VISITORS = 512;   // one long slot per ticket, to the end of the region

    public static void main(String[] args) {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "board";
        try (SharedRegion region = SharedRegion.open(name)) {
            String greeting = region.segment().getString(GREETING, StandardCharsets.UTF_8);
            System.out.println("region '" + name + "' says: " + greeting);
            long slots = (region.size() - VISITORS) / 8;
            long ticket = region.getAndAddLong(TICKETS, 1);
            if (ticket >= slots) {
                fail("region '" + name + "' is full: it has room for " + slots + " visitors");
            }
            region.setLongVolatile(VISITORS + 8 * ticket, ProcessHandle.current().pid()); // release: signs in
            System.out.println("signed in as visitor " + (ticket + 1));
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
