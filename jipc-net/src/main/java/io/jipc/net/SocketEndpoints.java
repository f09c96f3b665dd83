package io.jipc.net;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Sending and receiving messages through a socket named by a {@link SocketUri}, for the
 * {@code jipc send} / {@code jipc recv} commands and scripts.
 *
 * <ul>
 * <li>{@code unix:/path}, {@code tcp:host:port}: the sender connects (to a listening receiver) and
 *     sends each message as one frame ({@link FrameCodec}: 8-byte big-endian length, payload); the
 *     receiver listens, accepts senders one after another and takes their frames.</li>
 * <li>{@code unixgram:/path}, {@code udp:host:port}: the sender sends each message as one datagram;
 *     the receiver binds the address and takes datagrams. UDP may drop datagrams.</li>
 * </ul>
 * Defaults apply: 1 MiB per framed message, 65,507 bytes per datagram.
 *
 * <p>These are the Java counterparts of {@code jipc send <uri> <message>...} and
 * {@code jipc recv <uri> --count N --timeout T} for programs and scripts. The command itself does
 * not call them: it drives {@link StreamConnection}, {@link StreamServer} and
 * {@link DatagramEndpoint} directly, for its options (priorities, {@code --max-bytes}, ...). A URI
 * is one of these when {@link SocketUri#isSocketUri(String)} says so.
 */
public final class SocketEndpoints {
    private SocketEndpoints() {
    }

    /** Sends {@code messages}, in order, to the socket {@code uri} names. */
    public static void send(String uri, byte[]... messages) throws InterruptedException {
        send(uri, List.of(messages));
    }

    /**
     * Sends {@code messages}, in order, to the socket {@code uri} names: over a stream, one
     * connection carrying one frame per message, then end of stream; over datagrams, one datagram
     * per message (nothing confirms their arrival).
     *
     * @throws io.jipc.ErrnoException   e.g. {@code ECONNREFUSED}/{@code ENOENT}: nobody receives there
     * @throws MessageTooLargeException if a message exceeds 1 MiB (streams) or 65,507 bytes (datagrams)
     */
    public static void send(String uri, List<byte[]> messages) throws InterruptedException {
        SocketUri target = SocketUri.parse(uri);
        if (target.kind().isStream()) {
            try (StreamConnection connection = StreamConnection.connect(target.address())) {
                for (byte[] message : messages) {
                    connection.put(message);
                }
                connection.shutdownOutput(); // the receiver reads end of stream after the last message
            }
        } else {
            try (DatagramEndpoint endpoint = DatagramEndpoint.open(target.address(), DatagramOptions.defaults())) {
                for (byte[] message : messages) {
                    endpoint.put(target.address(), message);
                }
            }
        }
    }

    /**
     * Binds {@code uri} and passes received messages to {@code sink} until {@code count} were
     * received (0: no limit) or none arrived for {@code timeout}; removes a socket file it created.
     *
     * @return the number of messages received
     */
    public static int receive(String uri, int count, Duration timeout, Consumer<byte[]> sink) throws InterruptedException {
        SocketUri source = SocketUri.parse(uri);
        Objects.requireNonNull(timeout, "timeout");
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        int received = 0;
        if (source.kind().isStream()) {
            try (StreamServer server = StreamServer.bind(source.address())) {
                while (count == 0 || received < count) {
                    StreamConnection connection = server.accept(timeout);
                    if (connection == null) {
                        break;
                    }
                    try (connection) {
                        byte[] message;
                        while ((count == 0 || received < count) && (message = connection.poll(timeout)) != null) {
                            sink.accept(message);
                            received++;
                        }
                        if (!connection.isEndOfStream() && (count == 0 || received < count)) {
                            break; // timed out in the middle of a sender's messages
                        }
                    }
                }
            }
        } else {
            try (DatagramEndpoint endpoint = DatagramEndpoint.bind(source.address())) {
                Datagram datagram;
                while ((count == 0 || received < count) && (datagram = endpoint.poll(timeout)) != null) {
                    sink.accept(datagram.payload());
                    received++;
                }
            }
        }
        return received;
    }
}
