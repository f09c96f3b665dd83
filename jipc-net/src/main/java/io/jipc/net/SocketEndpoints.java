package io.jipc.net;

import io.jipc.Timeouts;

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
     * {@link #receive(String, int, Duration, Consumer, Consumer)} reporting each dropped sender or
     * datagram as one line on standard error ({@code jipc: receive on <uri> dropped a sender: <why>},
     * or {@code ... dropped a datagram: <why>}), as {@code jipc recv} does.
     */
    public static int receive(String uri, int count, Duration timeout, Consumer<byte[]> sink) throws InterruptedException {
        return receive(uri, count, timeout, sink, dropped -> System.err.println("jipc: receive on " + uri + " dropped a "
                + (dropped instanceof MessageTooLargeException ? "datagram" : "sender") + ": " + dropped.getMessage()));
    }

    /**
     * Binds {@code uri} and passes received messages to {@code sink}, in the calling thread, until
     * {@code count} were received (0: no limit) or none arrived for {@code timeout} (also when a
     * sender stays connected without completing its next message for that long); then closes what
     * it bound, removing a socket file it created. Blocks meanwhile. The wait for each message is one
     * deadline, restarted only by a message: senders that connect and end or are dropped without one,
     * and dropped datagrams, do not restart it (until 2026-12-06 each accept and poll had the whole
     * timeout, so such senders coming more often than {@code timeout} kept the receive going for good).
     *
     * <p>As {@code jipc recv} does, one bad sender does not end the receive: a stream sender whose
     * stream breaks — cut mid-frame by its close or death ({@link PeerClosedException}), a header
     * announcing a length beyond 1 MiB ({@link InvalidFrameException}), a frame not complete within
     * the frame timeout ({@link FrameTimeoutException}) — is dropped (its connection closed; the
     * messages it sent whole before are delivered and counted) and the next sender is accepted; a
     * datagram above 65,507 bytes ({@link MessageTooLargeException}; it is consumed) is dropped and
     * the next one taken. Each drop is passed to {@code onDrop} (in the calling thread; what it
     * throws ends the receive), then the receive goes on; a drop is no message: it does not count.
     *
     * @return the number of messages passed to {@code sink}
     * @throws io.jipc.ErrnoException        if the address cannot be bound ({@code EADDRINUSE}: a live
     *                                       receiver or another file has it; {@code EACCES}, ...)
     * @throws io.jipc.InsecureFileException if another process replaced the socket file just bound
     * @throws IllegalArgumentException      if {@code uri} is no socket URI, or {@code count} is negative
     * @throws InterruptedException          if the thread is interrupted while waiting (what was bound is closed)
     * @throws RuntimeException              whatever {@code sink} or {@code onDrop} throws (what was
     *                                       bound is closed; the messages delivered so far are not
     *                                       returned)
     */
    public static int receive(String uri, int count, Duration timeout, Consumer<byte[]> sink,
                              Consumer<? super io.jipc.JipcException> onDrop) throws InterruptedException {
        SocketUri source = SocketUri.parse(uri);
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(onDrop, "onDrop");
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        int received = 0;
        long deadline = Timeouts.deadline(timeout); // for the next message: restarted by each one
        if (source.kind().isStream()) {
            try (StreamServer server = StreamServer.bind(source.address())) {
                while (count == 0 || received < count) {
                    StreamConnection connection = server.accept(left(deadline));
                    if (connection == null) {
                        break;
                    }
                    try (connection) {
                        boolean dropped = false;
                        while (count == 0 || received < count) {
                            byte[] message;
                            try {
                                message = connection.poll(left(deadline));
                            } catch (PeerClosedException | InvalidFrameException | FrameTimeoutException broken) {
                                onDrop.accept(broken); // that sender's stream is broken (closed): the next sender
                                dropped = true;
                                break;
                            }
                            if (message == null) {
                                break;
                            }
                            sink.accept(message);
                            received++;
                            deadline = Timeouts.deadline(timeout);
                        }
                        if (!dropped && !connection.isEndOfStream() && (count == 0 || received < count)) {
                            break; // timed out in the middle of a sender's messages
                        }
                    }
                }
            }
        } else {
            try (DatagramEndpoint endpoint = DatagramEndpoint.bind(source.address())) {
                while (count == 0 || received < count) {
                    Datagram datagram;
                    try {
                        datagram = endpoint.poll(left(deadline));
                    } catch (MessageTooLargeException tooLarge) {
                        onDrop.accept(tooLarge); // consumed by the kernel: the next one
                        continue;
                    }
                    if (datagram == null) {
                        break;
                    }
                    sink.accept(datagram.payload());
                    received++;
                    deadline = Timeouts.deadline(timeout);
                }
            }
        }
        return received;
    }

    /** What is left until {@code deadline} ({@link Timeouts#deadline}): zero once it has passed. */
    private static Duration left(long deadline) {
        if (deadline == Timeouts.NO_DEADLINE) {
            return Duration.ofNanos(Timeouts.MOST_NANOS);
        }
        long left = deadline - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }
}
