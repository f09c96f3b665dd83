import io.jipc.mailbox.Endpoint;
import io.jipc.mailbox.Message;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: opens this process's endpoint (named by its pid and start time), receives from any
 * process — receive(ANY) — and replies to each sender by its identity, until "bye".
 *
 * <pre>examples/run direct/EchoPeer.java</pre>
 */
public class EchoPeer {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            usage();
        }
        try (Endpoint endpoint = Endpoint.open()) {
            System.out.println("endpoint of pid " + endpoint.identity().pid() + " ready");
            while (true) {
                Message m = endpoint.receive();                          // from ANY process
                String text = new String(m.payload(), StandardCharsets.UTF_8);
                System.out.println("from pid " + m.senderPid() + ": '" + text + "'");
                if (text.equals("bye")) {
                    break;
                }
                endpoint.send(m.sender(), ("echo " + text).getBytes(StandardCharsets.UTF_8)); // the link is two-way
            }
        }
        System.out.println("endpoint closed");
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run direct/EchoPeer.java");
        System.exit(2);
    }
}
