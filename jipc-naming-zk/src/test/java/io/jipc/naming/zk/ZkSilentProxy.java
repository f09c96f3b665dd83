package io.jipc.naming.zk;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of a ZooKeeper server that can turn silent: a connection made while
 * {@link #silent(boolean) silent} passes the session handshake (the client's first frame and the
 * server's first) and then nothing either way, so the client believes itself connected while no
 * request is answered (until it gives the connection up after its read timeout, two thirds of the
 * session timeout, and makes another, as silent). It records the request types it swallowed.
 */
final class ZkSilentProxy implements AutoCloseable {
    /** ZooKeeper's op code of getData. */
    static final int GET_DATA = 4;

    private final ServerSocket listener;
    private final int serverPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Per op code and path ({@code "4 /chroot/names/x"}): how many requests were swallowed. */
    private final Map<String, AtomicInteger> swallowed = new ConcurrentHashMap<>();
    private final AtomicInteger silentConnections = new AtomicInteger();
    private volatile boolean silent;

    ZkSilentProxy(int serverPort) throws IOException {
        this.serverPort = serverPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("zk-silent-proxy").start(this::accept);
    }

    /** {@code 127.0.0.1:port} of the proxy. */
    String connectString() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Whether connections made from now on go silent after the handshake. */
    void silent(boolean silent) {
        this.silent = silent;
    }

    /** Drops every connection through the proxy: the client reconnects. */
    void dropAll() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    /** Whether a request of op code {@code type} for {@code path} (the full path) was swallowed. */
    boolean swallowed(int type, String path) {
        return swallowedCount(type, path) > 0;
    }

    /**
     * How many requests of op code {@code type} for {@code path} were swallowed (Curator's own reads,
     * such as its ensemble tracker's getData of {@code /zookeeper/config}, have paths of their own).
     */
    int swallowedCount(int type, String path) {
        AtomicInteger count = swallowed.get(type + " " + path);
        return count == null ? 0 : count.get();
    }

    /** The op code and, if the request starts with one (most do), the path of a request frame. */
    private static String request(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        in.getInt(); // xid
        int type = in.getInt();
        if (in.remaining() >= 4) {
            int length = in.getInt();
            if (length >= 0 && length <= in.remaining()) {
                byte[] path = new byte[length];
                in.get(path);
                return type + " " + new String(path, StandardCharsets.UTF_8);
            }
        }
        return type + " ";
    }

    /** How many connections were made while silent. */
    int silentConnections() {
        return silentConnections.get();
    }

    private void accept() {
        while (true) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                sockets.add(client);
                sockets.add(server);
                boolean quiet = silent;
                if (quiet) {
                    silentConnections.incrementAndGet();
                }
                pump(client, server, quiet, true);
                pump(server, client, quiet, false);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Copies length-prefixed frames; a silent connection passes only the first of each direction. */
    private void pump(Socket from, Socket to, boolean quiet, boolean requests) {
        Thread.ofPlatform().daemon().name("zk-silent-proxy-pump").start(() -> {
            try {
                DataInputStream in = new DataInputStream(from.getInputStream());
                DataOutputStream out = new DataOutputStream(to.getOutputStream());
                for (int frames = 0; ; frames++) {
                    int length = in.readInt();
                    byte[] frame = in.readNBytes(length);
                    if (frame.length < length) {
                        break;
                    }
                    if (quiet && frames > 0) {
                        if (requests && length >= 8) { // a request header (xid, op code), then the request
                            swallowed.computeIfAbsent(request(frame), r -> new AtomicInteger()).incrementAndGet();
                        }
                        continue;
                    }
                    out.writeInt(length);
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException e) {
                // closed
            }
            closeQuietly(from);
            closeQuietly(to);
        });
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        dropAll();
    }
}
