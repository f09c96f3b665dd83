package io.jipc.remote;

import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.net.StreamConnection;

import java.time.Duration;

/**
 * Reads a client's connection while its request waits at the mailbox, so that the gateway notices
 * at once (not at the next heartbeat) that the client cancelled, closed the connection (a killed
 * process's socket is closed by the kernel), broke the protocol or fell silent for longer than the
 * peer timeout: the {@link #verdict()} is set and the waiting thread, if it is inside
 * {@link #attempt}, is interrupted, so that an interruptible mailbox wait ends having sent or taken
 * nothing. Pings are read and dropped (they keep the client alive).
 *
 * <p><b>Threads.</b> {@link #start} starts one virtual thread, the connection's only reader until
 * {@link #stop()}; the session thread that started it calls {@link #attempt} and may write to the
 * connection meanwhile (one thread may send while another receives). The watcher interrupts the
 * session thread only inside {@link #attempt}, never while it writes a heartbeat. A frame the watcher
 * read is never handed back: everything but a ping ends its watch with a verdict.
 */
final class ClientWatch {
    /** How the watch ended: the client's doing, or nothing yet (null verdict). */
    enum Kind {
        /** The client sent {@link Wire.Cancel}. */
        CANCELLED,
        /** End of stream, a failed connection, or silence beyond the peer timeout. */
        GONE,
        /** A frame that does not decode, or a request out of turn. */
        PROTOCOL_VIOLATION
    }

    /** Why the watch ended. */
    record Verdict(Kind kind, String why) {
    }

    /**
     * Tests only (StalledReaderTest): run by the reader when its wait for the client's frame found none,
     * before it decides on the clock whether the client is silent, to stand for its stall there. Null otherwise.
     */
    static volatile Runnable afterEmptyPoll;

    private final StreamConnection connection;
    private final long peerTimeoutNanos;
    private final Thread waiter;
    private final Thread reader;
    private volatile long lastHeard;
    private volatile Verdict verdict;
    /** Whether {@link #waiter} is inside {@link #attempt}; guarded by this. */
    private boolean waiting;
    /** Whether the reader interrupted {@link #waiter}; guarded by this. */
    private boolean interruptedWaiter;

    private ClientWatch(StreamConnection connection, long lastHeard, Duration peerTimeout) {
        this.connection = connection;
        this.lastHeard = lastHeard;
        this.peerTimeoutNanos = Timeouts.nanos(peerTimeout);
        this.waiter = Thread.currentThread();
        this.reader = Thread.ofVirtual().name("jipc-gateway-watch").unstarted(this::read);
    }

    /**
     * Starts watching {@code connection} for the calling thread; {@code lastHeard} is when the client
     * was last heard from ({@link System#nanoTime()}). Stop it before reading the connection again.
     */
    static ClientWatch start(StreamConnection connection, long lastHeard, Duration peerTimeout) {
        ClientWatch watch = new ClientWatch(connection, lastHeard, peerTimeout);
        watch.reader.start();
        return watch;
    }

    /** One attempt at the mailbox, waiting at most the given slice; true when it succeeded. */
    @FunctionalInterface
    interface Attempt {
        boolean tryFor(Duration slice) throws InterruptedException;
    }

    /**
     * Runs {@code attempt} where a verdict interrupts it; false at once if there is a verdict already.
     * An interrupt the watcher made that the attempt did not consume is cleared on return.
     *
     * @throws InterruptedException if the attempt was interrupted, by the watcher ({@link #verdict()}
     *                              is then set) or by another thread
     */
    boolean attempt(Attempt attempt, Duration slice) throws InterruptedException {
        synchronized (this) {
            if (verdict != null) {
                return false;
            }
            waiting = true;
        }
        try {
            return attempt.tryFor(slice);
        } finally {
            synchronized (this) {
                waiting = false;
                if (interruptedWaiter) {
                    interruptedWaiter = false;
                    Thread.interrupted(); // the watcher's, if the attempt completed before it saw it
                }
            }
        }
    }

    /** How the client ended the watch; null while it has not. */
    Verdict verdict() {
        return verdict;
    }

    /** When the client was last heard from ({@link System#nanoTime()}). */
    long lastHeard() {
        return lastHeard;
    }

    /** Stops the reader and waits until it has stopped; the verdict, if any, stays. */
    void stop() throws InterruptedException {
        reader.interrupt(); // a frame half read stays buffered in the connection
        reader.join();
    }

    private void read() {
        try {
            while (true) {
                long left = lastHeard + peerTimeoutNanos - System.nanoTime();
                // silent by the clock: one look more, without waiting, before the client is taken for gone, so
                // that a stall of this thread after its wait (a GC pause, a loaded host) does not lose a client
                // whose frame came meanwhile and waits unread (until 2026-12-07 it did)
                byte[] frame = left > 0 ? connection.poll(Duration.ofNanos(left)) : connection.poll();
                if (frame == null) {
                    if (connection.isEndOfStream()) {
                        conclude(Kind.GONE, "client closed the connection");
                        return;
                    }
                    Runnable seam = afterEmptyPoll;
                    if (seam != null) {
                        seam.run();
                    }
                    if (left <= 0) {
                        conclude(Kind.GONE, "client silent for longer than " + Timeouts.text(Duration.ofNanos(peerTimeoutNanos)));
                        return;
                    }
                    continue;
                }
                lastHeard = System.nanoTime();
                Wire.Request request;
                try {
                    request = Wire.decodeRequest(frame);
                } catch (ProtocolException e) {
                    conclude(Kind.PROTOCOL_VIOLATION, e.getMessage());
                    return;
                }
                switch (request) {
                    case Wire.Ping ping -> {
                        // alive
                    }
                    case Wire.Cancel cancel -> {
                        conclude(Kind.CANCELLED, "cancelled by the client");
                        return;
                    }
                    default -> {
                        conclude(Kind.PROTOCOL_VIOLATION, "unexpected " + GatewaySession.describe(request)
                                + " while a request is in progress");
                        return;
                    }
                }
            }
        } catch (InterruptedException stopped) {
            // stopped by the session
        } catch (JipcException e) {
            conclude(Kind.GONE, e.toString());
        }
    }

    private synchronized void conclude(Kind kind, String why) {
        verdict = new Verdict(kind, why);
        if (waiting && !interruptedWaiter) {
            interruptedWaiter = true;
            waiter.interrupt();
        }
    }
}
