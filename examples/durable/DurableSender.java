import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Terminal 1: creates the durable mailbox {@code <directory>/outbox} (a regular file, not under
 * /dev/shm), sends {@code count} messages, writes them back to the disk and then stays until it is
 * killed: the messages outlive it, whichever way it dies.
 *
 * <pre>examples/run durable/DurableSender.java [directory (./durable-demo)] [count (5)]</pre>
 */
public class DurableSender {
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        Path directory = Path.of(args.length > 0 ? args[0] : "durable-demo");
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Files.createDirectories(directory);
        Path file = directory.resolve("outbox");
        try (Mailbox outbox = Files.exists(file)
                ? Mailbox.openDurable(file)                     // messages already in it stay, in order
                : Mailbox.createDurable(file, MailboxOptions.defaults())) {
            System.out.println("durable mailbox '" + outbox.name() + "' in " + file.toAbsolutePath());
            for (int i = 1; i <= count; i++) {
                outbox.put(("message " + i).getBytes(StandardCharsets.UTF_8));
            }
            outbox.force();                                     // msync: on the disk now, even if the machine crashes
            System.out.println("sent " + count);
            System.out.println("holding the mailbox open; kill me (Ctrl-C, or kill -9 " + ProcessHandle.current().pid() + ")");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run durable/DurableSender.java [directory] [count]");
        System.exit(2);
    }
}
