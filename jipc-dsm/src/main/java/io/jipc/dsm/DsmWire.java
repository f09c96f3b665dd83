package io.jipc.dsm;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The frames a replica and its home exchange, each carried in one jipc-net stream frame (an 8-byte
 * big-endian signed length, then the body: {@link io.jipc.net.FrameCodec}). A body starts with a type
 * byte; every integer is big-endian and unsigned (a version is below 2<sup>63</sup>). A program in any
 * language can speak it (docs/dsm.md has the same table).
 *
 * <pre>
 * type  name       from     body after the type byte
 *   1   OPEN       replica  magic u32 'JDSM', major u16 = 1, minor u16, size u32, nameLength u16, name (ASCII)
 *   2   OPENED     home     version u64, the region's bytes (size of them)
 *   3   ACQUIRE    replica  —                       asks for the write lock (queued, first come first served)
 *   4   GRANTED    home     version u64             the lock is the replica's; every update before it was sent
 *   5   RELEASE    replica  diff                    the lock holder's changes; frees the lock
 *   6   RELEASED   home     version u64             the changes are applied (version unchanged for an empty diff)
 *   7   UPDATE     home     version u64, diff       another replica's changes
 *   8   SYNC       replica  —
 *   9   SYNCED     home     version u64             every update up to version was sent before it
 *  10   HEARTBEAT  either   —
 *  11   REFUSED    home     code u16, message (UTF-8, at most 1024 bytes); the home then closes
 *  12   KEPT       home     version u64             (1.1) like RELEASED, but the lock stays with the replica
 *  13   REVOKE     home     —                       (1.1) another replica waits: give a kept lock back
 *
 * diff = count u32, then count × (offset u32, length u32 ≥ 1, bytes[length]), ascending and disjoint,
 *        within the region, ending exactly at the frame's end
 * </pre>
 *
 * <p>The first frame of a connection is OPEN, answered by OPENED or REFUSED; the home answers each
 * ACQUIRE, RELEASE and SYNC once, in order (a RELEASE with RELEASED or KEPT). Versions count the
 * non-empty releases since the home created the region (the first snapshot is version 0).
 *
 * <p><b>Kept locks (minor 1).</b> A replica that opens with minor 1 or more accepts KEPT and REVOKE. A
 * home may then answer its RELEASE with KEPT: the changes are applied and sent on as usual, but the
 * replica keeps the write lock, and its next write sections need no ACQUIRE; each still ends with a
 * RELEASE (one with an empty diff may be left out). When another replica asks for the lock, the home
 * sends REVOKE (once per KEPT); the replica answers with a RELEASE at once, or at the end of the
 * section it is in, and that RELEASE is answered with RELEASED. A 1.0 peer never sees either frame.
 */
final class DsmWire {
    static final int MAGIC = 0x4A44534D; // "JDSM"
    static final int MAJOR = 1;
    static final int MINOR = 1;
    /** Largest frame beyond the region's bytes (an UPDATE of one range spanning the region: 1 + 8 + 12). */
    static final int MAX_OVERHEAD = 64;
    static final int MAX_NAME_BYTES = 128;
    /**
     * The longest OPEN (type, magic, major, minor, size, nameLength, the longest name), and so the
     * longest frame a home accepts before it has accepted a connection's OPEN.
     */
    static final int MAX_OPEN = 1 + 4 + 2 + 2 + 4 + 2 + MAX_NAME_BYTES;
    static final int MAX_MESSAGE_BYTES = 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

    static final byte OPEN = 1;
    static final byte OPENED = 2;
    static final byte ACQUIRE = 3;
    static final byte GRANTED = 4;
    static final byte RELEASE = 5;
    static final byte RELEASED = 6;
    static final byte UPDATE = 7;
    static final byte SYNC = 8;
    static final byte SYNCED = 9;
    static final byte HEARTBEAT = 10;
    static final byte REFUSED = 11;
    static final byte KEPT = 12;
    static final byte REVOKE = 13;

    private DsmWire() {
    }

    /** A decoded frame. */
    sealed interface Frame {
    }

    /** OPEN; {@code major}/{@code minor} as sent (the home refuses another major). */
    record Open(int major, int minor, long size, String name) implements Frame {
    }

    /** OPENED; {@code bytes} is the whole frame, the region starting at {@link #SNAPSHOT_AT}. */
    record Opened(long version, byte[] frame) implements Frame {
        long size() {
            return frame.length - SNAPSHOT_AT;
        }
    }

    static final int SNAPSHOT_AT = 9;

    /** ACQUIRE, SYNC, HEARTBEAT, REVOKE: a type and nothing else. */
    record Signal(byte type) implements Frame {
    }

    /** GRANTED, RELEASED, SYNCED, KEPT: a type and a version. */
    record Versioned(byte type, long version) implements Frame {
    }

    /** RELEASE; the diff shares the frame's array. */
    record Release(Diff diff) implements Frame {
    }

    /** UPDATE; the diff shares the frame's array. */
    record Update(long version, Diff diff) implements Frame {
    }

    /** REFUSED. */
    record Refused(RegionRefusedException.Reason reason, String message) implements Frame {
    }

    /** Checks a region name: 1 to 128 of {@code [A-Za-z0-9._-]}, not starting with a dot. */
    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a region name is 1 to 128 of [A-Za-z0-9._-], not starting with '.': "
                    + name);
        }
        return name;
    }

    static byte[] open(String name, long size) {
        byte[] n = checkName(name).getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(1 + 4 + 2 + 2 + 4 + 2 + n.length).put(OPEN).putInt(MAGIC).putShort((short) MAJOR)
                .putShort((short) MINOR).putInt((int) size).putShort((short) n.length).put(n).array();
    }

    static byte[] opened(long version, byte[] region) {
        return ByteBuffer.allocate(SNAPSHOT_AT + region.length).put(OPENED).putLong(version).put(region).array();
    }

    static byte[] signal(byte type) {
        return new byte[] {type};
    }

    static byte[] versioned(byte type, long version) {
        return ByteBuffer.allocate(9).put(type).putLong(version).array();
    }

    static byte[] release(Diff diff) {
        ByteBuffer out = ByteBuffer.allocate(1 + diff.encodedSize()).put(RELEASE);
        diff.encodeTo(out);
        return out.array();
    }

    /** The UPDATE that passes a RELEASE frame's diff on: the same bytes after a version. */
    static byte[] update(long version, byte[] releaseFrame) {
        return ByteBuffer.allocate(releaseFrame.length + 8).put(UPDATE).putLong(version)
                .put(releaseFrame, 1, releaseFrame.length - 1).array();
    }

    static byte[] refused(RegionRefusedException.Reason reason, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(m.length, MAX_MESSAGE_BYTES);
        return ByteBuffer.allocate(3 + length).put(REFUSED).putShort((short) reason.code()).put(m, 0, length).array();
    }

    /**
     * Decodes one frame. {@code regionSize} bounds the diffs and must match a snapshot; pass -1 before
     * the region is open (a diff is then refused).
     *
     * @throws DsmProtocolException for any malformed frame; never reads outside {@code frame} and
     *                              allocates nothing larger than it
     */
    static Frame decode(byte[] frame, long regionSize) {
        if (frame.length == 0) {
            throw new DsmProtocolException("empty frame");
        }
        ByteBuffer in = ByteBuffer.wrap(frame, 1, frame.length - 1);
        byte type = frame[0];
        return switch (type) {
            case OPEN -> decodeOpen(in);
            case OPENED -> {
                long version = version(in, frame);
                if (regionSize >= 0 && frame.length - SNAPSHOT_AT != regionSize) {
                    throw new DsmProtocolException("snapshot of " + (frame.length - SNAPSHOT_AT) + " bytes for a region of "
                            + regionSize);
                }
                yield new Opened(version, frame);
            }
            case ACQUIRE, SYNC, HEARTBEAT, REVOKE -> {
                exact(frame, 1);
                yield new Signal(type);
            }
            case GRANTED, RELEASED, SYNCED, KEPT -> {
                exact(frame, 9);
                yield new Versioned(type, version(in, frame));
            }
            case RELEASE -> new Release(Diff.decode(in, requireOpen(regionSize, "RELEASE")));
            case UPDATE -> {
                long version = version(in, frame);
                yield new Update(version, Diff.decode(in, requireOpen(regionSize, "UPDATE")));
            }
            case REFUSED -> decodeRefused(in);
            default -> throw new DsmProtocolException("unknown frame type " + (type & 0xFF));
        };
    }

    private static long requireOpen(long regionSize, String what) {
        if (regionSize < 0) {
            throw new DsmProtocolException(what + " before the region is open");
        }
        return regionSize;
    }

    private static void exact(byte[] frame, int length) {
        if (frame.length != length) {
            throw new DsmProtocolException("frame type " + frame[0] + " of " + frame.length + " bytes, not " + length);
        }
    }

    private static long version(ByteBuffer in, byte[] frame) {
        if (in.remaining() < 8) {
            throw new DsmProtocolException("frame type " + frame[0] + " of " + frame.length + " bytes has no version");
        }
        long version = in.getLong();
        if (version < 0) {
            throw new DsmProtocolException("negative version " + Long.toUnsignedString(version));
        }
        return version;
    }

    private static Open decodeOpen(ByteBuffer in) {
        if (in.remaining() < 14) {
            throw new DsmProtocolException("OPEN of " + (in.remaining() + 1) + " bytes is cut short");
        }
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new DsmProtocolException("OPEN without the JDSM magic: 0x" + Integer.toHexString(magic));
        }
        int major = Short.toUnsignedInt(in.getShort());
        int minor = Short.toUnsignedInt(in.getShort());
        long size = Integer.toUnsignedLong(in.getInt());
        int nameLength = Short.toUnsignedInt(in.getShort());
        if (nameLength != in.remaining()) {
            throw new DsmProtocolException("OPEN announces a name of " + nameLength + " bytes, " + in.remaining()
                    + " follow");
        }
        if (nameLength > MAX_NAME_BYTES) {
            throw new DsmProtocolException("region name of " + nameLength + " bytes");
        }
        String name = new String(in.array(), in.arrayOffset() + in.position(), nameLength, StandardCharsets.ISO_8859_1);
        if (!NAME.matcher(name).matches()) {
            throw new DsmProtocolException("bad region name " + printable(name));
        }
        return new Open(major, minor, size, name);
    }

    private static Refused decodeRefused(ByteBuffer in) {
        if (in.remaining() < 2) {
            throw new DsmProtocolException("REFUSED without a code");
        }
        int code = Short.toUnsignedInt(in.getShort());
        if (in.remaining() > MAX_MESSAGE_BYTES) {
            throw new DsmProtocolException("REFUSED message of " + in.remaining() + " bytes");
        }
        String message;
        try {
            message = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new DsmProtocolException("REFUSED message: " + e);
        }
        return new Refused(RegionRefusedException.Reason.of(code), message);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.append('"').toString();
    }
}
