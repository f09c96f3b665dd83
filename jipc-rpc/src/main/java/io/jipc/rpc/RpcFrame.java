package io.jipc.rpc;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The messages of the RPC protocol, one per mailbox message, and their bytes.
 *
 * <h2>Format (version 1.1)</h2>
 * Big-endian; strings and byte strings are a u32 length and that many bytes (strings UTF-8; an
 * unpaired surrogate in a reason or an exception's message is sent as '?', so that a failure can
 * always be reported).
 * <pre>
 * u32 magic 'JRPC'   u8 major (1)   u8 minor (1)   u8 kind   then by kind:
 *   1 HELLO    string interface, string reply mailbox, i64 client process token,
 *              [1.1: u32 largest frame the client takes (its replies)]
 *              (over a connection, which has no reply mailbox: that string is the name of the
 *              service the client asks for, or empty for whichever the listener serves)
 *   2 WELCOME  i64 client id, i64 server process token,
 *              [1.1: u32 largest frame the server takes from this client (its calls)]
 *              (the client id is opaque to the client, which sends it back in CALL, CANCEL and BYE: a
 *              server of 2026-12-07 or later gives a random non-zero one, told to that client alone,
 *              and takes a CALL, CANCEL or BYE from its request mailbox only for a client that said
 *              HELLO through it; over a connection the id is not looked at, the connection is the client)
 *   3 REFUSED  string reason                                 (answer to a HELLO; a reason beginning
 *                                                           "no such service: " refuses a HELLO that named
 *                                                           another service than the listener's; a reason
 *                                                           too long for the client's limit is cut as a
 *                                                           FAILURE's message is)
 *   4 CALL     i64 client id, i64 call id, i64 timeout ms (0: none), string method key, bytes arguments
 *                                                           (a call id not in progress for that client: one that
 *                                                           is, running, waiting or set aside, is refused: over a
 *                                                           connection it ends the connection, through the
 *                                                           mailbox it is dropped unanswered)
 *   5 RESULT   i64 call id, bytes value
 *   6 FAILURE  i64 call id, u8 code, string class name, u8 has message, [string message]
 *                                                           (a message too long for the client's limit is cut
 *                                                           to fit it, ending " … (N characters cut)")
 *   7 CANCEL   i64 client id, i64 call id
 *   8 BYE      i64 client id
 *   9 CLOSING  string reason                                 (the service ends, or has ended this client's session;
 *                                                           a reason too long for the client's limit is cut as a
 *                                                           FAILURE's message is)
 *  10 PING     i64 nonce                                     (over a connection, while calls wait)
 *  11 PONG     i64 nonce                                     (the answer to a PING; also sent unasked, nonce 0,
 *                                                           while a connection's call waits for a free slot)
 * </pre>
 * Clients send HELLO, CALL, CANCEL, BYE and PING to the server; the server sends WELCOME, REFUSED,
 * RESULT, FAILURE, CLOSING and PONG to the client. The arguments of a CALL are a u32 count
 * and that many values, the value of a RESULT one value, both in {@link Marshaller}'s format. A reader
 * accepts any minor version of its major (later minors only append fields it ignores) and refuses
 * other majors; a frame with bytes left over after its fields of this minor is accepted only if its
 * minor is later. A 1.0 HELLO or WELCOME has no size field: it decodes with size 0, "not said", and
 * each side then keeps to its own limit (a 1.0 peer learns of an over-size frame only as a broken
 * connection over TCP).
 */
sealed interface RpcFrame {
    int MAGIC = 0x4A525043; // "JRPC"
    int MAJOR = 1;
    int MINOR = 1;
    /**
     * How the reason of a REFUSED begins when a HELLO over a connection named a service the listener
     * does not serve (the client maps it to {@link RpcServiceNotFoundException}).
     */
    String NO_SUCH_SERVICE = "no such service: ";
    /**
     * The longest interface name a HELLO carries: a Java class's binary name, which a class file holds
     * in at most 65535 bytes of modified UTF-8 (never fewer bytes than standard UTF-8).
     */
    int MAX_INTERFACE_NAME = 65_535;
    /** The longest service name a HELLO over a connection asks for: a mailbox name (1 to 200 characters). */
    int MAX_SERVICE_NAME = 200;
    /**
     * The longest HELLO of this minor: magic, major, minor, kind, the longest interface and service
     * names with their lengths, the client token and the reply limit (about 64 KiB). A listener accepts
     * no longer first frame; a later minor that appends to HELLO raises it.
     */
    int MAX_HELLO = 4 + 1 + 1 + 1 + 4 + MAX_INTERFACE_NAME + 4 + MAX_SERVICE_NAME + 8 + 4;

    /** Why a call failed, as the server reports it. */
    enum FailureCode {
        /** The implementation threw. */
        THREW,
        /** The server has no method of that key (another version of the interface). */
        NO_SUCH_METHOD,
        /** The arguments did not decode or fit the method. */
        BAD_ARGUMENTS,
        /** The result could not be marshalled. */
        BAD_RESULT,
        /** Cancelled by the client, or its timeout passed at the server. */
        CANCELLED,
        /** The server is closing. */
        CLOSING
    }

    /** @param maxReplyFrame largest frame the client takes, in bytes; 0 if not said (a 1.0 client) */
    record Hello(String api, String replyMailbox, long clientToken, int maxReplyFrame) implements RpcFrame {
    }

    /** @param maxRequestFrame largest frame the server takes from this client, in bytes; 0 if not said (a 1.0 server) */
    record Welcome(long clientId, long serverToken, int maxRequestFrame) implements RpcFrame {
    }

    record Refused(String reason) implements RpcFrame {
    }

    record Call(long clientId, long callId, long timeoutMillis, String method, byte[] arguments) implements RpcFrame {
    }

    record Result(long callId, byte[] value) implements RpcFrame {
    }

    record Failure(long callId, FailureCode code, String className, String message) implements RpcFrame {
    }

    record Cancel(long clientId, long callId) implements RpcFrame {
    }

    record Bye(long clientId) implements RpcFrame {
    }

    record Closing(String reason) implements RpcFrame {
    }

    record Ping(long nonce) implements RpcFrame {
    }

    record Pong(long nonce) implements RpcFrame {
    }

    /** The bytes of {@code frame}. */
    static byte[] encode(RpcFrame frame) {
        Marshaller.Output out = new Marshaller.Output().i32(MAGIC).u8(MAJOR).u8(MINOR);
        switch (frame) {
            case Hello h -> out.u8(1).text(h.api()).text(h.replyMailbox()).i64(h.clientToken()).i32(h.maxReplyFrame());
            case Welcome w -> out.u8(2).i64(w.clientId()).i64(w.serverToken()).i32(w.maxRequestFrame());
            case Refused r -> out.u8(3).text(r.reason());
            case Call c -> out.u8(4).i64(c.clientId()).i64(c.callId()).i64(c.timeoutMillis()).text(c.method())
                    .bytes(c.arguments());
            case Result r -> out.u8(5).i64(r.callId()).bytes(r.value());
            case Failure f -> {
                out.u8(6).i64(f.callId()).u8(f.code().ordinal()).text(f.className()).u8(f.message() == null ? 0 : 1);
                if (f.message() != null) {
                    out.text(f.message());
                }
            }
            case Cancel c -> out.u8(7).i64(c.clientId()).i64(c.callId());
            case Bye b -> out.u8(8).i64(b.clientId());
            case Closing c -> out.u8(9).text(c.reason());
            case Ping p -> out.u8(10).i64(p.nonce());
            case Pong p -> out.u8(11).i64(p.nonce());
        }
        return out.toByteArray();
    }

    /**
     * The bytes of {@code failure}, at most {@code limit} bytes (the largest frame its client takes: its
     * reply mailbox's, or its connection's, or what its HELLO said; at least 64), so that a call's
     * failure always reaches its caller instead of costing the client its session. A message too long
     * for the limit is cut: its beginning is kept, whole characters only, followed by {@link #cutMarker
     * " … (N characters cut)"}, and the class name stays whole. Only if the class name alone leaves no
     * room for the marker is the message dropped, and only if the class name alone does not fit is it
     * cut too, keeping its end (the simple name) after a "…".
     */
    static byte[] encodeWithin(Failure failure, int limit) {
        byte[] whole = encode(failure);
        if (whole.length <= limit) {
            return whole;
        }
        String message = failure.message();
        if (message != null) {
            String cut = cutWithin(message,
                    limit - encode(new Failure(failure.callId(), failure.code(), failure.className(), "")).length);
            if (cut != null) {
                return encode(new Failure(failure.callId(), failure.code(), failure.className(), cut));
            }
        }
        Failure bare = new Failure(failure.callId(), failure.code(), failure.className(), null);
        byte[] bareBytes = encode(bare);
        if (bareBytes.length <= limit) {
            return bareBytes;
        }
        int room = limit - encode(new Failure(failure.callId(), failure.code(), "", null)).length;
        String ellipsis = "\u2026";
        return encode(new Failure(failure.callId(), failure.code(),
                ellipsis + suffixWithin(failure.className(), Math.max(0, room - utf8Length(ellipsis))), null));
    }

    /**
     * The bytes of {@code refused}, at most {@code limit} bytes (the largest frame its client takes: the
     * smaller of what its HELLO said and its channel's; at least 64), so that the refusal reaches the
     * client however long the names its reason echoes (a HELLO's interface name may take 64 KiB). A
     * reason too long is cut as a {@link #encodeWithin(Failure, int) FAILURE's message} is: its
     * beginning, whole characters, then {@link #cutMarker " … (N characters cut)"}, so that a reason
     * beginning {@link #NO_SUCH_SERVICE} still does; with no room even for the marker, it is empty.
     */
    static byte[] encodeWithin(Refused refused, int limit) {
        return encodeReasonWithin(refused.reason(), Refused::new, limit);
    }

    /**
     * The bytes of {@code closing}, at most {@code limit} bytes (the largest frame its client takes; at
     * least 64), so that a client always learns that the server closed or ended its session, whatever
     * the length of the service's name its reason echoes: a CLOSING that does not fit is not placed in
     * the client's reply mailbox, and a client whose server process lives would wait for ever. A reason
     * too long is cut as a {@link #encodeWithin(Refused, int) REFUSED's} is; with no room even for the
     * marker, it is empty.
     */
    static byte[] encodeWithin(Closing closing, int limit) {
        return encodeReasonWithin(closing.reason(), Closing::new, limit);
    }

    /**
     * The bytes of the frame {@code withReason} makes of {@code reason}, at most {@code limit} bytes:
     * with {@code reason} whole if it fits, else cut ({@link #cutWithin}), else empty.
     */
    private static byte[] encodeReasonWithin(String reason, java.util.function.Function<String, RpcFrame> withReason,
                                             int limit) {
        byte[] whole = encode(withReason.apply(reason));
        if (whole.length <= limit) {
            return whole;
        }
        String cut = cutWithin(reason, limit - encode(withReason.apply("")).length);
        return encode(withReason.apply(cut == null ? "" : cut));
    }

    /**
     * {@code text} cut to at most {@code room} bytes of UTF-8 (as it travels): its longest beginning of
     * whole characters that leaves room for {@link #cutMarker}, and the marker; null if not even the
     * marker fits. The marker room is the longest this text can need, so the result always fits.
     */
    private static String cutWithin(String text, int room) {
        int markerRoom = utf8Length(cutMarker(text.length())); // the longest marker this text can get
        if (room < markerRoom) {
            return null;
        }
        String kept = prefixWithin(text, room - markerRoom);
        return kept + cutMarker(text.length() - kept.length());
    }

    /** What ends a message (or reason) cut by {@link #encodeWithin}: {@code " … (N characters cut)"}. */
    static String cutMarker(int cut) {
        return " \u2026 (" + cut + " characters cut)";
    }

    /** The longest beginning of {@code text} of whole code points whose UTF-8 takes at most {@code bytes}. */
    private static String prefixWithin(String text, int bytes) {
        int end = 0;
        int used = 0;
        while (end < text.length()) {
            int codePoint = text.codePointAt(end);
            used += utf8Length(codePoint);
            if (used > bytes) {
                break;
            }
            end += Character.charCount(codePoint);
        }
        return text.substring(0, end);
    }

    /** The longest end of {@code text} of whole code points whose UTF-8 takes at most {@code bytes}. */
    private static String suffixWithin(String text, int bytes) {
        int start = text.length();
        int used = 0;
        while (start > 0) {
            int codePoint = text.codePointBefore(start);
            used += utf8Length(codePoint);
            if (used > bytes) {
                break;
            }
            start -= Character.charCount(codePoint);
        }
        return text.substring(start);
    }

    private static int utf8Length(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** The bytes of one code point in UTF-8, or more: an unpaired surrogate counts 3 (it travels as '?', 1). */
    private static int utf8Length(int codePoint) {
        return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    }

    /**
     * The frame in {@code bytes}.
     *
     * @throws RpcProtocolException if they are not a frame of this major version
     */
    static RpcFrame decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        try {
            if (in.getInt() != MAGIC) {
                throw new RpcProtocolException("not an RPC frame (bad magic)");
            }
            int major = Byte.toUnsignedInt(in.get());
            int minor = Byte.toUnsignedInt(in.get());
            if (major != MAJOR) {
                throw new RpcProtocolException("RPC protocol version " + major + "." + minor + ", this side speaks "
                        + MAJOR + "." + MINOR);
            }
            int kind = Byte.toUnsignedInt(in.get());
            RpcFrame frame = switch (kind) {
                case 1 -> new Hello(Marshaller.readString(in), Marshaller.readString(in), in.getLong(),
                        frameSize(in, minor));
                case 2 -> new Welcome(in.getLong(), in.getLong(), frameSize(in, minor));
                case 3 -> new Refused(Marshaller.readString(in));
                case 4 -> new Call(in.getLong(), in.getLong(), timeout(in.getLong()), Marshaller.readString(in),
                        Marshaller.readBytes(in));
                case 5 -> new Result(in.getLong(), Marshaller.readBytes(in));
                case 6 -> new Failure(in.getLong(), code(in.get()), Marshaller.readString(in), optionalString(in));
                case 7 -> new Cancel(in.getLong(), in.getLong());
                case 8 -> new Bye(in.getLong());
                case 9 -> new Closing(Marshaller.readString(in));
                case 10 -> new Ping(in.getLong());
                case 11 -> new Pong(in.getLong());
                default -> throw new RpcProtocolException("unknown RPC frame kind " + kind);
            };
            if (in.hasRemaining() && minor <= MINOR) {
                throw new RpcProtocolException(in.remaining() + " bytes after the frame");
            }
            return frame;
        } catch (BufferUnderflowException e) {
            throw new RpcProtocolException("RPC frame cut short");
        }
    }

    /** A 1.1 frame size field (u32 within an int, as the sender's limit is), or 0 for a 1.0 frame. */
    private static int frameSize(ByteBuffer in, int minor) {
        if (minor < 1) {
            return 0;
        }
        int size = in.getInt();
        if (size < 0) {
            throw new RpcProtocolException("frame size " + Integer.toUnsignedString(size) + " beyond 2^31 - 1");
        }
        return size;
    }

    private static long timeout(long millis) {
        if (millis < 0) {
            throw new RpcProtocolException("negative timeout " + millis);
        }
        return millis;
    }

    private static FailureCode code(byte code) {
        FailureCode[] codes = FailureCode.values();
        if (code < 0 || code >= codes.length) {
            throw new RpcProtocolException("unknown failure code " + code);
        }
        return codes[code];
    }

    private static String optionalString(ByteBuffer in) {
        return switch (in.get()) {
            case 0 -> null;
            case 1 -> Marshaller.readString(in);
            default -> throw new RpcProtocolException("bad message flag");
        };
    }
}
