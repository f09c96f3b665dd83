package io.jipc.sync;

import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of the file of a named synchronization object ({@code <jipc root>/sync/<name>}).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |   common header (SegmentHeaderDescriptor), 128 bytes,         |  0
 *  |   magic "JIPC-SYN", creator pid + start time, version last    |
 *  +---------------------------------------------------------------+
 *  |   Kind: the slot's tag: "MUTX" "SEMA" "COND" "BARR" "LTCH"    |  128
 *  +---------------------------------------------------------------+
 *  |                        Slot Length                            |  132
 *  +---------------------------------------------------------------+
 *  |                 Slot Offset (long) = 256                      |  136
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |          Permissions given at creation (informative)          |  144
 *  +---------------------------------------------------------------+
 *  |                      Reserved (zero) ...                      |  148..255
 *  +---------------------------------------------------------------+
 *  |   the object's slot: the layout of ProcessMutex,              |  256
 *  |   ProcessSemaphore, ProcessCondition, ProcessBarrier or       |
 *  |   ProcessCountDownLatch                                       |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The slot layouts are drawn in {@link ProcessMutex}, {@link ProcessSemaphore},
 * {@link ProcessCondition}, {@link ProcessBarrier} and {@link ProcessCountDownLatch}; the header
 * in {@link SegmentHeaderDescriptor}.
 * Version 1.4; 1.1 added the initial value of a semaphore's permits and of a latch's count to their
 * slots (words that 1.0 left zero), so tools tell an object in use from a fresh one; a 1.0 reader
 * ignores them. 1.2 added tracked barriers: a named barrier's slot has party entries after its
 * header, a party-entry count, a broken bit in its state and a broken record ({@link ProcessBarrier});
 * a 1.2 reader takes a barrier of an older file as untracked, a 1.1 reader uses a tracked one
 * without entries and refuses a broken one as corrupt. 1.3 added a barrier's joined table (members
 * that {@link ProcessBarrier#join join} it, so that one dying before it arrives breaks the
 * generation): a count in a word 1.2 left zero and parties entries after the party entries, which a
 * 1.2 reader does not read (it cannot join, and its waiters do not notice a dead member); a 1.3
 * reader refuses to join a barrier of an older file (no table) and uses it otherwise as before.
 * 1.3 also added two check stamps to a tracked barrier's header (words 40 and 48, which 1.2 left
 * zero; written by 1.3 processes into any tracked slot, ignored by older ones): when no waiter
 * checked lately, the arrival that would complete a round checks for dead parties itself. 1.4
 * added to a barrier how each broken generation ended, so that a waiter that looks only after later
 * generations broke too still gets its own break rather than passing: an outcome word in each party
 * entry (word 12, which 1.2 and 1.3 left zero), written by the reset that ends a broken generation,
 * and a broken history of the last 32 generations in the header (word 56, zero before); older
 * readers ignore both (their waiters still know only the last broken generation), and a 1.4 reader
 * falls back to the broken record for a generation an older process reset. The
 * slot is formatted before the version is published, so an opener that accepts
 * the file finds a formatted slot. An opener checks that the kind is the one it asks for, that the
 * slot offset is {@link #SLOT_OFFSET} and that the slot fits in the file.
 */
public final class SyncFileDescriptor {
    /** Magic of a synchronization object's file. */
    public static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-SYN");
    public static final int MAJOR_VERSION = 1;
    public static final int MINOR_VERSION = 4;

    public static final int KIND_OFFSET = 128;
    public static final int SLOT_LENGTH_OFFSET = 132;
    public static final int SLOT_OFFSET_OFFSET = 136;
    public static final int PERMISSIONS_OFFSET = 144;
    /** Where the slot starts: a 64-byte boundary. */
    public static final int SLOT_OFFSET = 256;

    /** The file up to the slot, as a memory layout (a test checks it against the constants). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SegmentHeaderDescriptor.LAYOUT.withName("header"),
            JAVA_INT.withName("kind"),
            JAVA_INT.withName("slotLength"),
            JAVA_LONG.withName("slotOffset"),
            JAVA_INT.withName("permissions"),
            MemoryLayout.paddingLayout(SLOT_OFFSET - 148));

    /** Subdirectory of the jipc root that holds named synchronization objects. */
    public static final String DIRECTORY = "sync";

    private SyncFileDescriptor() {
    }
}
