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
        SocketUri uri = SocketUri.parse(args[0]);
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
        }
    }
}
