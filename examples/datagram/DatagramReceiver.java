import io.jipc.ClosedException;
import io.jipc.ErrnoException;
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
        if (args.length > 1) {
            usage();
        }
        SocketUri uri = null;
        try {
            uri = SocketUri.parse(args.length > 0 ? args[0] : "unixgram:/tmp/jipc-dgram.sock");
        } catch (IllegalArgumentException notAnAddress) {
            usage();
        }
        try (DatagramEndpoint endpoint = DatagramEndpoint.bind(uri.address(), DatagramOptions.defaults())) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {             // Ctrl-C: close, which removes
                endpoint.close();                                                // the socket file, and let
                try {                                                            // main end in its own time
                    main.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            System.out.println("waiting for datagrams on " + uri);
            try {
                while (true) {
                    Datagram d = endpoint.take();                                // one datagram, whole
                    String text = new String(d.payload(), StandardCharsets.UTF_8);
                    System.out.println("received '" + text + "' (" + d.length() + " bytes) from "
                            + (d.sender() == null ? "an unnamed socket" : d.sender()));
                    if (text.equals("bye")) {
                        break;
                    }
                }
            } catch (ClosedException stopped) {
                // Ctrl-C (or kill): the shutdown hook closed the endpoint
            }
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("EADDRINUSE")) {
                throw e;
            }
            fail("a receiver is already bound to " + uri + ": stop it first, or choose another address");
        }
        System.out.println("receiver closed");
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run datagram/DatagramReceiver.java [unixgram:path|udp:host:port]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
