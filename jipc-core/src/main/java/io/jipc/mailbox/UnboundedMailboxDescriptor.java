package io.jipc.mailbox;

import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of the two kinds of file of an {@link UnboundedMailbox} {@code orders}: its control file
 * {@code <jipc root>/unbounded/orders} and its segment files {@code <jipc root>/unbounded/orders@<k>},
 * {@code k = first..last}.
 *
 * <h2>Control file (4096 bytes)</h2>
 * <pre>
 *   offset  length  content
 *   ------  ------  ----------------------------------------------------------------
 *        0     128  common header ({@link SegmentHeaderDescriptor}), magic "JIPC-UMB"
 *      128       8  length of one segment file (long)
 *      136       8  ceiling: bytes the segment files together may occupy (long)
 *      144       4  max message size (int)
 *      148       4  permissions given at creation (int, informative)
 *      152       8  ring capacity of a segment (long, a power of two)
 *      160       4  sender slots of a segment's ring (int)
 *      164       4  wait strategy code (int, {@link io.jipc.WaitStrategy#code()})
 *      168       8  dead-sender timeout (long, ns)
 *      176       4  state (int): 0 live, 1 destroyed (senders append no further segment)
 *      180       4  reserved (zero)
 *      184       8  messages received from the segments retired so far (long; the receiver adds
 *                   a segment's count after retiring it; informative: a receiver killed in
 *                   between leaves it short)                                             (1.1)
 *      192      64  reserved (zero)
 *      256       8  first: index of the oldest live segment (long; written by the receiver)
 *      264     120  reserved (zero)
 *      384       8  last: index of the newest segment, which senders send to (long; senders
 *                   move it on with compare-and-set once they have created the next segment)
 *      392     120  reserved (zero)
 *      512       8  receiver lease (long: process token; 0 = none)
 *      520     504  reserved (zero)
 *     1024     768  doorbell: laid out as a ring control block ({@link io.jipc.ring.RingDescriptor});
 *                   only its consumer wait block (+384: waiting flag, +388: futex word) is used:
 *                   the senders of every segment ring it, so a receiver sleeps on one word
 *     1792    2304  reserved (zero)
 * </pre>
 *
 * <h2>Segment file</h2>
 * <pre>
 *   offset  length  content
 *   ------  ------  ----------------------------------------------------------------
 *        0     128  common header, magic "JIPC-UMS"
 *      128       8  index k of this segment (long)
 *      136       8  object id of the control file it belongs to (long)
 *      144     112  reserved (zero)
 *      256       4  retiring flag (int): 1 once the receiver retires the segment; a sender that
 *                   sees it after claiming aborts its claim and sends to a newer segment
 *      260    3836  reserved (zero)
 *     4096     ...  a many-producer ring ({@link io.jipc.ring.RingDescriptor}) of the message records
 * </pre>
 *
 * <p>Version 2.0: the layout of 1.1 (1.0 files had zero at offset 184), with the segments' ring
 * commit words mixed ({@link io.jipc.ring.RecordDescriptor#commitWord}); 1.x files are refused.
 * Both kinds of file are created with {@code O_EXCL} and made ready by writing the version last;
 * see {@link io.jipc.segment.SharedSegment}.
 *
 * <h2>The version word of a segment file</h2>
 * 0 while its creator (a sender appending it) writes it; then either the version, stored by the
 * creator with a compare-and-set from 0 ({@link io.jipc.segment.SharedSegment#tryPublish}), or
 * {@link SegmentHeaderDescriptor#CONDEMNED} (-1), stored with a compare-and-set from 0 by a sender
 * or receiver that waited for the file longer than the ready timeout (2 s) and took its creator
 * for dead, under the control file's {@code flock}, just before it removes the file
 * ({@link io.jipc.segment.SharedSegment#condemn}). Exactly one of the two wins: a creator that was
 * only slow (stopped, swapped out) and finds its file condemned does not link it in (it looks at
 * the chain again); a remover that finds the file ready leaves it to be used. A condemned file is
 * refused by every opener at once. Until 2026-12-06 the creator stored the version with a plain
 * release store and the remover unlinked the file without looking: a creator that woke up in
 * between linked in a file that was removed under it, and lost the messages it sent to it.
 *
 * <p>The minor version stays 0: the value -1 is only ever in a file that never became ready, and
 * a reader of 2.0 refuses such a file, as it refused it before (a never-ready file, at its ready
 * timeout) and as it should: a file whose header its creator had written as of format version
 * 65535.65535 (another major version), a file that was empty when condemned (its condemner gave it
 * the header's length, all zero but the word) as having bad magic ({@code '????????'}, expected
 * {@code 'JIPC-UMS'}). No ready file holds anything a 2.0 reader would misread. A 2.0 sender
 * racing a condemnation can still overwrite it (its publish is a plain store): processes of both
 * kinds on one mailbox keep the old race, no worse.
 */
public final class UnboundedMailboxDescriptor {
    /** Magic of the control file. */
    public static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-UMB");
    /** Magic of a segment file. */
    public static final long SEGMENT_MAGIC = SegmentHeaderDescriptor.magic("JIPC-UMS");
    public static final int MAJOR_VERSION = 2;
    public static final int MINOR_VERSION = 0;

    public static final int SEGMENT_LENGTH_OFFSET = 128;
    public static final int CEILING_OFFSET = 136;
    public static final int MAX_MESSAGE_SIZE_OFFSET = 144;
    public static final int PERMISSIONS_OFFSET = 148;
    public static final int RING_CAPACITY_OFFSET = 152;
    public static final int SENDER_SLOTS_OFFSET = 160;
    public static final int WAIT_STRATEGY_OFFSET = 164;
    public static final int DEAD_SENDER_TIMEOUT_OFFSET = 168;
    public static final int STATE_OFFSET = 176;
    public static final int RETIRED_RECEIVED_OFFSET = 184;
    public static final int FIRST_OFFSET = 256;
    public static final int LAST_OFFSET = 384;
    public static final int RECEIVER_LEASE_OFFSET = 512;
    public static final int DOORBELL_OFFSET = 1024;
    public static final int DOORBELL_LENGTH = 768;
    public static final long CONTROL_LENGTH = 4096;

    public static final int STATE_LIVE = 0;
    public static final int STATE_DESTROYED = 1;

    public static final int SEGMENT_INDEX_OFFSET = 128;
    public static final int SEGMENT_OWNER_OFFSET = 136;
    public static final int RETIRING_OFFSET = 256;
    /** Where a segment's ring starts. */
    public static final long SEGMENT_RING_OFFSET = 4096;

    /** The control file, as a memory layout (a test checks it against the constants). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SegmentHeaderDescriptor.LAYOUT.withName("header"),
            JAVA_LONG.withName("segmentLength"),
            JAVA_LONG.withName("ceiling"),
            JAVA_INT.withName("maxMessageSize"),
            JAVA_INT.withName("permissions"),
            JAVA_LONG.withName("ringCapacity"),
            JAVA_INT.withName("senderSlots"),
            JAVA_INT.withName("waitStrategy"),
            JAVA_LONG.withName("deadSenderTimeout"),
            JAVA_INT.withName("state"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("retiredReceived"),
            MemoryLayout.paddingLayout(64),
            JAVA_LONG.withName("first"),
            MemoryLayout.paddingLayout(120),
            JAVA_LONG.withName("last"),
            MemoryLayout.paddingLayout(120),
            JAVA_LONG.withName("receiverLease"),
            MemoryLayout.paddingLayout(504),
            MemoryLayout.paddingLayout(DOORBELL_LENGTH).withName("doorbell"),
            MemoryLayout.paddingLayout(CONTROL_LENGTH - DOORBELL_OFFSET - DOORBELL_LENGTH));

    /** A segment file up to its ring, as a memory layout. */
    public static final StructLayout SEGMENT_LAYOUT = MemoryLayout.structLayout(
            SegmentHeaderDescriptor.LAYOUT.withName("header"),
            JAVA_LONG.withName("index"),
            JAVA_LONG.withName("owner"),
            MemoryLayout.paddingLayout(112),
            JAVA_INT.withName("retiring"),
            MemoryLayout.paddingLayout(SEGMENT_RING_OFFSET - RETIRING_OFFSET - 4));

    /** Subdirectory of the jipc root that holds unbounded mailboxes. */
    public static final String DIRECTORY = "unbounded";
    /** Separates a mailbox's name from a segment's index in a segment file's name. */
    public static final char SEGMENT_SEPARATOR = '@';

    private UnboundedMailboxDescriptor() {
    }
}
