package io.jipc.remote;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The remote mailbox protocol: the messages a {@link RemoteMailbox} and a {@link MailboxGateway}
 * exchange, each carried whole in one frame of a {@link io.jipc.net.StreamConnection} (whose framing
 * bounds the length before anything is allocated). Byte by byte in {@code docs/remote.md}; all
 * integers big-endian. The first byte is the type: requests (client to gateway) below {@code 0x80},
 * replies (gateway to client) from {@code 0x80}.
 *
 * <p>Decoding is total: any byte array either decodes to one of the records below or throws
 * {@link ProtocolException}; no other exception, no allocation beyond the frame's own length.
 * Stateless and thread-safe.
 */
public final class Wire {
    /**
     * The protocol version a jipc client announces in {@link Open}, and the newest a gateway speaks:
     * 2 delivers each message with its priority ({@link PrioritizedDelivery}).
     */
    public static final int VERSION = 2;
    /**
     * The oldest version a gateway still speaks: 1, whose {@link Delivery} carries no priority (the
     * C clients of the tests speak it).
     */
    public static final int MIN_VERSION = 1;
    /** Bytes of the longest request or reply apart from its payload. */
    public static final int OVERHEAD = 16;
    /** The longest mailbox name (as {@link io.jipc.mailbox.Mailbox} allows). */
    public static final int MAX_NAME = 200;
    /**
     * The longest request a client sends before its {@link Open} is answered: an {@code Open} of the
     * longest name (type, version, name); {@link Ping}, {@link Ack}, {@link Receive} and
     * {@link Cancel} are shorter. A gateway accepts no longer frame until it has opened a mailbox
     * for the connection.
     */
    public static final int MAX_OPEN = 2 + MAX_NAME;

    static final byte OPEN = 0x01;
    static final byte SEND = 0x02;
    static final byte RECEIVE = 0x03;
    static final byte ACK = 0x04;
    static final byte PING = 0x05;
    static final byte CANCEL = 0x06;
    static final byte OPENED = (byte) 0x81;
    static final byte SENT = (byte) 0x82;
    static final byte MESSAGE = (byte) 0x83;
    static final byte EMPTY = (byte) 0x84;
    static final byte HEARTBEAT = (byte) 0x85;
    static final byte ERROR = (byte) 0x86;
    static final byte PRIORITY_MESSAGE = (byte) 0x87;

    private Wire() {
    }

    /** How long a blocking request may wait at the gateway. */
    public enum Wait {
        /** Not at all ({@code offer}, {@code poll}). */
        NOW,
        /** At most the request's timeout. */
        TIMED,
        /** Until done or cancelled ({@code put}, {@code take}). */
        FOREVER
    }

    /**
     * Why the gateway refused a request ({@link Error}); the wire code is the ordinal. The list is
     * closed: a client treats a code it does not know as a protocol error, so a new code would need
     * a new protocol version (docs/remote.md, "Versions").
     */
    public enum ErrorCode {
        /** 0: the gateway does not export the mailbox, or no mailbox has the name now. Ends the connection. */
        NO_SUCH_MAILBOX,
        /** 1: the message exceeds the mailbox's limit. */
        MESSAGE_TOO_LARGE,
        /** 2: the mailbox has no level for the priority. */
        BAD_PRIORITY,
        /**
         * 3: a role the request needs is held by another process of the gateway's host: the
         * receiver role of an exclusive mailbox (a {@link Receive}; text "receiver role busy: ..."),
         * or the sender role of a single-sender mailbox (a {@link Send}; text "sender role busy:
         * ...", naming the holder). The name is from the time it meant only the first; one code
         * serves both, since a new one would break the clients that know these seven.
         */
        RECEIVER_BUSY,
        /** 4: the client broke the protocol. Ends the connection. */
        PROTOCOL,
        /** 5: the gateway failed (or the mailbox cannot be served, e.g. remote receives of shared receivers). Ends the connection. */
        INTERNAL,
        /** 6: a Send or Receive before the Open. Ends the connection. */
        NOT_OPEN
    }

    /** A message from a client to the gateway. */
    public sealed interface Request permits Open, Send, Receive, Ack, Ping, Cancel {
    }

    /** A message from the gateway to a client. */
    public sealed interface Reply permits Opened, Sent, Delivery, PrioritizedDelivery, Empty, Heartbeat, Error {
    }

    /** Opens the exported mailbox {@code name} on this connection (once, first). */
    public record Open(int version, String name) implements Request {
    }

    /** Sends {@code payload} at {@code priority}, waiting as {@code mode} says (at most {@code timeoutNanos} if timed). */
    public record Send(Wait mode, int priority, long timeoutNanos, byte[] payload) implements Request {
    }

    /** Receives the next message, waiting as {@code mode} says. */
    public record Receive(Wait mode, long timeoutNanos) implements Request {
    }

    /** The client has the message of delivery {@code deliveryId}: the gateway may let it go. */
    public record Ack(long deliveryId) implements Request {
    }

    /** The client is alive (sent while it waits for a reply). */
    public record Ping() implements Request {
    }

    /** The client gives up the request in progress; the gateway answers it at once. */
    public record Cancel() implements Request {
    }

    /** The mailbox is open: its limits. */
    public record Opened(int maxMessageSize, int priorities) implements Reply {
    }

    /** The answer to a {@link Send}: whether the message is in the mailbox now. */
    public record Sent(boolean accepted) implements Reply {
    }

    /** A received message, to be acknowledged with {@link Ack} of the same id (version 1). */
    public record Delivery(long deliveryId, byte[] payload) implements Reply {
    }

    /**
     * A received message with the priority level it was sent at, to be acknowledged with
     * {@link Ack} of the same id (version 2 and later).
     */
    public record PrioritizedDelivery(long deliveryId, int priority, byte[] payload) implements Reply {
        public PrioritizedDelivery {
            if (priority < 0 || priority > 0xFF) {
                throw new IllegalArgumentException("priority " + priority + " does not fit the protocol's byte (0..255)");
            }
        }
    }

    /** The answer to a {@link Receive} that found no message in time (or was cancelled). */
    public record Empty() implements Reply {
    }

    /** The gateway is alive (sent while a request waits). */
    public record Heartbeat() implements Reply {
    }

    /** The gateway refused the request. */
    public record Error(ErrorCode code, String text) implements Reply {
    }

    // ------------------------------------------------------------------ encoding

    public static byte[] encode(Request request) {
        return switch (request) {
            case Open o -> {
                byte[] name = o.name().getBytes(StandardCharsets.UTF_8);
                yield ByteBuffer.allocate(2 + name.length).put(OPEN).put((byte) o.version()).put(name).array();
            }
            case Send s -> ByteBuffer.allocate(11 + s.payload().length).put(SEND).put((byte) s.mode().ordinal())
                    .put((byte) s.priority()).putLong(s.timeoutNanos()).put(s.payload()).array();
            case Receive r -> ByteBuffer.allocate(10).put(RECEIVE).put((byte) r.mode().ordinal())
                    .putLong(r.timeoutNanos()).array();
            case Ack a -> ByteBuffer.allocate(9).put(ACK).putLong(a.deliveryId()).array();
            case Ping p -> new byte[] {PING};
            case Cancel c -> new byte[] {CANCEL};
        };
    }

    public static byte[] encode(Reply reply) {
        return switch (reply) {
            case Opened o -> ByteBuffer.allocate(6).put(OPENED).putInt(o.maxMessageSize())
                    .put((byte) o.priorities()).array();
            case Sent s -> new byte[] {SENT, (byte) (s.accepted() ? 1 : 0)};
            case Delivery d -> ByteBuffer.allocate(9 + d.payload().length).put(MESSAGE).putLong(d.deliveryId())
                    .put(d.payload()).array();
            case PrioritizedDelivery d -> ByteBuffer.allocate(10 + d.payload().length).put(PRIORITY_MESSAGE)
                    .putLong(d.deliveryId()).put((byte) d.priority()).put(d.payload()).array();
            case Empty e -> new byte[] {EMPTY};
            case Heartbeat h -> new byte[] {HEARTBEAT};
            case Error e -> {
                byte[] text = e.text().getBytes(StandardCharsets.UTF_8);
                yield ByteBuffer.allocate(2 + text.length).put(ERROR).put((byte) e.code().ordinal()).put(text).array();
            }
        };
    }

    // ------------------------------------------------------------------ decoding

    /** Decodes a request frame. */
    public static Request decodeRequest(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        try {
            byte type = in.get();
            Request request = switch (type) {
                case OPEN -> new Open(in.get() & 0xFF, name(in));
                case SEND -> {
                    Wait wait = wait(in.get());
                    int priority = in.get() & 0xFF;
                    long timeout = timeout(in.getLong());
                    yield new Send(wait, priority, timeout, rest(in));
                }
                case RECEIVE -> new Receive(wait(in.get()), timeout(in.getLong()));
                case ACK -> new Ack(in.getLong());
                case PING -> new Ping();
                case CANCEL -> new Cancel();
                default -> throw new ProtocolException("unknown request type 0x" + Integer.toHexString(type & 0xFF));
            };
            return end(in, request);
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("request frame of " + frame.length + " bytes is too short");
        }
    }

    /** Decodes a reply frame. */
    public static Reply decodeReply(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        try {
            byte type = in.get();
            Reply reply = switch (type) {
                case OPENED -> {
                    int max = in.getInt();
                    int priorities = in.get() & 0xFF;
                    if (max < 0 || priorities < 1) {
                        throw new ProtocolException("bad mailbox limits: max " + max + ", priorities " + priorities);
                    }
                    yield new Opened(max, priorities);
                }
                case SENT -> {
                    byte accepted = in.get();
                    if (accepted != 0 && accepted != 1) {
                        throw new ProtocolException("bad send result " + accepted);
                    }
                    yield new Sent(accepted == 1);
                }
                case MESSAGE -> new Delivery(in.getLong(), rest(in));
                case PRIORITY_MESSAGE -> {
                    long id = in.getLong();
                    int priority = in.get() & 0xFF;
                    yield new PrioritizedDelivery(id, priority, rest(in));
                }
                case EMPTY -> new Empty();
                case HEARTBEAT -> new Heartbeat();
                case ERROR -> {
                    int code = in.get() & 0xFF;
                    if (code >= ErrorCode.values().length) {
                        throw new ProtocolException("unknown error code " + code);
                    }
                    yield new Error(ErrorCode.values()[code], text(rest(in)));
                }
                default -> throw new ProtocolException("unknown reply type 0x" + Integer.toHexString(type & 0xFF));
            };
            return end(in, reply);
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("reply frame of " + frame.length + " bytes is too short");
        }
    }

    private static <T> T end(ByteBuffer in, T decoded) {
        if (in.hasRemaining()) {
            throw new ProtocolException(in.remaining() + " stray bytes after " + decoded.getClass().getSimpleName());
        }
        return decoded;
    }

    private static Wait wait(byte code) {
        if (code < 0 || code >= Wait.values().length) {
            throw new ProtocolException("unknown wait mode " + code);
        }
        return Wait.values()[code];
    }

    private static long timeout(long nanos) {
        if (nanos < 0) {
            throw new ProtocolException("negative timeout " + nanos);
        }
        return nanos;
    }

    private static byte[] rest(ByteBuffer in) {
        byte[] bytes = Arrays.copyOfRange(in.array(), in.position(), in.limit());
        in.position(in.limit());
        return bytes;
    }

    private static String name(ByteBuffer in) {
        byte[] bytes = rest(in);
        if (bytes.length == 0 || bytes.length > MAX_NAME) {
            throw new ProtocolException("mailbox name of " + bytes.length + " bytes (1 to " + MAX_NAME + ")");
        }
        return text(bytes);
    }

    private static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException("text is not UTF-8");
        }
    }
}
