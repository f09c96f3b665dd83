import io.jipc.ErrnoException;
import io.jipc.net.StreamConnection;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client: sends a login name to the finger daemon's well-known socket and prints the answer.
 *
 * <pre>examples/run finger-daemon/Finger.java root /tmp/fingerd.sock</pre>
 */
public class Finger {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {                                                 // both, as in the README
            usage();
        }
        String login = args[0];
        String path = args[1];
        try (StreamConnection connection = StreamConnection.connect(UnixDomainSocketAddress.of(path))) {
            connection.write(ByteBuffer.wrap((login + "\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer in = ByteBuffer.allocate(4096);
            StringBuilder answer = new StringBuilder();
            while (connection.read(in.clear()) > 0) {                           // until the daemon closes
                answer.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
            }
            System.out.print(answer);
        } catch (ErrnoException e) {
            switch (e.errnoName()) {
                case "ENOENT", "ECONNREFUSED" -> fail("no finger daemon at " + path + ": start FingerDaemon first");
                default -> throw e;
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run finger-daemon/Finger.java <login> <socket path>");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
