import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.Registration;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: a server that adopts a well-known name. It creates a mailbox with a name of its own
 * (nobody needs to know it), registers the service name pointing at that mailbox, and prints every
 * request until one says "stop". The name is held while the server lives: a second server is refused,
 * and if this one is killed (even with kill -9) the name is free for the next.
 *
 * <pre>examples/run naming/NamedServer.java services/echo</pre>
 */
public class NamedServer {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String service = args.length > 0 ? args[0] : "services/echo";
        String inboxName = "server-" + ProcessHandle.current().pid();
        try (NameService names = NameService.open();              // local:/ unless configured otherwise
             Mailbox inbox = Mailbox.create(inboxName, MailboxOptions.defaults())) {
            Registration registration;
            try {
                registration = names.register(service, NameRecord.of("mailbox", "", inboxName)
                        .withAttribute("protocol", "text/1"));
            } catch (NameTakenException taken) {
                inbox.destroy();
                fail("cannot adopt '" + service + "': taken by pid " + taken.ownerPid() + " (stop that server first)");
                return;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Mailbox.destroy(inboxName))); // Ctrl-C: it goes too
            try (registration) {
                System.out.println("adopted '" + service + "' -> mailbox '" + inboxName + "' (pid "
                        + ProcessHandle.current().pid() + ")");
                while (true) {
                    String request = new String(inbox.take(), StandardCharsets.UTF_8);
                    System.out.println("request: " + request);
                    if (request.equals("stop")) {
                        break;
                    }
                }
            }                                                     // closing the registration frees the name
            inbox.destroy();
            System.out.println("released '" + service + "'");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run naming/NamedServer.java [service name]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
