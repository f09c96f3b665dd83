package io.jipc.group;

import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of a process group's file ({@code <jipc root>/group/<name>}): the group's settings, the
 * membership futex words, the closer word, and one 64-byte slot per rank.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |   common header (SegmentHeaderDescriptor), 128 bytes,         |  0
 *  |   magic "JIPC-GRP", creator pid + start time, version last    |
 *  +---------------------------------------------------------------+
 *  |                 Size: the number of ranks (1..1024)           |  128
 *  +---------------------------------------------------------------+
 *  |        Waiters: processes sleeping on a membership change     |  132
 *  +---------------------------------------------------------------+
 *  |  Membership sequence: the futex word, +1 on each join/leave   |  136
 *  +---------------------------------------------------------------+
 *  |         Largest message payload in bytes (64..16 MiB)         |  140
 *  +---------------------------------------------------------------+
 *  |          Inbox capacity in bytes (long, 4 KiB..1 GiB)         |  144
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   Closer: 0 while members may join; the token of the member   |  152
 *  |   that found the group empty and is removing it (long)        |
 *  +---------------------------------------------------------------+
 *  |   Closed: 1 once the closer found no live owner and removes   |  160
 *  |   the group (then nobody will join this file again)          |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  164..191
 *  +---------------------------------------------------------------+
 *  |   slot of rank 0 (64 bytes)                                   |  192
 *  |   slot of rank 1 ...                                          |  256
 *  +---------------------------------------------------------------+
 *
 *  slot of a rank:
 *  +---------------------------------------------------------------+
 *  |   Owner: the token (pid, start time) of the process that     |  0
 *  |   holds the rank; 0 if free. Claimed by compare-and-set.      |
 *  +---------------------------------------------------------------+
 *  |   Joined: the owner's token again once its inbox exists       |  8
 *  |   (release store); 0 while it joins or leaves                 |
 *  +---------------------------------------------------------------+
 *  |   Incarnation: set by each process that takes the rank, above |  16
 *  |   the previous one and any inbox of the rank left (unsigned)  |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero)                           |  20
 *  +---------------------------------------------------------------+
 *  |   Broken (since 1.1): 0 while the member's collective          |  24
 *  |   operations work; else its incarnation (high int) and 1 +    |
 *  |   the rank it lost (low int; its own after a timeout, ...)    |
 *  +---------------------------------------------------------------+
 *  |   Lost (since 3.1): written before Broken; the member's       |  32
 *  |   incarnation (high int) and the lost rank's incarnation as   |
 *  |   it knew it (low int); 0 before the first mark               |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  40..63
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Version 3.1. A rank has a member when its owner and joined words hold the same non-zero
 * token; the member has two inboxes: the mailbox {@code group.<name>.<rank>.<incarnation>} for
 * messages to the application ({@link #inboxName}) and {@code group.<name>.<rank>.<incarnation>.parts}
 * for the parts of collective operations and the notices about them ({@link #partsInboxName}), both
 * labelled {@value #INBOX_PROTOCOL} and created before the joined word is published. The claimer of
 * a rank stores the next incarnation after the rank's previous one, counted on past every incarnation of that rank an inbox (of either
 * kind) is named with in the mailbox directory when it looks, before it removes any leftover inbox
 * and makes its own (before 70d1b6ac: the previous one + 1, so a group file made anew started again at 1 and
 * made again the names a dead member's inboxes had; see {@code ProcessGroup.nextIncarnation}); the
 * layout is unchanged. (1.x members had one inbox for both, and a member
 * waiting in a collective operation took the application's messages out of it into its heap without
 * bound; a 1.x member would send parts where a 2.0 member does not look, hence the major version.
 * 1.1 added the broken word, reserved and zero in 1.0. 3.0 gave {@code allReduce(long, op)} its own
 * operation code on the wire, 8, which a 2.0 member would take for a malformed message, and counts
 * a member's broken-collectives notice only against the incarnation that sent it; the layout is
 * 2.0's. 3.1 added the lost word, reserved and zero in 3.0: a 3.0 member ignores it and writes
 * none, so a reader takes a lost word only if its high int is the incarnation of the broken word
 * beside it, and otherwise does not know which incarnation of the lost rank the mark is about, as
 * in 3.0.) The
 * incarnation is stored before the joined word (release), so a reader that loads joined with
 * acquire and then the incarnation names the member's current inbox. Settings are written before
 * the version is published, so an opener that accepts the file sees them; it checks them against
 * the ranges drawn above and that the slots fit in the file.
 *
 * <p>Removing the group: a member that has given its rank up sets the closer word from 0 to its
 * token, then scans the owners; if one is alive it sets the word back to 0, else it sets closed to
 * 1 and removes the inboxes of dead members and the file. A joiner claims a rank, then reads the
 * closer word, and gives the rank back if it is set. Each side writes before it reads the other's
 * word (all volatile), so either the closer's scan sees the claim or the joiner sees the closer. A
 * joiner that finds the closer dead sets the closer word back to 0 if closed is 0 (it died while
 * scanning), or removes the file itself if closed is 1, and starts over.
 *
 * <p>Broken collective operations: a member whose collective operations break (a timeout, an
 * interrupt, a lost member, a protocol error) stores its broken word (volatile) before it offers
 * the other members a notice; a member waiting in a collective operation reads the broken words
 * of its view's members every liveness interval (and before each operation), and takes a word
 * only if its incarnation is the view member's. The lost word says which member of the lost rank
 * the mark is about: a member that took that rank over later is not the lost one (until
 * 2026-12-07 the mark did not say, and a newcomer in a lost member's rank was told that its own
 * rank was lost).
 */
public final class GroupDescriptor {
    /** Magic of a process group's file. */
    public static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-GRP");
    public static final int MAJOR_VERSION = 3;
    public static final int MINOR_VERSION = 1;

    public static final int SIZE_OFFSET = 128;
    public static final int WAITERS_OFFSET = 132;
    public static final int SEQUENCE_OFFSET = 136;
    public static final int MAX_MESSAGE_OFFSET = 140;
    public static final int INBOX_BYTES_OFFSET = 144;
    public static final int CLOSER_OFFSET = 152;
    public static final int CLOSED_OFFSET = 160;
    /** Where the slot of rank 0 starts. */
    public static final int SLOTS_OFFSET = 192;
    /** Bytes per rank. */
    public static final int SLOT_LENGTH = 64;

    public static final int SLOT_OWNER_OFFSET = 0;
    public static final int SLOT_JOINED_OFFSET = 8;
    public static final int SLOT_INCARNATION_OFFSET = 16;
    /**
     * The broken word (since 1.1): set once by the member when its collective operations break, so
     * that a member whose inbox had no room for its notice finds out too. It carries the member's
     * incarnation, so a mark of an earlier holder of the rank is never taken for the current one's.
     */
    public static final int SLOT_BROKEN_OFFSET = 24;
    /**
     * The lost word (since 3.1): written before the broken word, with the member's incarnation
     * (high int) and the incarnation of the rank it lost, as it knew it (low int).
     */
    public static final int SLOT_BROKEN_LOST_OFFSET = 32;

    /** The largest group. */
    public static final int MAX_SIZE = 1024;
    /** The smallest and the largest inbox. */
    public static final long MIN_INBOX_BYTES = 4096;
    public static final long MAX_INBOX_BYTES = 1L << 30;
    /** The smallest and the largest message payload (at most a quarter of the inbox, too). */
    public static final int MIN_MESSAGE = 64;
    public static final int MAX_MESSAGE = 16 << 20;

    /** The file up to the slots, as a memory layout (a test checks it against the constants). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SegmentHeaderDescriptor.LAYOUT.withName("header"),
            JAVA_INT.withName("size"),
            JAVA_INT.withName("waiters"),
            JAVA_INT.withName("sequence"),
            JAVA_INT.withName("maxMessage"),
            JAVA_LONG.withName("inboxBytes"),
            JAVA_LONG.withName("closer"),
            JAVA_INT.withName("closed"),
            MemoryLayout.paddingLayout(SLOTS_OFFSET - 164));

    /** A rank's slot, as a memory layout. */
    public static final StructLayout SLOT_LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("owner"),
            JAVA_LONG.withName("joined"),
            JAVA_INT.withName("incarnation"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("broken"),
            JAVA_LONG.withName("lost"),
            MemoryLayout.paddingLayout(SLOT_LENGTH - 40));

    /** Subdirectory of the jipc root that holds process groups. */
    public static final String DIRECTORY = "group";

    /**
     * The {@linkplain io.jipc.mailbox.MailboxOptions.Builder#protocol protocol label} of both inboxes of
     * every member: their receiver takes the sender rank in each message on trust, so a gateway serving
     * any mailbox a client names (jipc-remote's {@code exportAll}) does not serve them.
     */
    public static final String INBOX_PROTOCOL = "jipc-group";

    /** How the names of the members' inboxes start: {@code group.<name>.}. */
    private static final String INBOX_PREFIX = "group.";
    /** What the name of a member's inbox for the parts of collective operations ends with. */
    private static final String PARTS_SUFFIX = ".parts";

    private GroupDescriptor() {
    }

    /** The length of the file of a group of {@code size} ranks. */
    public static long fileLength(int size) {
        return SLOTS_OFFSET + (long) size * SLOT_LENGTH;
    }

    /** The name of the inbox mailbox (the application's messages) of {@code rank}'s member of incarnation {@code incarnation}. */
    public static String inboxName(String group, int rank, int incarnation) {
        return INBOX_PREFIX + group + "." + rank + "." + Integer.toUnsignedString(incarnation);
    }

    /** The name of the mailbox for the parts of collective operations of {@code rank}'s member of incarnation {@code incarnation}. */
    public static String partsInboxName(String group, int rank, int incarnation) {
        return inboxName(group, rank, incarnation) + PARTS_SUFFIX;
    }

    /**
     * What an inbox's name says: the group, the rank, the incarnation of the rank's member whose
     * inbox it is, and whether it is the inbox for parts ({@link #partsInboxName}) or for messages
     * ({@link #inboxName}).
     */
    public record InboxName(String group, int rank, int incarnation, boolean parts) {
    }

    /**
     * The group whose member's inbox the mailbox {@code mailbox} is named as: the {@code group} of a
     * name that is exactly {@link #inboxName inboxName(group, rank, incarnation)} or
     * {@link #partsInboxName partsInboxName(group, rank, incarnation)} for a rank below
     * {@link #MAX_SIZE} and an incarnation, with the digits as those methods write them (no sign, no
     * leading zero); empty for any other name ({@code group.chat.backup}, {@code group.chat.01.1},
     * {@code group.chat.0.1.old}). Any thread; does not block.
     */
    public static Optional<String> groupOfInbox(String mailbox) {
        return parseInbox(mailbox).map(InboxName::group);
    }

    /**
     * The group, rank and incarnation the mailbox {@code mailbox} is named with as a member's inbox,
     * for exactly the names {@link #groupOfInbox} takes; empty for any other name. The incarnation
     * is unsigned, as {@link #inboxName} writes it. Any thread; does not block.
     */
    public static Optional<InboxName> parseInbox(String mailbox) {
        boolean parts = mailbox.endsWith(PARTS_SUFFIX);
        String messages = parts ? mailbox.substring(0, mailbox.length() - PARTS_SUFFIX.length()) : mailbox;
        int incarnationDot = messages.lastIndexOf('.');
        int rankDot = incarnationDot <= 0 ? -1 : messages.lastIndexOf('.', incarnationDot - 1);
        if (!messages.startsWith(INBOX_PREFIX) || rankDot <= INBOX_PREFIX.length()) {
            return Optional.empty(); // no group name, rank and incarnation
        }
        String group = messages.substring(INBOX_PREFIX.length(), rankDot);
        int rank;
        int incarnation;
        try {
            rank = Integer.parseInt(messages.substring(rankDot + 1, incarnationDot));
            incarnation = Integer.parseUnsignedInt(messages.substring(incarnationDot + 1));
        } catch (NumberFormatException notDigits) {
            return Optional.empty();
        }
        if (rank < 0 || rank >= MAX_SIZE) {
            return Optional.empty();
        }
        String named = parts ? partsInboxName(group, rank, incarnation) : inboxName(group, rank, incarnation);
        return named.equals(mailbox) // "+1", "01": not as written
                ? Optional.of(new InboxName(group, rank, incarnation, parts)) : Optional.empty();
    }

    /** Whether the mailbox {@code mailbox} is named as an inbox of a member of {@code group} ({@link #groupOfInbox}). */
    public static boolean isInboxOf(String group, String mailbox) {
        return groupOfInbox(mailbox).filter(group::equals).isPresent();
    }
}
