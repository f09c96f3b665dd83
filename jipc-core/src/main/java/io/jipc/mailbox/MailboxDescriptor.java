package io.jipc.mailbox;

import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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
 *      136       8  length of one ring (long) = (file length - 4096) / priority levels
 *      144       4  max message size (int)
 *      148       4  permissions given at creation (int, informative)
 *      152       4  features (int): 1 = message headers, 2 = rendezvous              (1.1)
 *      156       4  priority levels (int; 0 in 1.0 files = 1)                       (1.1)
 *      160       4  message limit (int; -1 = none, 0 = rendezvous)                  (1.1)
 *      164       4  receive policy (int): 0 exclusive, 1 link, 2 shared ({@link ReceivePolicy}) (1.1)
 *      168       8  withdrawn messages dropped by receivers (long; written by the receiver)  (1.1)
 *      176      16  protocol label: up to 16 printable ASCII bytes, zero-padded; all zero = none  (2.1)
 *      192       4  flags (int): 1 = durable, made by {@link Mailbox#createDurable}; 0 in older files (2.2)
 *      196     316  reserved (zero)
 *      512       8  taken wait block: waiting flag (int) | taken signal (int: futex word);
 *                   rendezvous senders sleep there until a receiver took their message
 *      520     120  reserved (zero)
 *      640       8  waiting receiver (long token; 0 = none): the last process that started
 *                   waiting in a receive, 0 once that one stopped (kept for older versions)
 *      648       8  waiting receivers (long bitmap): bit r set while the process of receivers
 *                   entry r has receive calls waiting; 0 in older files, unknown to older
 *                   processes
 *      656     112  reserved (zero)
 *      768      16  the two parties of a link (long tokens; 0 = free)
 *      784     240  reserved (zero)
 *     1024    2048  rendezvous tickets: 64 x 32 bytes, one per blocked rendezvous sender:
 *                   owner token (long) | state (long: generation &lt;&lt; 16 | 0 pending,
 *                   1 cancelled by its sender or declined by a receiver, 2 + r taken by
 *                   receiver r, | 0x8000 until the taker cleared the ticket in the record)
 *                   | at-once mark (long: 1 &lt;&lt; 48 | generation of an at-once
 *                   offer; written only by those, ignored by older processes) | 8 bytes reserved
 *     3072     512  receivers: 64 tokens (long; 0 = free), one per process that has received;
 *                   a receipt names the receiver by its index here; the sign bit set once the
 *                   process closed its last handle (the entry then reusable)
 *     3584     512  reserved (zero)
 *     4096     ...  the rings ({@link io.jipc.ring.RingDescriptor}), one per priority level,
 *                   level k at 4096 + k * ring length: control block, sender intent slots,
 *                   then the data area of records ({@link io.jipc.ring.RecordDescriptor});
 *                   with headers, each record's payload starts with an {@link EnvelopeDescriptor}
 * </pre>
 *
 * <p>Version 2.0: the layout of 1.1 (1.0 files had zeros from offset 152: mailboxes without the
 * 1.1 features), with the rings' commit words mixed ({@link io.jipc.ring.RecordDescriptor#commitWord});
 * a 1.x process and a 2.x process would never see each other's commits, so each refuses the
 * other's files. Version 2.1 adds the protocol label in bytes that 2.0 left zero, so either reads
 * the other's files (a 2.0 file has no label). Version 2.2 adds the flags word, likewise in bytes
 * that older versions left zero: a 2.0 or 2.1 file reads as flags 0 (not durable), and a 2.0 or
 * 2.1 process opens a 2.2 file (an opener checks only the major version) and ignores its flags.
 * The flags are written once, before the version, and never change. The tickets' at-once mark
 * (in bytes that every version left zero, and that older processes neither write nor read) needs
 * no version: it names the generation it marks, so a zero word or one left by an earlier use of
 * the slot marks nothing; an older receiver holds a marked message as it holds any (see {@link
 * Rendezvous}), and an older sender's tickets are never marked. Nor does the taken state's
 * {@code UNCLEARED} bit (see {@link Rendezvous}): an older process reads it as a taken state
 * naming no receiver. Nor does the waiting receivers bitmap, in bytes that every version left zero:
 * a receiver writes both it and the older waiting receiver word, so an older sender sees a newer
 * receiver waiting as it did, and a sender reads both, so it sees an older receiver (which writes
 * only the word) as well. Nor does the sign bit of a receivers entry whose process left (see {@link
 * Rendezvous#registerReceiver}; written since 2026-12-07, before which an entry was kept until its
 * process died): an older process reads such an entry as one of a dead process (its pid, read
 * with the bit, names no process), so it reuses it when no entry is free, and an older sender
 * whose message such a receiver took reports a receipt whose pid is 2<sup>31</sup> above the
 * receiver's. The file is created with {@code O_EXCL} and made ready by writing the version last;
 * see {@link io.jipc.segment.SharedSegment}.
 */
public final class MailboxDescriptor {
    /** Magic of a mailbox file. */
    public static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-MBX");
    public static final int MAJOR_VERSION = 2;
    public static final int MINOR_VERSION = 2;

    public static final int RING_OFFSET_OFFSET = 128;
    public static final int RING_LENGTH_OFFSET = 136;
    public static final int MAX_MESSAGE_SIZE_OFFSET = 144;
    public static final int PERMISSIONS_OFFSET = 148;
    public static final int FEATURES_OFFSET = 152;
    public static final int PRIORITIES_OFFSET = 156;
    public static final int MESSAGE_LIMIT_OFFSET = 160;
    public static final int RECEIVE_POLICY_OFFSET = 164;
    public static final int WITHDRAWN_OFFSET = 168;
    public static final int PROTOCOL_OFFSET = 176;
    public static final int PROTOCOL_LENGTH = 16;
    public static final int FLAGS_OFFSET = 192;
    public static final int PARTIES_OFFSET = 768;
    public static final int PARTIES = 2;
    public static final int RECEIVERS_OFFSET = 3072;
    public static final int RECEIVERS = 64;
    public static final int TAKEN_WAITING_OFFSET = 512;
    public static final int TAKEN_SIGNAL_OFFSET = 516;
    public static final int WAITING_RECEIVER_OFFSET = 640;
    public static final int WAITING_RECEIVERS_OFFSET = 648;
    public static final int TICKETS_OFFSET = 1024;
    public static final int TICKET_LENGTH = 32;
    public static final int TICKET_OWNER_OFFSET = 0;
    public static final int TICKET_STATE_OFFSET = 8;
    public static final int TICKET_AT_ONCE_OFFSET = 16;
    public static final int TICKETS = 64;

    /** Feature bit: every record's payload starts with an {@link EnvelopeDescriptor envelope}. */
    public static final int FEATURE_HEADERS = 1;
    /** Feature bit: zero capacity, sends wait until a receiver took the message. */
    public static final int FEATURE_RENDEZVOUS = 2;
    /**
     * Flag: a durable mailbox ({@link Mailbox#createDurable}), meant to outlive every process; tools
     * ({@code jipc ls}, {@code jipc gc}) never take it for the leftover of a dead creator.
     */
    public static final int FLAG_DURABLE = 1;
    /** Where the ring starts. */
    public static final long RING_OFFSET = 4096;

    /** The file up to the ring, as a memory layout (a test checks it against the constants). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SegmentHeaderDescriptor.LAYOUT.withName("header"),
            JAVA_LONG.withName("ringOffset"),
            JAVA_LONG.withName("ringLength"),
            JAVA_INT.withName("maxMessageSize"),
            JAVA_INT.withName("permissions"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("priorities"),
            JAVA_INT.withName("messageLimit"),
            JAVA_INT.withName("receivePolicy"),
            JAVA_LONG.withName("withdrawn"),
            MemoryLayout.sequenceLayout(PROTOCOL_LENGTH, JAVA_BYTE).withName("protocol"),
            JAVA_INT.withName("flags"),
            MemoryLayout.paddingLayout(316),
            JAVA_INT.withName("takenWaiting"),
            JAVA_INT.withName("takenSignal"),
            MemoryLayout.paddingLayout(120),
            JAVA_LONG.withName("waitingReceiver"),
            JAVA_LONG.withName("waitingReceivers"),
            MemoryLayout.paddingLayout(112),
            MemoryLayout.sequenceLayout(PARTIES, JAVA_LONG).withName("parties"),
            MemoryLayout.paddingLayout(240),
            MemoryLayout.sequenceLayout(TICKETS, MemoryLayout.structLayout(
                    JAVA_LONG.withName("owner"),
                    JAVA_LONG.withName("state"),
                    JAVA_LONG.withName("atOnce"),
                    MemoryLayout.paddingLayout(8))).withName("tickets"),
            MemoryLayout.sequenceLayout(RECEIVERS, JAVA_LONG).withName("receivers"),
            MemoryLayout.paddingLayout(RING_OFFSET - RECEIVERS_OFFSET - RECEIVERS * 8));

    /** Subdirectory of the jipc root that holds mailboxes. */
    public static final String DIRECTORY = "mailbox";

    private MailboxDescriptor() {
    }
}
