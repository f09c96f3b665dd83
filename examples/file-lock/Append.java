import io.jipc.filelock.FileLock;
import io.jipc.filelock.LockMode;
import io.jipc.filelock.LockableFile;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A writer: appends {@code count} lines "{@code name n}" to a shared file, each under an exclusive
 * lock, writing every line in two pieces (so that without the lock two writers' pieces would
 * interleave). Run several at once.
 *
 * <pre>examples/run file-lock/Append.java /tmp/journal.txt writer-A 500</pre>
 */
public class Append {
    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[2].matches("\\d+")) {
            usage();
        }
        Path path = Path.of(args[0]);
        String name = args[1];
        int count = Integer.parseInt(args[2]);
        try (LockableFile file = LockableFile.openOrCreate(path)) {
            FileChannel channel = file.channel();
            for (int n = 1; n <= count; n++) {
                try (FileLock lock = file.lock(LockMode.EXCLUSIVE)) {     // waits while anybody else holds it
                    long end = channel.size();
                    end += channel.write(ByteBuffer.wrap((name + " ").getBytes(StandardCharsets.UTF_8)), end);
                    channel.write(ByteBuffer.wrap((n + "\n").getBytes(StandardCharsets.UTF_8)), end);
                }
            }
        }
        System.out.println(name + ": appended " + count + " lines to " + path);
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run file-lock/Append.java <file> <writer name> <count>");
        System.exit(2);
    }
}
