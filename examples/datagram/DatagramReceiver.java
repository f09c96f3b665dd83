import io.jipc.net.Datagram;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.SocketUri;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: binds a datagram socket and prints every datagram that arrives, until one says "bye".
 * No connection, no listening: any process that knows the address may send.
 *
 * <pre>examples/run datagram/DatagramReceiver.java unixgram:/tmp/dgram.sock</pre>
 * <pre>examples/run datagram/DatagramReceiver.java udp:127.0.0.1:6000</pre>
 */
public class DatagramReceiver {
    public static void main(String[] args) throws Exception {
        SocketUri uri = SocketUri.parse(args.length > 0 ? args[0] : "unixgram:/tmp/jipc-dgram.sock");
        try (DatagramEndpoint endpoint = DatagramEndpoint.bind(uri.address(), DatagramOptions.defaults())) {
            System.out.println("waiting for datagrams on " + uri);
            while (true) {
                Datagram d = endpoint.take();                                    // one datagram, whole
                String text = new String(d.payload(), StandardCharsets.UTF_8);
                System.out.println("received '" + text + "' (" + d.length() + " bytes) from "
                        + (d.sender() == null ? "an unnamed socket" : d.sender()));
                if (text.equals("bye")) {
                    break;
                }
            }
        }
        System.out.println("receiver closed");
    }
}
