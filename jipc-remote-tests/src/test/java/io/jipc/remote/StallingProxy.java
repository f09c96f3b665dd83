package io.jipc.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy on 127.0.0.1 in front of a gateway, for tests of a slow connect. While
 * {@linkplain #stall() stalled} it accepts nothing and its accept queue (backlog 1) is kept full by
 * connections of its own, so the kernel drops a client's SYN and the client's {@code connect} waits
 * for a retransmission (after 1 s, then 3 s more, ...); {@linkplain #resume() resumed}, it accepts
 * again, and a waiting connect completes at its next retransmission. It {@linkplain #cut() cuts}
 * the connections it carries, and tells whether each client closed its end.
 *
 * <p>Used by one test thread; its own threads are virtual (the accept loop, two pumps a
 * connection). Loopback only. {@link #close()} ends them and every socket.
 */
final class StallingProxy implements AutoCloseable {
    private static final int ACCEPT_SLICE_MILLIS = 20;

    private final InetSocketAddress target;
    private final ServerSocket listener;
    /** Held by the accept loop while it may accept: {@link #stall()} takes it to know the loop stopped. */
    private final ReentrantLock accepting = new ReentrantLock();
    private final List<Socket> fillers = new ArrayList<>();
    private final Set<Integer> fillerPorts = ConcurrentHashMap.newKeySet();
    private final List<Carried> carried = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean stalled;
    private volatile boolean closed;

    /** A client connection and the proxy's connection to the gateway for it. */
    private static final class Carried {
        final Socket client;
        final Socket gateway;
        final CountDownLatch ended = new CountDownLatch(1);
        /** Whether the client closed its end (end of stream), rather than the gateway or {@link #cut()}. */
        volatile boolean closedByClient;

        Carried(Socket client, Socket gateway) {
            this.client = client;
            this.gateway = gateway;
        }
    }

    StallingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        listener.setSoTimeout(ACCEPT_SLICE_MILLIS);
        this.acceptor = Thread.ofVirtual().name("proxy-acceptor").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            accepting.lock();
            try {
                if (stalled) {
                    client = null;
                } else {
                    try {
                        client = listener.accept();
                    } catch (SocketTimeoutException slice) {
                        continue;
                    }
                }
            } catch (IOException e) {
                return; // closed
            } finally {
                accepting.unlock();
            }
            if (client == null) {
                sleep(ACCEPT_SLICE_MILLIS);
            } else if (fillerPorts.contains(client.getPort())) {
                closeQuietly(client);
            } else {
                carry(client);
            }
        }
    }

    private void carry(Socket client) {
        try {
            Socket gateway = new Socket(target.getAddress(), target.getPort());
            Carried c = new Carried(client, gateway);
            carried.add(c);
            Thread.ofVirtual().start(() -> {
                c.closedByClient = pump(client, gateway);
                c.ended.countDown();
            });
            Thread.ofVirtual().start(() -> pump(gateway, client));
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    /**
     * Copies {@code from} to {@code to} until {@code from} ends or fails, then ends both; true if
     * {@code from} ended (its peer closed it), false if a socket failed or was closed here.
     */
    private static boolean pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
            return true;
        } catch (IOException ended) {
            return false; // one side was cut, or the other pump ended both
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /**
     * Stops accepting and fills the accept queue with connections of the proxy's own, until a
     * connect of one is no longer answered: from then on a client's connect waits.
     */
    void stall() throws IOException {
        stalled = true;
        accepting.lock(); // the accept loop is out of accept() once this is ours
        accepting.unlock();
        for (int i = 0; i < 16; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 500);
            } catch (SocketTimeoutException full) {
                filler.close(); // its SYN is no longer retransmitted
                return;
            }
            fillers.add(filler);
            fillerPorts.add(filler.getLocalPort());
        }
        throw new IllegalStateException("the accept queue of " + listener + " did not fill up");
    }

    /** Accepts again; the queued fillers are accepted and closed, a waiting client's connect goes through. */
    void resume() {
        stalled = false;
    }

    /** Closes every connection carried so far, both ends: its client reads end of stream. */
    void cut() {
        for (Carried c : carried) {
            closeQuietly(c.client);
            closeQuietly(c.gateway);
        }
    }

    /** How many client connections the proxy has carried (accepted and connected on to the gateway). */
    int carriedCount() {
        return carried.size();
    }

    /**
     * Whether the client closed the {@code index}th connection carried (from 0), waiting at most
     * {@code timeout} for it to end; false if it is still open then, or the gateway's end or a
     * {@link #cut()} ended it.
     */
    boolean awaitClosedByClient(int index, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (carried.size() <= index) { // the kernel completes a connect before the proxy accepts it
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(ACCEPT_SLICE_MILLIS);
        }
        Carried c = carried.get(index);
        return c.ended.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) && c.closedByClient;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        closeQuietly(listener);
        acceptor.join();
        cut();
        fillers.forEach(StallingProxy::closeQuietly);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed
        }
    }
}
