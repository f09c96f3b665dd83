package io.jipc.segment;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of the header that starts every jipc shared-memory file, whatever its kind.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     Magic (8 ASCII bytes)                     |  0
 *  |                   e.g. "JIPC-MBX" for a mailbox               |
 *  +-------------------------------+-------------------------------+
 *  |   Version: major &lt;&lt; 16 | minor  (0 = not ready, -1 = condemned) |  8
 *  +---------------------------------------------------------------+
 *  |                        Header Length                          |  12
 *  +---------------------------------------------------------------+
 *  |                      File Length (long)                       |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Creator Pid (long)                       |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Creator Start Time (clock ticks since boot, long)      |  32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                Created At (epoch milliseconds)                |  40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |             Object Id (random, unique per object)             |  48
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  56..127
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>All fields are in the host's native byte order (the files never leave the host). The
 * <b>version</b> word doubles as the ready flag: the creator writes every other byte of the file
 * first and the version last, with a release store; an opener waits (bounded) for a non-zero
 * version with acquire loads, then rejects another major version. A minor version only adds
 * fields in space that older readers ignore.
 *
 * <p>A file that was never made ready may be <b>condemned</b> by another process that needs its
 * name and takes its creator for dead ({@link SharedSegment#condemn}): a compare-and-set of the
 * version word from 0 to {@link #CONDEMNED}. A creator that may be raced so publishes with a
 * compare-and-set from 0 too ({@link SharedSegment#tryPublish}), so exactly one of the two wins:
 * the file is made ready (and then never condemned), or condemned (and then never made ready, and
 * removed). Openers refuse a condemned file at once ({@link SegmentNotReadyException}). A reader of
 * before 2026-12-06 refuses a condemned file too, and never takes it for a ready file: one whose
 * header its creator had written (magic and all) as of format version 65535.65535, another major
 * version; one that was empty when condemned (the condemner gave it the header's length, all zero
 * bytes but the word) as having bad magic ({@code '????????'}, expected the kind's).
 *
 * <p>The kind-specific header follows at {@link #LENGTH}.
 */
public final class SegmentHeaderDescriptor {
    /** Offset of the 8-byte magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version word, {@code major << 16 | minor}, written last. */
    public static final int VERSION_OFFSET = 8;
    /**
     * The version word of a condemned file: never made ready, and never to be (its name is being
     * taken back); no version is this (majors end at {@code 0x7FFF}).
     */
    public static final int CONDEMNED = -1;
    /** Offset of the header length (this header, {@link #LENGTH}). */
    public static final int HEADER_LENGTH_OFFSET = 12;
    /** Offset of the total file length. */
    public static final int FILE_LENGTH_OFFSET = 16;
    /** Offset of the creator's pid. */
    public static final int CREATOR_PID_OFFSET = 24;
    /** Offset of the creator's start time, in clock ticks since boot. */
    public static final int CREATOR_START_TIME_OFFSET = 32;
    /** Offset of the creation time, in milliseconds since the epoch. */
    public static final int CREATED_AT_OFFSET = 40;
    /** Offset of the random 64-bit object id. */
    public static final int OBJECT_ID_OFFSET = 48;
    /** Length of the common header; kind-specific data starts here. */
    public static final int LENGTH = 128;

    /** The header as a memory layout (the constants above are its offsets; a test checks they agree). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("magic"),
            JAVA_INT.withName("version"),
            JAVA_INT.withName("headerLength"),
            JAVA_LONG.withName("fileLength"),
            JAVA_LONG.withName("creatorPid"),
            JAVA_LONG.withName("creatorStartTime"),
            JAVA_LONG.withName("createdAt"),
            JAVA_LONG.withName("objectId"),
            MemoryLayout.paddingLayout(72));

    private SegmentHeaderDescriptor() {
    }

    /** The magic value for an 8-character ASCII tag, as stored (little-endian). */
    public static long magic(String tag) {
        byte[] bytes = tag.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != 8) {
            throw new IllegalArgumentException("magic tag must be 8 ASCII characters: " + tag);
        }
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (bytes[i] & 0xFF);
        }
        return value;
    }

    /** The tag of a magic value, with non-printable bytes shown as {@code ?}. */
    public static String tag(long magic) {
        StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            int b = (int) (magic >>> (8 * i)) & 0xFF;
            sb.append(b >= 0x20 && b < 0x7F ? (char) b : '?');
        }
        return sb.toString();
    }

    /** The version word for {@code major.minor}. */
    public static int version(int major, int minor) {
        if (major <= 0 || major > 0x7FFF || minor < 0 || minor > 0xFFFF) {
            throw new IllegalArgumentException("version " + major + "." + minor);
        }
        return (major << 16) | minor;
    }

    public static int major(int version) {
        return version >>> 16;
    }

    public static int minor(int version) {
        return version & 0xFFFF;
    }
}
