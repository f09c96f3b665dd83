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

    /** One framed TCP (or Unix-domain) connection to the server's listener. */
    record ThroughConnection(String service, StreamConnection connection) implements Transport {
        @Override
        public boolean offer(byte[] frame, Duration timeout) throws InterruptedException {
            try {
                synchronized (connection) {
                    // a cancel(true) of an async call interrupts its sender: that must not end the connection
                    return connection.offerShielded(frame, timeout);
                }
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
            if (frame == null && connection.isEndOfStream()) {
                throw new RpcServerLostException("the server of '" + service + "' closed the connection");
            }
            return frame;
        }

        @Override
        public boolean serverAlive(long serverToken) {
            return connection.isOpen() && !connection.isEndOfStream();
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
