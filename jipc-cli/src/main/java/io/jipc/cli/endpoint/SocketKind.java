package io.jipc.cli.endpoint;

import io.jipc.net.Datagram;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.MessageTooLargeException;
import io.jipc.net.FrameTimeoutException;
import io.jipc.net.InvalidFrameException;
import io.jipc.net.PeerClosedException;
import io.jipc.net.SocketUri;
import io.jipc.platform.Sockets;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * {@code unix:/path}, {@code tcp:host:port} (framed messages over a stream) and
 * {@code unixgram:/path}, {@code udp:host:port} (one datagram per message) — see
 * {@code docs/sockets.md} for the framing. The sending side is a client: {@code send} connects on its
 * first message (a stream) and sends each message as one frame or datagram, so a plain
 * {@code socat} server sees the frames; a timed send of a frame must be through whole within its wait
 * ({@link StreamConnection#offerWhole}), and a frame that began and was then stopped or not read in
 * time (the connection closed mid-frame) is a {@link MessageCutException}. The receiving side is a server: {@code recv} binds the
 * address, accepts senders one after another and prints their messages (a sender whose stream breaks
 * mid-frame or announces a bad length is dropped with a line on standard error, and so is a datagram
 * over the maximum, which the kernel has consumed: the receive goes on); a socket file it created is
 * removed when it closes. Sockets have no priorities; nothing is created in advance, so
 * {@code --no-create} changes nothing here.
 */
final class SocketKind implements EndpointKind {
    private final SocketUri.Kind kind;
    private final String example;

    SocketKind(SocketUri.Kind kind, String example) {
        this.kind = kind;
        this.example = example;
    }

    @Override
    public String example() {
        return example;
    }

    /**
     * The endpoint {@code address} names; nothing is bound or connected yet.
     *
     * @throws IllegalArgumentException (a usage error) if the URI is malformed, or its path is a directory
     *                                  (also through a link), which no socket can be: until 2026-12-06
     *                                  {@code recv unix:/tmp} said EADDRINUSE and {@code send} ECONNREFUSED
     */
    @Override
    public MessageEndpoint open(String address, boolean create) {
        SocketUri uri = SocketUri.parse(kind.scheme() + ":" + address);
        if (uri.address() instanceof UnixDomainSocketAddress unix && Files.isDirectory(unix.getPath())) {
            throw new IllegalArgumentException(kind.scheme() + ":" + address + ": " + unix.getPath()
                    + " is a directory, not a socket path (a socket path names a file, e.g. " + kind.scheme() + ":"
                    + unix.getPath().resolve("x.sock") + ")");
        }
        return kind.isStream() ? new StreamEndpoint(uri.address(), kind.scheme())
                : new DatagramSocketEndpoint(uri.address(), kind.scheme());
    }

    @Override
    public boolean truncates() {
        return !kind.isStream();
    }

    /**
     * After a receiver bound {@code asked}: an INET address with port 0 got a port from the kernel,
     * which a sender needs to know, so it is said on standard error ({@code jipc recv: listening on
     * tcp:127.0.0.1:40123}).
     *
     * @return the URI of the port it got, or null if it asked for a port (or a path)
     */
    private static String sayEphemeralPort(SocketAddress asked, SocketAddress bound, String scheme) {
        if (asked instanceof InetSocketAddress inet && inet.getPort() == 0 && bound instanceof InetSocketAddress got) {
            String uri = scheme + ":" + Sockets.describe(got);
            System.err.println("jipc recv: listening on " + uri);
            return uri;
        }
        return null;
    }

    private static void checkNoPriority(int priority) {
        if (priority != 0) {
            throw new IllegalArgumentException("socket messages have no priority (asked for " + priority + ")");
        }
    }

    private static final class StreamEndpoint implements MessageEndpoint {
        private final SocketAddress address;
        private final String scheme;
        private StreamConnection outgoing;
        private StreamServer server;
        private StreamConnection incoming;
        /** The URI with the kernel's port, once a receive bound port 0. */
        private String boundUri;

        StreamEndpoint(SocketAddress address, String scheme) {
            this.address = address;
            this.scheme = scheme;
        }

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            checkNoPriority(priority);
            if (outgoing == null) {
                outgoing = StreamConnection.connect(address);
            }
            try {
                if (wait.isForever()) {
                    outgoing.put(payload);
                    return true;
                }
                // timed: the whole frame within the wait (offer would bound only its first byte, then
                // give the rest the frame timeout); at once: its start, then the frame timeout
                return wait.isNone() ? outgoing.offer(payload) : outgoing.offerWhole(payload, wait.limit());
            } catch (FrameTimeoutException notRead) { // begun, not read in time: the connection is closed mid-frame
                throw MessageCutException.ofFrame(payload.length, notRead);
            } catch (InterruptedException stopped) {
                if (!outgoing.isOpen()) { // stopped after the frame began: it closed the connection mid-frame
                    throw MessageCutException.ofFrame(payload.length, stopped);
                }
                throw stopped; // before its first byte left: withdrawn
            }
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            if (server == null) {
                server = StreamServer.bind(address);
                boundUri = sayEphemeralPort(address, server.localAddress(), scheme);
            }
            // one deadline for the whole receive, however many senders connect and end or are dropped
            // meanwhile: each accept and each poll waits only for what is left of it
            long deadline = wait.isForever() || wait.isNone() ? 0 : io.jipc.Timeouts.deadline(wait.limit());
            while (true) {
                if (incoming == null) {
                    incoming = wait.isForever() ? server.accept() : server.accept(left(wait, deadline));
                    if (incoming == null) {
                        return null;
                    }
                }
                byte[] payload;
                try {
                    payload = wait.isForever() ? incoming.take()
                            : wait.isNone() ? incoming.poll() : incoming.poll(left(wait, deadline));
                } catch (PeerClosedException | InvalidFrameException | FrameTimeoutException broken) {
                    // one sender's broken stream ends that sender, not the receiver: drop it, say so, go on
                    System.err.println("jipc recv: dropped a sender: " + broken.getMessage());
                    incoming.close();
                    incoming = null;
                    continue;
                }
                if (payload != null) {
                    return new Message(payload, 0);
                }
                if (!incoming.isEndOfStream()) {
                    return null;
                }
                incoming.close(); // this sender is done; the next one may connect
                incoming = null;
            }
        }

        /** What is left of a timed (or at-once) receive's wait: zero once its deadline has passed. */
        private static Duration left(Wait wait, long deadline) {
            long left = wait.isNone() ? 0 : deadline - System.nanoTime();
            return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
        }

        @Override
        public String describe(String uri) {
            return boundUri == null ? uri : boundUri;
        }

        /**
         * Ends the sending side (the peer reads end of stream after the last whole frame) and closes
         * what is open. A connection a cut frame already closed is not shut down again (that would throw
         * {@code ClosedException}, a second error line after the one that said the message was cut), and
         * every close runs even if one before it throws.
         */
        @Override
        public void close() {
            try {
                if (outgoing != null) {
                    try {
                        if (outgoing.isOpen()) {
                            outgoing.shutdownOutput();
                        }
                    } finally {
                        outgoing.close();
                    }
                }
            } finally {
                try {
                    if (incoming != null) {
                        incoming.close();
                    }
                } finally {
                    if (server != null) {
                        server.close();
                    }
                }
            }
        }
    }

    private static final class DatagramSocketEndpoint implements MessageEndpoint {
        private final SocketAddress address;
        private final String scheme;
        private DatagramEndpoint sender;
        private DatagramEndpoint receiver;
        /** The URI with the kernel's port, once a receive bound port 0. */
        private String boundUri;

        DatagramSocketEndpoint(SocketAddress address, String scheme) {
            this.address = address;
            this.scheme = scheme;
        }

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            checkNoPriority(priority);
            if (sender == null) {
                sender = DatagramEndpoint.open(address, DatagramOptions.defaults());
            }
            if (wait.isForever()) {
                sender.put(address, payload);
                return true;
            }
            return wait.isNone() ? sender.offer(address, payload) : sender.offer(address, payload, wait.limit());
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            if (receiver == null) {
                receiver = DatagramEndpoint.bind(address);
                boundUri = sayEphemeralPort(address, receiver.localAddress(), scheme);
            }
            long deadline = wait.isForever() || wait.isNone() ? 0 : io.jipc.Timeouts.deadline(wait.limit());
            while (true) {
                Datagram datagram;
                try {
                    if (wait.isForever()) {
                        datagram = receiver.take();
                    } else {
                        long left = wait.isNone() ? 0 : deadline - System.nanoTime();
                        datagram = left <= 0 ? receiver.poll() : receiver.poll(Duration.ofNanos(left));
                    }
                } catch (MessageTooLargeException dropped) {
                    // the kernel consumed it: one lost datagram, not the end of the receiver (as a
                    // stream sender's broken frame is not): say so and wait for the next one
                    System.err.println("jipc recv: dropped a datagram: " + dropped.getMessage());
                    continue;
                }
                return datagram == null ? null : new Message(datagram.payload(), 0);
            }
        }

        /**
         * The kernel's own truncating receive: the socket is bound with a receive buffer of
         * {@code maxBytes} and truncation asked for, and {@code MSG_TRUNC} tells the datagram's
         * whole length.
         */
        @Override
        public Message receive(Wait wait, int maxBytes) throws InterruptedException {
            if (maxBytes < 1) {
                throw new IllegalArgumentException("a datagram socket keeps at least 1 byte of each datagram "
                        + "(--max-bytes " + maxBytes + ")");
            }
            if (receiver == null) {
                receiver = DatagramEndpoint.bind(address,
                        DatagramOptions.defaults().withMaxDatagramSize(maxBytes).withTruncate(true));
                boundUri = sayEphemeralPort(address, receiver.localAddress(), scheme);
            }
            Datagram datagram = wait.isForever() ? receiver.take()
                    : wait.isNone() ? receiver.poll() : receiver.poll(wait.limit());
            return datagram == null ? null : new Message(datagram.payload(), 0, datagram.length());
        }

        @Override
        public String describe(String uri) {
            return boundUri == null ? uri : boundUri;
        }

        @Override
        public void close() {
            if (sender != null) {
                sender.close();
            }
            if (receiver != null) {
                receiver.close();
            }
        }
    }
}
