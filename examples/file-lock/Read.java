import io.jipc.ErrnoException;
import io.jipc.filelock.FileLock;
import io.jipc.filelock.LockMode;
import io.jipc.filelock.LockableFile;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * A reader: takes a shared lock (readers coexist, writers wait), reads the whole file and checks
 * that every line is whole and that each writer's lines are in order. Waits at most 30 s for the
 * lock.
 *
 * <pre>examples/run file-lock/Read.java /tmp/journal.txt</pre>
 */
public class Read {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            usage();
        }
        Path path = Path.of(args[0]);
        try (LockableFile file = LockableFile.open(path);
             FileLock lock = file.tryLock(LockMode.SHARED, Duration.ofSeconds(30))) {
            if (lock == null) {
                fail("the writers held " + path + " for 30 s; giving up");
            }
            FileChannel channel = file.channel();
            ByteBuffer content = ByteBuffer.allocate(Math.toIntExact(channel.size()));
            while (content.hasRemaining() && channel.read(content, content.position()) > 0) {
                // read it all
            }
            Map<String, Integer> last = new TreeMap<>();
            int torn = 0;
            for (String line : new String(content.array(), StandardCharsets.UTF_8).split("\n")) {
                String[] parts = line.split(" ");
                if (parts.length != 2 || !parts[1].matches("\\d+")
                        || Integer.parseInt(parts[1]) != last.getOrDefault(parts[0], 0) + 1) {
                    torn++;
                    continue;
                }
                last.put(parts[0], Integer.parseInt(parts[1]));
            }
            System.out.println("read " + path + " under a shared lock: " + last + ", torn or out-of-order lines: "
                    + torn);
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("ENOENT")) {
                throw e;
            }
            fail("no file " + path + ": run Append first");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run file-lock/Read.java <file>");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
