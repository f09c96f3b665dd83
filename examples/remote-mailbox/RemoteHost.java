import io.jipc.ErrnoException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameService;
import io.jipc.remote.MailboxGateway;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Terminal 1, "host A": creates the mailboxes {@code requests} and {@code replies}, exports them on
 * a TCP port (registered in the name service), and answers every request "ID text" with "ID TEXT"
 * (the request's id, then its text in upper case), through the mailboxes themselves (shared memory
 * on this host). The id lets a client tell its answer from one left in {@code replies} by an earlier
 * client. Ends after "bye". Mailboxes left by a host killed with kill -9 are emptied first.
 *
 * <pre>examples/run remote-mailbox/RemoteHost.java 127.0.0.1 7070</pre>
 */
public class RemoteHost {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 7070;
        MailboxOptions options = MailboxOptions.builder().capacityMessages(64).build();
        try (Mailbox requests = Mailbox.openOrCreate("requests", options);
             Mailbox replies = Mailbox.openOrCreate("replies", options);
             NameService names = NameService.open();
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(host, port))
                     .export("requests", "replies").nameService(names).start()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {  // Ctrl-C: remove the mailboxes too
                gateway.close();
                Mailbox.destroy("requests");
                Mailbox.destroy("replies");
            }));
            dropLeftovers(requests, replies);
            System.out.println("exporting " + gateway.address("requests") + " and " + gateway.address("replies"));
            while (true) {
                String[] request = new String(requests.take(), StandardCharsets.UTF_8).split(" ", 2); // local, shared memory
                String text = request.length > 1 ? request[1] : "";                  // request[0]: the id
                System.out.println("request '" + text + "'");
                replies.put((request[0] + " " + text.toUpperCase()).getBytes(StandardCharsets.UTF_8)); // the id goes back
                if (text.equals("bye")) {
                    break;
                }
            }
            for (int i = 0; i < 1000 && gateway.clientCount() > 0; i++) {
                Thread.sleep(10);               // let the client take the last answer and hang up
            }
            gateway.close();                    // stop serving before the mailboxes go
            requests.destroy();
            replies.destroy();
            System.out.println("mailboxes destroyed");
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("EADDRINUSE")) {
                throw e;
            }
            fail("port " + port + " of " + host + " is taken (another RemoteHost?): stop it first, or choose another port");
        }
    }

    /**
     * Empties mailboxes that a host killed with kill -9 left behind (its shutdown hook did not run):
     * no client can be connected yet, so whatever they hold is old; a stale "bye" would end this host
     * at once, a stale answer would only be skipped by the next client. A host killed while its
     * gateway was putting a request left that claim at the head, uncommitted: a receive skips it
     * after the dead-sender timeout (100 ms), so each poll waits a little longer than that, not
     * {@code poll()}'s "at once", which would find nothing in front of the claim.
     */
    private static void dropLeftovers(Mailbox requests, Mailbox replies) throws InterruptedException {
        Duration pastADeadSendersClaim = Duration.ofMillis(300);
        int staleRequests = 0;
        int staleReplies = 0;
        while (requests.poll(pastADeadSendersClaim) != null) {
            staleRequests++;
        }
        while (replies.poll(pastADeadSendersClaim) != null) {
            staleReplies++;
        }
        if (staleRequests + staleReplies > 0) {
            System.out.println("dropped " + staleRequests + " request(s) and " + staleReplies
                    + " answer(s) left by an earlier host A");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run remote-mailbox/RemoteHost.java [host] [port]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
