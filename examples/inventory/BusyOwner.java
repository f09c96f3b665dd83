import io.jipc.shm.RegionExistsException;
import io.jipc.mailbox.MailboxExistsException;
import io.jipc.mailbox.Mailbox;
import io.jipc.shm.CircularBuffer;

/**
 * A process that owns a mailbox {@code <name>} and a circular buffer {@code <name>-ring}, and keeps
 * messages flowing through the mailbox (one thread sends, one takes) so that {@code jipc top} has a
 * rate to show. Ctrl-C (or {@code kill}) ends it cleanly, removing both objects from a shutdown
 * hook; {@code kill -9} runs no hook and leaves them behind for {@code jipc gc}.
 *
 * <pre>examples/run inventory/BusyOwner.java kept</pre>
 */
public class BusyOwner {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "busy";
        try (Mailbox mailbox = Mailbox.create(name);
             CircularBuffer ring = CircularBuffer.create(name + "-ring", 8, 64)) {
            ring.put(new byte[8]);                                  // one item waiting in the buffer
            Thread receiver = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        mailbox.take();
                    }
                } catch (InterruptedException | RuntimeException closed) {
                    // the mailbox was closed: done
                }
            });
            Thread sender = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        mailbox.put(new byte[64]);
                        Thread.sleep(1);                            // about a thousand messages a second
                    }
                } catch (InterruptedException | RuntimeException closed) {
                    // the mailbox was closed: done
                }
            });
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Mailbox.destroy(name);                              // removes the names; the mappings go with the process
                CircularBuffer.destroy(name + "-ring");
                System.out.println("removed mailbox '" + name + "' and buffer '" + name + "-ring'");
            }));
            System.out.println("pid " + ProcessHandle.current().pid() + " owns mailbox '" + name + "' and buffer '"
                    + name + "-ring'; Ctrl-C ends it");
            sender.join();                                          // runs until the process is stopped
            receiver.join();
        } catch (MailboxExistsException | RegionExistsException e) {
            fail(e.getMessage() + ": stop the BusyOwner that owns it, or remove a dead one's with jipc gc");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run inventory/BusyOwner.java [name]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
