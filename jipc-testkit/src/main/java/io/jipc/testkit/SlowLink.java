package io.jipc.testkit;

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
 * A relay on loopback that stands for a slow link between clients and a TCP server: what a client
 * sends reaches the server at {@code upBytesPerSecond}, what the server sends reaches the client at
 * {@code downBytesPerSecond} (0: at once). Each connection to the relay gets its own connection to
 * the server. With {@code smallBuffers} the relay's sockets have 64 KiB buffers, so that it holds
 * little of what goes through it. {@link #freeze()} stands for a link (or a far host) that stops
 * carrying anything: the relay reads and forwards nothing more, so the kernels take what fits in
 * their buffers and then close their receive windows. Test code only: one platform thread per
 * direction and connection; {@link #close()} ends them all.
 */
public final class SlowLink implements AutoCloseable {
    private static final int SMALL_BUFFER = 64 * 1024;

    private final ServerSocket listener;
    private final SocketAddress server;
    private final long upNanosPerByte;
    private final long downNanosPerByte;
    private final boolean smallBuffers;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong forwardedUp = new AtomicLong();
    private final AtomicLong forwardedDown = new AtomicLong();
    private volatile boolean frozen;
    private volatile boolean closed;

    /**
     * Starts relaying to {@code server}.
     *
     * @param upBytesPerSecond   rate from clients to the server, positive
     * @param downBytesPerSecond rate from the server to clients, 0 for no limit
     * @param smallBuffers       whether the relay's sockets get 64 KiB buffers (else the kernel's)
     */
    public SlowLink(SocketAddress server, int upBytesPerSecond, int downBytesPerSecond, boolean smallBuffers)
            throws IOException {
        if (upBytesPerSecond <= 0 || downBytesPerSecond < 0) {
            throw new IllegalArgumentException("rates " + upBytesPerSecond + ", " + downBytesPerSecond);
        }
        this.server = server;
        this.upNanosPerByte = TimeUnit.SECONDS.toNanos(1) / upBytesPerSecond;
        this.downNanosPerByte = downBytesPerSecond == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / downBytesPerSecond;
        this.smallBuffers = smallBuffers;
        this.listener = new ServerSocket();
        if (smallBuffers) {
            listener.setReceiveBufferSize(SMALL_BUFFER);
        }
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().name("slow-link-accept").start(this::accept);
    }

    /** The address clients connect to. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    }

    /** Bytes forwarded from clients to the server so far. */
    public long forwardedUp() {
        return forwardedUp.get();
    }

    /** Bytes forwarded from the server to clients so far. */
    public long forwardedDown() {
        return forwardedDown.get();
    }

    /** From now on nothing more is read or forwarded, either way (until {@link #close()}). */
    public void freeze() {
        frozen = true;
    }

    private void accept() {
        try {
            while (!closed) {
                Socket client = listener.accept();
                sockets.add(client);
                Socket toServer = new Socket();
                sockets.add(toServer);
                if (smallBuffers) {
                    client.setSendBufferSize(SMALL_BUFFER);
                    toServer.setReceiveBufferSize(SMALL_BUFFER);
                    toServer.setSendBufferSize(SMALL_BUFFER);
                }
                toServer.connect(server);
                relay(client, toServer, forwardedUp, upNanosPerByte, "up");
                relay(toServer, client, forwardedDown, downNanosPerByte, "down");
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void relay(Socket from, Socket to, AtomicLong forwarded, long nanosPerByte, String way) {
        Thread.ofPlatform().daemon().name("slow-link-" + way).start(() -> {
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
                    forwarded.addAndGet(n);
                    if (nanosPerByte > 0) {
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
