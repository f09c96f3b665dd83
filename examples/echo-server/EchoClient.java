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
        SocketUri uri = SocketUri.parse(args[0]);
        try (StreamConnection connection = StreamConnection.connect(uri.address())) {
            for (int i = 1; i < args.length; i++) {
                connection.put(args[i].getBytes(StandardCharsets.UTF_8));           // one frame per message
                byte[] echo = connection.take();
                System.out.println("sent '" + args[i] + "', got back '" + new String(echo, StandardCharsets.UTF_8) + "'");
            }
        }
    }
}
