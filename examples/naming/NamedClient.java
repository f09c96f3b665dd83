import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.Mailbox;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NameService;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Terminal 2: a client that knows only the service's name. It looks the name up (waiting up to 30 s
 * for a server to adopt it, if none has yet), then sends its requests to the mailbox the entry points
 * at.
 *
 * <pre>examples/run naming/NamedClient.java services/echo hello world</pre>
 */
public class NamedClient {
    public static void main(String[] args) throws InterruptedException {
        String service = args.length > 0 ? args[0] : "services/echo";
        try (NameService names = NameService.open()) {
            Optional<NameEntry> entry = names.lookup(service);
            while (entry.isEmpty()) {
                System.out.println("nobody has adopted '" + service + "' yet; waiting");
                Optional<NameEvent> change = names.awaitChange(service, Duration.ofSeconds(30));
                if (change.isEmpty()) {
                    fail("no server adopted '" + service + "' within 30 s: start NamedServer first");
                }
                entry = names.lookup(service);
            }
            NameEntry server = entry.get();
            System.out.println("found '" + service + "': " + server.record().kind() + " '" + server.record().address()
                    + "' of pid " + server.owner().pid());
            try (Mailbox mailbox = Mailbox.open(server.record().address())) {
                for (int i = 1; i < args.length; i++) {
                    mailbox.put(args[i].getBytes(StandardCharsets.UTF_8));
                    System.out.println("sent '" + args[i] + "'");
                }
            } catch (MailboxNotFoundException e) {               // the server was killed: its entry is stale
                fail("the server of '" + service + "' (pid " + server.owner().pid() + ") is gone: start NamedServer again");
            }
        }
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
