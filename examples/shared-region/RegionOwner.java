import io.jipc.shm.RegionExistsException;
import io.jipc.shm.SharedRegion;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: creates a named region, writes a greeting into it, and waits until the given number
 * of visitors (unrelated processes that know only the name) have signed in; then removes it.
 *
 * <pre>examples/run shared-region/RegionOwner.java board 2</pre>
 */
public class RegionOwner {
    static final long SIZE = 4096;
    static final long GREETING = 0;     // a NUL-terminated string
    static final long TICKETS = 264;    // an atomic long slot: tickets handed out (see RegionVisitor)
    static final long VISITORS = 512;   // one long slot per ticket: its visitor's pid, 0 until it signs in
    static final int MAX_VISITORS = (int) ((SIZE - VISITORS) / 8);

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "board";
        int expected = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        if (expected > MAX_VISITORS) {
            fail("a region of " + SIZE + " bytes has room for " + MAX_VISITORS + " visitors, not " + expected);
        }
        try (SharedRegion region = SharedRegion.create(name, SIZE, 0600)) {
            // Ctrl-C removes it too: this region only (by its file), never one a later owner made under the name
            Runtime.getRuntime().addShutdownHook(new Thread(region::unlink));
            region.setBytes(GREETING, "hello from pid %d\0".formatted(ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.UTF_8));
            System.out.println("created region '" + name + "' (" + region.path() + "), waiting for " + expected
                    + " visitors");
            // a visitor signs in by writing its pid into its ticket's slot; one that died with a ticket
            // leaves its slot empty, which holds up nobody: every slot is looked at, in any order
            boolean[] signedIn = new boolean[MAX_VISITORS];
            int seen = 0;
            while (seen < expected) {
                long tickets = Math.min(region.getLongVolatile(TICKETS), MAX_VISITORS);
                for (int slot = 0; slot < tickets; slot++) {
                    long pid = signedIn[slot] ? 0 : region.getLongVolatile(VISITORS + 8L * slot); // acquire
                    if (pid != 0) {
                        signedIn[slot] = true;
                        seen++;
                        System.out.println("visitor " + (slot + 1) + " is pid " + pid);
                    }
                }
                Thread.sleep(20); // a plain shared region has no wake-up; see the circular buffer for blocking
            }
            region.unlink();
            System.out.println("region '" + name + "' removed");
        } catch (RegionExistsException e) {
            fail("region '" + name + "' exists already: stop the RegionOwner that made it, or remove it (jipc rm region:" + name + ")");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run shared-region/RegionOwner.java [region] [visitors]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
