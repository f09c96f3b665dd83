import io.jipc.mailbox.Endpoint;
import io.jipc.platform.ProcessIdentity;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: sends each argument after the pid directly to that process — send(P, message) — and
 * waits for its reply with receive(P), which takes only that process's messages.
 *
 * <pre>examples/run direct/Talker.java 4242 hello world bye</pre>
 */
public class Talker {
    public static void main(String[] args) throws InterruptedException {
        ProcessIdentity peer = ProcessIdentity.of(Long.parseLong(args[0]))
                .orElseThrow(() -> new IllegalArgumentException("no process " + args[0]));
        try (Endpoint endpoint = Endpoint.open()) {
            for (int i = 1; i < args.length; i++) {
                endpoint.send(peer, args[i].getBytes(StandardCharsets.UTF_8));
                if (args[i].equals("bye")) {
                    break;
                }
                String reply = new String(endpoint.receive(peer).payload(), StandardCharsets.UTF_8);
                System.out.println("pid " + peer.pid() + " replied '" + reply + "'");
            }
        }
    }
}
