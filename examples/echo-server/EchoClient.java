import io.jipc.ErrnoException;
import io.jipc.net.SocketUri;
import io.jipc.net.StreamConnection;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: connects to the echo server and sends each argument after the address as one
 * message; prints each echo. Message boundaries are kept although the connection is a byte stream.
 *
 * <pre>examples/run echo-server/EchoClient.java unix:/tmp/echo.sock hello world</pre>
 */
public class EchoClient {
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
        try (StreamConnection connection = StreamConnection.connect(uri.address())) {
            for (int i = 1; i < args.length; i++) {
                connection.put(args[i].getBytes(StandardCharsets.UTF_8));           // one frame per message
                byte[] echo = connection.take();
                if (echo == null) {                                                  // the server closed
                    fail("the echo server at " + uri + " went away");
                }
                System.out.println("sent '" + args[i] + "', got back '" + new String(echo, StandardCharsets.UTF_8) + "'");
            }
        } catch (ErrnoException e) {
            switch (e.errnoName()) {
                case "ENOENT", "ECONNREFUSED" -> fail("no echo server at " + uri + ": start EchoServer first");
                default -> throw e;
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run echo-server/EchoClient.java <unix:path|tcp:host:port> [message...]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
