package io.jipc.rpc;

import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.net.StreamConnection;
import io.jipc.platform.ProcessIdentity;

import java.time.Duration;

/**
 * A client's way to its server: the server's mailbox and the client's reply mailbox (same host), or
 * one TCP connection (any host). Frames are whole messages either way.
 */
sealed interface Transport {
    /**
     * Sends {@code frame} if there is room within {@code timeout}; false if not. An interrupt that
     * comes once the frame has started does not cut it short (which would end a connection all the
     * client's calls share): the frame is finished and the interrupt status set again afterwards.
     *
     * @throws RpcServerLostException if the server's end is gone
     */
    boolean offer(byte[] frame, Duration timeout) throws InterruptedException;

    /**
     * The next frame from the server, waiting at most {@code timeout}; null if none came.
     *
     * @throws RpcServerLostException if the server's end is gone
     */
    byte[] poll(Duration timeout) throws InterruptedException;

    /** Whether the server is known to be alive; {@code serverToken} is its process token from WELCOME (same host only). */
    boolean serverAlive(long serverToken);

    /**
     * Over TCP: whether the server's host has acknowledged more of this client's data since the last
     * call, while at that call at least {@link ThroughConnection#BUSY} bytes of it were waiting to be
     * taken: a long frame going out (a large call over a slow link), behind which the server can answer
     * no PING in time, though it lives and reads. Small frames do not count: a server whose process is
     * stopped has its kernel acknowledge them (PINGs, CANCELs) as they come. False through mailboxes and
     * over a Unix-domain socket (the server's process is checked there). Any thread may call it; it
     * does not block; each growth is reported once.
     */
    boolean serverTookMoreOfLongSend();

    /**
     * Over TCP: how many bytes the server has sent that wait unread in the socket
     * ({@link StreamConnection#bytesUnread()}); a count that grew since an earlier look means the server
     * sent something meanwhile (its PONGs, while it holds this client's calls back and no caller receives).
     * -1 through mailboxes and once the connection is closed. Any thread may call it; it does not block.
     */
    long unreadFromServer();

    /**
     * Largest frame this channel carries to the server; the client refuses a larger call before it
     * offers it (the server may take less still: its WELCOME says).
     */
    int maxRequestSize();

    /** Releases everything; removes the reply mailbox. */
    void close();

    /** The server's mailbox out, the client's own reply mailbox in. */
    record ThroughMailboxes(String service, Mailbox requests, Mailbox replies) implements Transport {
        @Override
        public boolean offer(byte[] frame, Duration timeout) throws InterruptedException {
            try {
                return requests.offer(frame, timeout);
            } catch (JipcException e) {
                throw new RpcServerLostException("'" + service + "' is gone: " + e.getMessage());
            }
        }

        @Override
        public byte[] poll(Duration timeout) throws InterruptedException {
            return replies.poll(timeout);
        }

        @Override
        public boolean serverAlive(long serverToken) {
            return ProcessIdentity.isAlive(serverToken);
        }

        @Override
        public boolean serverTookMoreOfLongSend() {
            return false;
        }

        @Override
        public long unreadFromServer() {
            return -1;
        }

        @Override
        public int maxRequestSize() {
            return requests.maxMessageSize();
        }

        @Override
        public void close() {
            requests.close();
            replies.destroy();
            replies.close();
        }
    }

    /**
     * One framed TCP (or Unix-domain) connection to the server's listener. A frame that has started
     * waits for room as long as the server is heard from: any frame received from it (a reply, a PONG,
     * which its reader sends every 100 ms while it holds this client's calls back) counts, as
     * {@link #poll} takes it, and so do its bytes arriving while no caller polls (every caller given up:
     * the connection's sender sees them in the socket's receive queue, unread). So a server that
     * rightly leaves the client's calls unread (every slot taken, its mailbox full) for longer than
     * the connection's frame timeout does not end the connection, as long as the socket's receive
     * buffer takes its PONGs; one that sends nothing for the frame timeout while a frame waits does
     * ({@link StreamConnection#offerShielded(byte[], Duration, java.util.function.LongSupplier)}).
     * Senders take turns at the connection's own send turn: one whose frame waits holds it, and a
     * send that must not wait ({@code offer} with a zero timeout: a PING of the receiving caller)
     * gives up at once (until 2026-12-06 they waited on the connection's monitor, a PING too, for as
     * long as the frame took, while nobody received).
     */
    static final class ThroughConnection implements Transport {
        private final String service;
        private final StreamConnection connection;
        /**
         * Bytes of this client's waiting to be taken by the server's host from which on its taking more
         * counts as hearing from the server ({@link #serverTookMoreOfLongSend}): far more than the
         * PINGs of a liveness check's time, however long the round trip.
         */
        static final int BUSY = 4096;
        /** When a frame last came from the server ({@link System#nanoTime()}); set by {@link #poll}. */
        private volatile long heardAt = System.nanoTime();
        /** At the last {@link #serverTookMoreOfLongSend}: bytes acknowledged and waiting; guarded by {@code this}. */
        private long seenAcknowledged = -1;
        private long seenWaiting;

        ThroughConnection(String service, StreamConnection connection) {
            this.service = service;
            this.connection = connection;
        }

        @Override
        public boolean offer(byte[] frame, Duration timeout) throws InterruptedException {
            try {
                // a cancel(true) of an async call interrupts its sender: that must not end the connection
                return connection.offerShielded(frame, timeout, () -> heardAt);
            } catch (JipcException e) {
                throw new RpcServerLostException("the connection to '" + service + "' ended: " + e.getMessage());
            }
        }

        /**
         * Sends {@code frame} if it leaves whole at once, waiting at most {@code turnWait} for the
         * connection's send turn, else nothing: false ({@link StreamConnection#offerShieldedAtOnce}).
         * The way for a frame that must not hold its caller: one this refuses may wait for room, and
         * goes on a thread of its own.
         */
        boolean offerAtOnce(byte[] frame, Duration turnWait) throws InterruptedException {
            try {
                return connection.offerShieldedAtOnce(frame, turnWait, () -> heardAt);
            } catch (JipcException e) {
                throw new RpcServerLostException("the connection to '" + service + "' ended: " + e.getMessage());
            }
        }

        @Override
        public byte[] poll(Duration timeout) throws InterruptedException {
            byte[] frame;
            try {
                frame = connection.poll(timeout);
            } catch (JipcException e) {
                throw new RpcServerLostException("the connection to '" + service + "' ended: " + e.getMessage());
            }
            if (frame != null) {
                heardAt = System.nanoTime();
            } else if (connection.isEndOfStream()) {
                throw new RpcServerLostException("the server of '" + service + "' closed the connection");
            }
            return frame;
        }

        @Override
        public boolean serverAlive(long serverToken) {
            return connection.isOpen() && !connection.isEndOfStream();
        }

        @Override
        public boolean serverTookMoreOfLongSend() {
            long acknowledged = connection.bytesAcknowledged();
            long waiting = connection.bytesNotYetTaken();
            synchronized (this) {
                boolean tookMore = acknowledged > seenAcknowledged && seenWaiting >= BUSY;
                if (acknowledged >= 0 && waiting >= 0) {
                    seenAcknowledged = Math.max(seenAcknowledged, acknowledged);
                    seenWaiting = waiting;
                }
                return tookMore;
            }
        }

        @Override
        public long unreadFromServer() {
            return connection.bytesUnread();
        }

        @Override
        public int maxRequestSize() {
            return connection.options().maxFrameSize();
        }

        @Override
        public void close() {
            connection.close();
        }
    }
}
