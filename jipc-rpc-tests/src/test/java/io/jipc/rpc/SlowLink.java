package io.jipc.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A relay on loopback that stands for a slow link between a client and a TCP server: what a client
 * sends reaches the server at {@code bytesPerSecond}, what the server sends goes back at once. Each
 * client connection gets its own connection to the server. {@link #freeze()} stands for a far host
 * that stops: the relay reads and forwards nothing more, so its kernel takes what fits in its
 * buffers and then closes its receive window. Test code only: one thread per direction and
 * connection; {@link #close()} ends them all.
 */
final class SlowLink implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress server;
    private final long nanosPerByte;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong forwardedUp = new AtomicLong();
    private volatile boolean frozen;
    private volatile boolean closed;

    SlowLink(InetSocketAddress server, int bytesPerSecond) throws IOException {
        this.server = server;
        this.nanosPerByte = TimeUnit.SECONDS.toNanos(1) / bytesPerSecond;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("slow-link-accept").start(this::accept);
    }

    /** The port clients connect to. */
    int port() {
        return listener.getLocalPort();
    }

    /** Bytes forwarded from clients to the server so far. */
    long forwardedUp() {
        return forwardedUp.get();
    }

    /** From now on nothing more is read or forwarded, either way (until {@link #close()}). */
    void freeze() {
        frozen = true;
    }

    private void accept() {
        try {
            while (!closed) {
                Socket client = listener.accept();
                Socket toServer = new Socket();
                sockets.add(client);
                sockets.add(toServer);
                toServer.connect(server);
                relay(client, toServer, true);
                relay(toServer, client, false);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void relay(Socket from, Socket to, boolean up) {
        Thread.ofPlatform().daemon().name("slow-link-" + (up ? "up" : "down")).start(() -> {
            byte[] buffer = new byte[up ? 4096 : 65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                while (true) {
                    waitWhileFrozen();
                    int n = in.read(buffer);
                    if (n < 0 || closed) {
                        break;
                    }
                    waitWhileFrozen();
                    out.write(buffer, 0, n);
                    if (up) {
                        forwardedUp.addAndGet(n);
                        LockSupport.parkNanos(n * nanosPerByte);
                    }
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                // closed, by either side or by close()
            }
        });
    }

    private void waitWhileFrozen() throws InterruptedException, IOException {
        while (frozen) {
            if (closed) {
                throw new IOException("closed");
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
