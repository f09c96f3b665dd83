package io.jipc.mailbox;

import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of a mailbox file ({@code <jipc root>/mailbox/<name>}).
 *
 * <pre>
 *   offset  length  content
 *   ------  ------  ----------------------------------------------------------------
 *        0     128  common header ({@link SegmentHeaderDescriptor}), magic "JIPC-MBX"
 *      128       8  ring offset (long) = 4096
 *      136       8  ring length (long) = file length - 4096
 *      144       4  max message size (int)
 *      148       4  permissions given at creation (int, informative)
 *      152    3944  reserved (zero)
 *     4096     ...  the ring ({@link io.jipc.ring.RingDescriptor}): control block, sender intent
 *                   slots, then the data area of records ({@link io.jipc.ring.RecordDescriptor})
 * </pre>
 *
 * <p>Version 1.0. The file is created with {@code O_EXCL} and made ready by writing the version
 * last; see {@link io.jipc.segment.SharedSegment}.
 */
public final class MailboxDescriptor {
    /** Magic of a mailbox file. */
    public static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-MBX");
    public static final int MAJOR_VERSION = 1;
    public static final int MINOR_VERSION = 0;

    public static final int RING_OFFSET_OFFSET = 128;
    public static final int RING_LENGTH_OFFSET = 136;
    public static final int MAX_MESSAGE_SIZE_OFFSET = 144;
    public static final int PERMISSIONS_OFFSET = 148;
    /** Where the ring starts. */
    public static final long RING_OFFSET = 4096;

    /** The file up to the ring, as a memory layout (a test checks it against the constants). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SegmentHeaderDescriptor.LAYOUT.withName("header"),
            JAVA_LONG.withName("ringOffset"),
            JAVA_LONG.withName("ringLength"),
            JAVA_INT.withName("maxMessageSize"),
            JAVA_INT.withName("permissions"),
            MemoryLayout.paddingLayout(RING_OFFSET - 152));

    /** Subdirectory of the jipc root that holds mailboxes. */
    public static final String DIRECTORY = "mailbox";

    private MailboxDescriptor() {
    }
}
