import io.jipc.shm.AnonymousRegion;
import io.jipc.shm.RegionHandOff;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One terminal: creates an anonymous region (no name anywhere), starts a child process, hands the
 * region to it and to nobody else, and reads what the child wrote. The child is this same program
 * with the argument {@code child <address>}.
 *
 * <pre>examples/run anonymous-region/AnonymousParent.java</pre>
 */
public class AnonymousParent {
    static final long NOTE = 0;       // parent to child, NUL-terminated
    static final long REPLY = 1024;   // child to parent, NUL-terminated
    static final long DONE = 2048;    // an int slot: 1 once the reply is written (release store)

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("child")) {
            child(args[1]);
            return;
        }
        if (args.length > 0) {
            usage();
        }
        try (AnonymousRegion region = AnonymousRegion.create(4096)) {
            region.setBytes(NOTE, "compute 6 * 7\0".getBytes(StandardCharsets.UTF_8));
            Process child;
            try (RegionHandOff handOff = region.handOff()) {
                child = startChild(handOff.address());
                handOff.deliverTo(child.toHandle(), Duration.ofSeconds(60)); // to this pid (or its descendants) only
                System.out.println("parent: handed the region to child pid " + child.pid());
            }
            child.getInputStream().transferTo(System.out);
            if (child.waitFor() != 0) {
                throw new IllegalStateException("child failed");
            }
            if (region.getIntAcquire(DONE) == 1) {
                System.out.println("parent: the child wrote '"
                        + region.segment().getString(REPLY, StandardCharsets.UTF_8) + "'");
            }
        }
        System.out.println("parent: closed; the region is gone with its last user");
    }

    private static void child(String address) throws InterruptedException {
        try (AnonymousRegion region = AnonymousRegion.receive(address, Duration.ofSeconds(60))) {
            String note = region.segment().getString(NOTE, StandardCharsets.UTF_8);
            System.out.println("child: received a " + region.size() + "-byte region saying '" + note + "'");
            region.setBytes(REPLY, "42\0".getBytes(StandardCharsets.UTF_8));
            region.setIntRelease(DONE, 1); // the reply is visible to whoever reads DONE == 1 with acquire
        }
    }

    /**
     * This program again, in a new JVM, with the same class path, started as examples/run started
     * this one: from the source file, or from its compiled class.
     */
    private static Process startChild(String address) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String program = System.getProperty("jdk.launcher.sourcefile", AnonymousParent.class.getName());
        return new ProcessBuilder(List.of(java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), program, "child", address))
                .redirectErrorStream(true).start();
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run anonymous-region/AnonymousParent.java");
        System.exit(2);
    }
}
