package io.jipc.dsm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A relay on loopback that stands for a slow link between replicas and a home: bytes go both ways at
 * {@code bytesPerSecond}, through sockets with small buffers (64 KiB), so that the relay itself holds
 * little. Each connection to it gets its own connection to the home. {@link #freeze()} stands for a
 * link that stops carrying anything: the relay reads and forwards nothing more, so the kernels take
 * what fits in their buffers and then close their receive windows. Test code only: one thread per
 * direction and connection; {@link #close()} ends them all.
 */
final class SlowLink implements AutoCloseable {
    private static final int BUFFER = 64 * 1024;

    private final ServerSocket listener;
    private final SocketAddress home;
    private final long nanosPerByte;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong forwardedDown = new AtomicLong();
    private final AtomicLong forwardedUp = new AtomicLong();
    private volatile boolean frozen;
    private volatile boolean closed;

    SlowLink(SocketAddress home, int bytesPerSecond) throws IOException {
        this.home = home;
        this.nanosPerByte = TimeUnit.SECONDS.toNanos(1) / bytesPerSecond;
        this.listener = new ServerSocket();
        listener.setReceiveBufferSize(BUFFER);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().name("slow-link-accept").start(this::accept);
    }

    /** The address replicas connect to. */
    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    }

    /** Bytes forwarded from the home to replicas so far. */
    long forwardedDown() {
        return forwardedDown.get();
    }

    /** Bytes forwarded from replicas to the home so far. */
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
                Socket replica = listener.accept();
                sockets.add(replica);
                Socket toHome = new Socket();
                sockets.add(toHome);
                replica.setSendBufferSize(BUFFER);
                toHome.setReceiveBufferSize(BUFFER);
                toHome.setSendBufferSize(BUFFER);
                toHome.connect(home);
                relay(replica, toHome, false);
                relay(toHome, replica, true);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void relay(Socket from, Socket to, boolean down) {
        Thread.ofPlatform().daemon().name("slow-link-" + (down ? "down" : "up")).start(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                while (true) {
                    waitWhileFrozen();
                    int n = in.read(buffer);
                    if (n < 0 || closed) {
                        break;
                    }
                    waitWhileFrozen();
                    out.write(buffer, 0, n);
                    (down ? forwardedDown : forwardedUp).addAndGet(n);
                    LockSupport.parkNanos(n * nanosPerByte);
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
