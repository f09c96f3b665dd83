import io.jipc.ErrnoException;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.MessageTooLargeException;
import io.jipc.net.SocketUri;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: sends each argument after the address as one datagram, then shows that a datagram
 * above the maximum size is refused (never cut short).
 *
 * <pre>examples/run datagram/DatagramSender.java unixgram:/tmp/dgram.sock hello world bye</pre>
 */
public class DatagramSender {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        SocketUri uri = null;
        try {
            uri = SocketUri.parse(args[0]);
        } catch (IllegalArgumentException notAnAddress) {
            usage();
        }
        try (DatagramEndpoint endpoint = DatagramEndpoint.open(uri.address(), DatagramOptions.defaults())) {
            try {
                endpoint.put(uri.address(), new byte[70_000]);                   // more than 65,507 bytes
            } catch (MessageTooLargeException e) {
                System.out.println("refused: " + e.getMessage());
            }
            for (int i = 1; i < args.length; i++) {
                endpoint.put(uri.address(), args[i].getBytes(StandardCharsets.UTF_8));   // one send = one datagram
                System.out.println("sent '" + args[i] + "'");
            }
        } catch (ErrnoException e) {
            switch (e.errnoName()) {                                             // Unix-domain only: UDP never knows
                case "ENOENT", "ECONNREFUSED" -> fail("no datagram receiver at " + uri + ": start DatagramReceiver first");
                default -> throw e;
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run datagram/DatagramSender.java <unixgram:path|udp:host:port> [message...]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
