import io.jipc.ErrnoException;
import io.jipc.net.ServerOptions;
import io.jipc.net.SocketUri;
import io.jipc.net.StreamServer;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: a server that echoes every message back, serving each client in a thread of its own
 * (a virtual thread: thousands of idle clients cost little). Stops after SERVE_CLIENTS clients
 * (the first argument; 0 = forever, Ctrl-C to stop).
 *
 * <pre>examples/run echo-server/EchoServer.java unix:/tmp/echo.sock 2</pre>
 * <pre>examples/run echo-server/EchoServer.java tcp:127.0.0.1:7007</pre>
 */
public class EchoServer {
    public static void main(String[] args) throws Exception {
        if (args.length > 2 || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        SocketUri uri = null;
        try {
            uri = SocketUri.parse(args.length > 0 ? args[0] : "unix:/tmp/jipc-echo.sock");
        } catch (IllegalArgumentException notAnAddress) {
            usage();
        }
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(Math.max(clients, 1));
        try (StreamServer server = StreamServer.bind(uri.address(), ServerOptions.defaults())) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));     // Ctrl-C: close gracefully
            server.start(connection -> {                                         // one thread per client
                String who = connection.peerCredentials()
                        .map(p -> "pid " + p.pid() + ", uid " + p.uid())         // the kernel says who it is
                        .orElse(connection.remote());
                System.out.println("client connected: " + who);
                try {
                    for (byte[] message; (message = connection.take()) != null; ) {   // null: client closed
                        System.out.println("echo '" + new String(message, StandardCharsets.UTF_8) + "' to " + who);
                        connection.put(message);
                    }
                    System.out.println("client left: " + who);
                } finally {
                    done.countDown();
                }
            });
            System.out.println("echo server listening on " + new SocketUri(uri.kind(), server.localAddress())); // tcp:HOST:0: the port given
            if (clients > 0) {
                done.await();
            } else {
                Thread.currentThread().join();                                   // until Ctrl-C
            }
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("EADDRINUSE")) {
                throw e;
            }
            fail("a server is already listening on " + uri + ": stop it first, or choose another address");
        }
        System.out.println("server closed");
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run echo-server/EchoServer.java [unix:path|tcp:host:port] [clients]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
