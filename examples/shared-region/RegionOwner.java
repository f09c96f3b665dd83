import io.jipc.shm.SharedRegion;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: creates a named region, writes a greeting into it, and waits until the given number
 * of visitors (unrelated processes that know only the name) have signed in; then removes it.
 *
 * <pre>examples/run shared-region/RegionOwner.java board 2</pre>
 */
public class RegionOwner {
    static final long GREETING = 0;     // a NUL-terminated string
    static final long VISITS = 256;     // an atomic int slot: visitors so far
    static final long TICKETS = 264;    // an atomic long slot: tickets handed out (see RegionVisitor)
    static final long VISITORS = 512;   // one long slot per visitor: its pid

    public static void main(String[] args) throws InterruptedException {
        String name = args.length > 0 ? args[0] : "board";
        int expected = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        try (SharedRegion region = SharedRegion.create(name, 4096, 0600)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> SharedRegion.unlink(name))); // Ctrl-C removes it too
            region.setBytes(GREETING, "hello from pid %d\0".formatted(ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.UTF_8));
            System.out.println("created region '" + name + "' (" + region.path() + "), waiting for " + expected
                    + " visitors");
            int seen = 0;
            while (seen < expected) {
                int visits = region.getIntVolatile(VISITS); // acquire: the visitor's pid slot is written first
                for (; seen < visits; seen++) {
                    System.out.println("visitor " + (seen + 1) + " is pid " + region.getLongVolatile(VISITORS + 8L * seen));
                }
                Thread.sleep(20); // a plain shared region has no wake-up; see the circular buffer for blocking
            }
            region.unlink();
            System.out.println("region '" + name + "' removed");
        }
    }
}
