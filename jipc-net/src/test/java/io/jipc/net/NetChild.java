package io.jipc.net;

import io.jipc.platform.Libc;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;

/**
 * The other process of the socket tests. It prints what it sees, one line per event, for the test
 * to assert. Modes (first argument):
 * <ul>
 * <li>{@code echo-server <uri> <allowedUid|any> <maxConnections>}: serves every client in a virtual
 *     thread: a message "who" is answered with "pid uid gid" of the client (Unix-domain), any other
 *     is echoed. Prints {@code LISTENING <uri>}; closes gracefully when its standard input ends
 *     or a line arrives, printing {@code CLOSED refused=<n>}.</li>
 * <li>{@code echo-client <uri> <count> <size>}: sends {@code count} numbered messages of {@code size}
 *     bytes, reads the echoes and checks them; prints {@code ECHOED <count>}.</li>
 * <li>{@code raw <uri> <hex> <then>}: connects and writes raw bytes; prints {@code SENT}; then
 *     {@code eof}: reads until end of stream and prints {@code EOF} (or {@code EOF <exception>}),
 *     or {@code hold}: waits to be killed, or {@code more:<hex>}: at a line on standard input writes those
 *     bytes too, prints {@code SENT MORE}, then reads until end of stream as {@code eof}.</li>
 * <li>{@code take <uri>}: connects, prints {@code CONNECTED}, takes one message: {@code TOOK <text>}
 *     or {@code TOOK null}.</li>
 * <li>{@code hello}: prints {@code HELLO uid=<euid>}.</li>
 * <li>{@code dgram-echo <uri> <maxDatagram> <truncate>}: binds and answers every datagram with its
 *     length and first bytes ({@code <length>:<text>}, or {@code TOO LARGE <n>}); prints
 *     {@code BOUND <uri>}; ends after a datagram "bye".</li>
 * <li>{@code bind-race <path> <rounds>}: prints {@code READY}, waits for a line, then {@code rounds} times
 *     binds a stream server at {@code path} (an {@code EADDRINUSE} is counted and tried again), checks
 *     that the server is the one a client of the path reaches (prints {@code ORPHANED <round> <why>}
 *     if not), closes it, and every other time leaves a stale socket file at the path (bound by the
 *     JDK and closed, as a process that died leaves it); prints {@code DONE bound=<n> inuse=<n>}.</li>
 * <li>{@code reset <host> <port> <hex>}: connects with a plain {@code java.net.Socket}, writes the raw bytes,
 *     prints {@code SENT}, and at a line on standard input closes with {@code SO_LINGER} 0 (the kernel
 *     sends a reset); prints {@code RESET}.</li>
 * <li>{@code unremovable <dir>}: binds a stream server ({@code s.sock}, mode 0666, each message printed as
 *     {@code HANDLER TOOK <text>}, then {@code HANDLER END} at end of stream) and a datagram endpoint
 *     ({@code d.sock}) in {@code dir}; prints {@code LISTENING}; at a line on standard input (the test
 *     has made {@code dir} unwritable by then) closes both, a thread blocked in the endpoint's
 *     {@code take()}, printing {@code CLOSE threw <errno>} (or {@code CLOSE returned}), {@code AFTER
 *     closed=<b> connections=<n>}, {@code SECOND CLOSE returned}, {@code DCLOSE threw <errno>},
 *     {@code DTAKE <exception>} and {@code DONE}.</li>
 * <li>{@code dgram-oom <dir>}: binds Unix datagram endpoints {@code d0}, {@code d1}, ... in {@code dir}
 *     until one fails with {@link OutOfMemoryError} (run it with a small {@code -XX:MaxDirectMemorySize}),
 *     prints {@code OOM <index> file=<whether its socket file exists>}, closes the others, binds that
 *     path again and prints {@code REBOUND} (or {@code REBIND FAILED <exception>}), closes it: {@code DONE}.</li>
 * </ul>
 */
public final class NetChild {
    private NetChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        switch (args[0]) {
            case "echo-server" -> echoServer(args[1], args[2], Integer.parseInt(args[3]));
            case "echo-client" -> echoClient(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "raw" -> raw(args[1], args[2], args[3]);
            case "take" -> take(args[1]);
            case "hello" -> say("HELLO uid=" + Integer.toUnsignedString(Libc.geteuid()));
            case "dgram-echo" -> datagramEcho(args[1], Integer.parseInt(args[2]), Boolean.parseBoolean(args[3]));
            case "bind-race" -> bindRace(java.nio.file.Path.of(args[1]), Integer.parseInt(args[2]));
            case "reset" -> reset(args[1], Integer.parseInt(args[2]), args[3]);
            case "unremovable" -> unremovable(java.nio.file.Path.of(args[1]));
            case "dgram-oom" -> datagramOutOfMemory(java.nio.file.Path.of(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void datagramOutOfMemory(java.nio.file.Path dir) {
        java.util.List<DatagramEndpoint> bound = new java.util.ArrayList<>();
        java.nio.file.Path failed = null;
        for (int i = 0; failed == null && i < 100_000; i++) {
            java.nio.file.Path path = dir.resolve("d" + i);
            try {
                bound.add(DatagramEndpoint.bind(java.net.UnixDomainSocketAddress.of(path)));
            } catch (OutOfMemoryError e) {
                failed = path;
                say("OOM " + i + " file=" + java.nio.file.Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            }
        }
        bound.forEach(DatagramEndpoint::close);
        bound.clear();
        System.gc(); // the closed endpoints' buffers, reclaimed
        try (DatagramEndpoint again = DatagramEndpoint.bind(java.net.UnixDomainSocketAddress.of(failed))) {
            say("REBOUND");
        } catch (RuntimeException | OutOfMemoryError e) {
            say("REBIND FAILED " + e);
        }
        say("DONE");
    }

    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void bindRace(java.nio.file.Path path, int rounds) throws Exception {
        java.net.UnixDomainSocketAddress address = java.net.UnixDomainSocketAddress.of(path);
        say("READY");
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        int bound = 0;
        int inUse = 0;
        for (int round = 0; round < rounds; ) {
            StreamServer server;
            try {
                server = StreamServer.bind(address);
            } catch (io.jipc.ErrnoException e) {
                if (!e.errnoName().equals("EADDRINUSE")) {
                    throw e;
                }
                inUse++;
                continue;
            }
            bound++;
            try (server) {
                String why = reachedBy(server, address, ProcessHandle.current().pid() + "/" + round);
                if (why != null) {
                    say("ORPHANED " + round + " " + why);
                }
            }
            if (round % 2 == 0) {
                try (java.nio.channels.ServerSocketChannel stale = java.nio.channels.ServerSocketChannel.open(
                        java.net.StandardProtocolFamily.UNIX)) {
                    stale.bind(address); // the file stays after the close
                } catch (java.net.BindException taken) {
                    // another child is bound there now
                }
            }
            round++;
        }
        say("DONE bound=" + bound + " inuse=" + inUse);
    }

    private static void reset(String host, int port, String hex) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(host, port)) {
            socket.getOutputStream().write(HexFormat.of().parseHex(hex));
            socket.getOutputStream().flush();
            say("SENT");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            socket.setSoLinger(true, 0);
        }
        say("RESET");
    }

    private static void unremovable(java.nio.file.Path dir) throws Exception {
        StreamServer server = StreamServer.bind(java.net.UnixDomainSocketAddress.of(dir.resolve("s.sock")),
                ServerOptions.defaults().withSocketPermissions(0666));
        DatagramEndpoint endpoint = DatagramEndpoint.bind(java.net.UnixDomainSocketAddress.of(dir.resolve("d.sock")));
        server.start(connection -> {
            for (byte[] m; (m = connection.take()) != null; ) {
                say("HANDLER TOOK " + new String(m, StandardCharsets.UTF_8));
            }
            say("HANDLER END");
        });
        Thread taker = Thread.ofVirtual().start(() -> {
            try {
                endpoint.take();
                say("DTAKE returned");
            } catch (Exception e) {
                say("DTAKE " + e.getClass().getSimpleName());
            }
        });
        say("LISTENING");
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        try {
            server.close();
            say("CLOSE returned");
        } catch (io.jipc.ErrnoException e) {
            say("CLOSE threw " + e.errnoName() + " " + e.getMessage());
        }
        say("AFTER closed=" + server.isClosed() + " connections=" + server.connectionCount());
        server.close();
        say("SECOND CLOSE returned");
        try {
            endpoint.close();
            say("DCLOSE returned");
        } catch (io.jipc.ErrnoException e) {
            say("DCLOSE threw " + e.errnoName());
        }
        taker.join();
        say("DONE");
    }

    /** Null if a client of {@code address} reaches {@code server}, else why not. */
    static String reachedBy(StreamServer server, java.net.UnixDomainSocketAddress address, String token)
            throws InterruptedException {
        try (StreamConnection client = StreamConnection.connect(address)) {
            client.put(token.getBytes(StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                try (StreamConnection accepted = server.accept(Duration.ofMillis(200))) {
                    if (accepted != null) {
                        byte[] m = accepted.poll(Duration.ofSeconds(1));
                        if (m != null && new String(m, StandardCharsets.UTF_8).equals(token)) {
                            return null;
                        }
                    }
                } catch (RuntimeException another) {
                    // a client of another process that left: not ours
                }
            }
            return "its client went to another server";
        } catch (io.jipc.ErrnoException e) {
            return "its client got " + e.errnoName();
        }
    }

    private static void echoServer(String uri, String allowedUid, int maxConnections) throws Exception {
        SocketUri address = SocketUri.parse(uri);
        ServerOptions options = ServerOptions.defaults().withMaxConnections(maxConnections).withSocketPermissions(0666)
                .withAllowedUids(allowedUid.equals("any") ? Set.of() : Set.of(Integer.parseInt(allowedUid)));
        try (StreamServer server = StreamServer.bind(address.address(), options)) {
            server.onHandlerError((c, e) -> say("HANDLER-ERROR " + e.getClass().getSimpleName() + " " + e.getMessage()));
            server.start(connection -> {
                for (byte[] m; (m = connection.take()) != null; ) {
                    if (new String(m, StandardCharsets.UTF_8).equals("who")) {
                        PeerCredentials p = connection.peerCredentials().orElseThrow();
                        connection.put((p.pid() + " " + p.uid() + " " + p.gid()).getBytes(StandardCharsets.UTF_8));
                    } else {
                        connection.put(m);
                    }
                }
            });
            say("LISTENING " + SocketUri.parse(uri).kind().scheme() + ":"
                    + io.jipc.platform.Sockets.describe(server.localAddress()));
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            server.close();
            say("CLOSED refused=" + server.refusedCount());
        }
    }

    private static void echoClient(String uri, int count, int size) throws Exception {
        try (StreamConnection connection = StreamConnection.connect(SocketUri.parse(uri).address())) {
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < count; i++) {
                        byte[] echo = connection.take();
                        if (echo == null || echo.length != size || (size >= 8 && ByteBuffer.wrap(echo).getLong() != i)) {
                            say("BAD ECHO " + i);
                            System.exit(2);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < count; i++) {
                ByteBuffer m = ByteBuffer.allocate(size);
                if (size >= 8) {
                    m.putLong(0, i);
                }
                connection.put(m.array());
            }
            reader.join();
            say("ECHOED " + count);
        }
    }

    private static void raw(String uri, String hex, String then) throws Exception {
        try (StreamConnection connection = StreamConnection.connect(SocketUri.parse(uri).address())) {
            connection.write(ByteBuffer.wrap(HexFormat.of().parseHex(hex)));
            say("SENT");
            if (then.equals("hold")) {
                Thread.sleep(Duration.ofMinutes(5));
            }
            if (then.startsWith("more:")) {
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                connection.write(ByteBuffer.wrap(HexFormat.of().parseHex(then.substring("more:".length()))));
                say("SENT MORE");
            }
            try {
                while (connection.read(ByteBuffer.allocate(256)) >= 0) {
                    // drain until the server closes
                }
                say("EOF");
            } catch (RuntimeException e) {
                say("EOF " + e.getClass().getSimpleName());
            }
        }
    }

    private static void take(String uri) throws Exception {
        try (StreamConnection connection = StreamConnection.connect(SocketUri.parse(uri).address())) {
            say("CONNECTED");
            byte[] m = connection.take();
            say("TOOK " + (m == null ? "null" : new String(m, StandardCharsets.UTF_8)));
        }
    }

    private static void datagramEcho(String uri, int max, boolean truncate) throws Exception {
        SocketUri address = SocketUri.parse(uri);
        DatagramOptions options = DatagramOptions.defaults().withMaxDatagramSize(max).withTruncate(truncate);
        // answers go out through an endpoint with the default limit: a reply may be larger than `max`
        try (DatagramEndpoint endpoint = DatagramEndpoint.bind(address.address(), options);
             DatagramEndpoint replies = DatagramEndpoint.open(address.address(), DatagramOptions.defaults())) {
            say("BOUND " + address.kind().scheme() + ":" + io.jipc.platform.Sockets.describe(endpoint.localAddress()));
            while (true) {
                Datagram d;
                try {
                    d = endpoint.take();
                } catch (MessageTooLargeException e) {
                    say("TOO LARGE " + e.length());
                    continue;
                }
                String text = new String(d.payload(), 0, Math.min(d.payload().length, 16), StandardCharsets.UTF_8);
                String reply = d.length() + ":" + text + (d.truncated() ? " (truncated)" : "");
                if (d.sender() != null) {
                    (d.truncated() ? replies : endpoint).put(d.sender(), reply.getBytes(StandardCharsets.UTF_8));
                }
                if (text.equals("bye")) {
                    return;
                }
            }
        }
    }
}
