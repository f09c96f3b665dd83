package io.jipc.naming.zk;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

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
    private final Set<Integer> swallowed = ConcurrentHashMap.newKeySet();
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

    /** Whether a request of op code {@code type} was swallowed. */
    boolean swallowed(int type) {
        return swallowed.contains(type);
    }

    private void accept() {
        while (true) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                sockets.add(client);
                sockets.add(server);
                boolean quiet = silent;
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
                        if (requests && length >= 8) { // a request header: xid, then the op code
                            swallowed.add(((frame[4] & 0xff) << 24) | ((frame[5] & 0xff) << 16)
                                    | ((frame[6] & 0xff) << 8) | (frame[7] & 0xff));
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
