package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * A cyclic barrier in shared memory for a fixed number of parties (threads of any processes): each
 * party waits in {@link #await()} until all have arrived, then all go on together and the barrier
 * is ready for the next round (generation).
 *
 * <h2>Semantics</h2>
 * An arrival increments the arrival count of the current generation with a compare-and-set; the last
 * arrival moves to the next generation (count 0) in the same compare-and-set and wakes every
 * sleeper. {@link #await()} returns the arrival index: {@code parties - 1 - k} for an arrival that
 * found {@code k} others counted, so 0 for the last, which completes the round (one per round), and
 * {@code parties - 1}, {@code parties - 2}, ... in order of arrival when nobody withdraws.
 * {@link #await(Duration)} gives up after the timeout and then <em>withdraws</em> its arrival (unless
 * the round completed meanwhile, in which case it returns normally), so the barrier stays usable;
 * likewise when interrupted, and when another thread closes the handle: {@link #close()} withdraws
 * the arrivals of the handle's waiting threads before it unmaps anything, and their waits end with
 * {@link ClosedException}. A withdrawal lowers the count, so the indexes of a round with a withdrawal
 * may repeat (and {@code parties - 1} be missing): only index 0 is unique to its round.
 *
 * <h2>How a waiter learns that its generation broke</h2>
 * A waiter of a generation that has moved on tells a trip from a break (followed by a
 * {@link #reset()}) however late it looks, so it never passes a barrier that did not trip for it:
 * {@link #reset()} writes the outcome into each party entry of the broken generation before it
 * starts the next one (tracked barriers, version 1.4 of {@link SyncFileDescriptor}), and records
 * the break in a broken history of the last {@value #HISTORY_GENERATIONS} generations (any barrier).
 * A waiter with an entry reads its own; one without (an untracked barrier, an arrival counted
 * without an entry) reads the history, and gets {@link BarrierBrokenException} without a pid for a
 * generation broken by a death. Limits: a waiter without an entry that looks only once the latest
 * broken generation is {@value #HISTORY_GENERATIONS} or more after its own cannot tell, and passes
 * as if its generation had tripped; so does a waiter whose generation a process of jipc before 1.4
 * reset, unless that was the last generation that broke (the broken record).
 *
 * <h2>Tracked and untracked, fixed at formatting</h2>
 * <ul>
 * <li><b>Tracked</b> ({@link #formatTracked}, and every barrier made by {@link #create}): each
 *     arriving thread writes an entry (its process's pid and start time, and the generation) before
 *     the compare-and-set that counts it, and frees it when its {@code await} returns. Waiters (of
 *     a handle's virtual threads, its lookout) sleep in slices of 100 ms and after each check the
 *     entries of their generation: a dead
 *     process there <em>breaks</em> the generation (one compare-and-set sets the state's broken
 *     bit and the dead pid) and wakes every sleeper. Every waiter of that generation and every
 *     later arrival then gets {@link BarrierBrokenException} naming the pid, until
 *     {@link #reset()}, as {@link java.util.concurrent.CyclicBarrier} does for a broken party.
 *     Each check leaves a time stamp in the slot; the arrival that would complete the round runs
 *     the same check itself when none ran within the last {@linkplain #CHECK_WINDOW_NANOS check
 *     window} (no live waiter checked: the waiters are dead), and breaks the generation instead of
 *     completing it if a party is dead.</li>
 * <li><b>Untracked</b> ({@link #format}): no entries; a party that dies is not noticed.
 *     {@link #reset()} still breaks the waiters of the current generation.</li>
 * </ul>
 *
 * <h2>Members: noticing a party that dies before it arrives</h2>
 * An entry is written when a party arrives, so a party that dies before arriving leaves nothing to
 * find. A process that will be a party can therefore {@link #join} the barrier (opt-in; plain
 * {@link #open}, {@link #create} and {@link #in} handles are not members): the handle claims one of
 * the barrier's {@code parties} joined entries (its process's pid and start time) until it is
 * closed. While a member's process is dead, every generation that parties wait in breaks at their
 * next check, whether or not the member had arrived in it (if it had, it was waiting, and its party
 * entry breaks the generation anyway). Closing the joined handle leaves without breaking anything;
 * the barrier still needs {@link #parties()} arrivals a round, and a new join may take the place. A
 * join beyond {@code parties} members of live processes is refused ({@link IllegalStateException});
 * a join takes a dead member's place first, and the generation that member broke then needs
 * {@link #reset()}. A member is a handle, but what is watched is its process: any thread of that
 * process may arrive through any handle, and the pid in {@link BarrierBrokenException} is the
 * dead member's. Tracked barriers formatted before version 1.3 and untracked ones have no joined
 * table and refuse joins.
 *
 * <h2>When a process dies</h2>
 * <ul>
 * <li>A party of a tracked barrier killed while it arrives, waits or leaves after a timeout breaks
 *     the generation: the others' waits end with {@link BarrierBrokenException} at their next
 *     check (within about 100 ms), and an arrival that would complete the round gets it instead.
 *     The one window: a party that died within the last {@linkplain #CHECK_WINDOW_NANOS check
 *     window} (about 150 ms) before the last party arrives may be counted as arrived, and the
 *     round completes (it did arrive; no check has run since it died). A party dead for longer is
 *     never counted: a live waiter's check has broken the generation, or the completing arrival's
 *     own check does.</li>
 * <li>A party that dies <em>before</em> arriving is noticed only if its process {@link #join joined}
 *     the barrier: the others' waits then break as above. Without a membership nothing of it is in
 *     the slot: the others wait until their timeouts (use {@link #await(Duration)}).</li>
 * <li>A member whose process ends without closing its joined handle counts as dead: it breaks every
 *     later generation until a new join takes its place (a round that completes within the check
 *     window after its death, before any check ran, may still trip).</li>
 * <li>Untracked barrier: a party that dies after arriving still counts, one that dies before
 *     arriving leaves the others waiting.</li>
 * <li>The last arrival killed after its compare-and-set tripped the round but before it woke the
 *     sleepers: the round has tripped; the others see it within 100 ms (a waiting platform thread,
 *     or the lookout of a handle's waiting virtual threads, looks again at least that often and
 *     wakes the others).</li>
 * <li>Bound: a tracked barrier has 2 × parties entries, so that waiters of a generation that just
 *     completed and have not left yet leave room for the arrivals of the next. An arrival that finds
 *     none free (more threads than that waiting at once) frees the entries of dead processes; if
 *     the table is still full it is counted without an entry, and its death is not noticed.</li>
 * </ul>
 *
 * <h2>Memory consistency effects</h2>
 * Actions of each party before its arrival happen-before actions of every party after its
 * {@link #await()} returns for that generation.
 *
 * <h2>Layout</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Tag "BARR" (written last)                    |  0
 *  +---------------------------------------------------------------+
 *  |                     Parties (&gt;= 1)                          |  4
 *  +-+-------------------------------------------------------------+
 *  |B|  State (low 32): arrived in this generation; when B         |  8
 *  | |  (broken) is set: the dead party's pid, 0 = reset           |
 *  +-+-------------------------------------------------------------+
 *  |               State (high 32): generation                     |  12
 *  +---------------------------------------------------------------+
 *  |                 Waiters (sleepers registered)                 |  16
 *  +---------------------------------------------------------------+
 *  |                  Sequence (the futex word)                    |  20
 *  +---------------------------------------------------------------+
 *  |  Broken record (1.2): last generation that broke (low 32) |   |  24
 *  |  dead pid (bits 32..62, 0 = reset) | recorded (bit 63)        |
 *  +---------------------------------------------------------------+
 *  |   Party entries (1.2): 0 = untracked, else 2 x parties        |  32
 *  +---------------------------------------------------------------+
 *  |   Joined entries (1.3): 0 = none (untracked, or before 1.3),  |  36
 *  |   else parties                                                |
 *  +---------------------------------------------------------------+
 *  |   Arrivals checked (1.3, tracked only): System.nanoTime()     |  40
 *  |   before a check of the arrivals, or a first arrival; 0 never |
 *  +---------------------------------------------------------------+
 *  |   Members checked (1.3, tracked only): System.nanoTime()      |  48
 *  |   before a check of the joined table; 0 = never               |
 *  +---------------------------------------------------------------+
 *  |   Broken history (1.4): latest broken generation (high 32) |  |  56
 *  |   bit i of low 32: generation latest - i broke; 0 = none yet  |
 *  +---------------------------------------------------------------+
 *  |  Party entry 0 (16 bytes), entry 1, ... (tracked only)        |  64
 *  +---------------------------------------------------------------+
 *  |  Joined entry 0 (8 bytes), entry 1, ... (1.3, tracked only)   |  64 + 16 x
 *  |                                                               |  party entries
 *  +---------------------------------------------------------------+
 *
 *  Party entry (at 64 + 16 * i):
 *  +---------------------------------------------------------------+
 *  |        Process token: pid (high 32) | start time (low 32)    |  0
 *  |                        0 = free entry                         |
 *  +---------------------------------------------------------------+
 *  |             Generation the party arrives or waits in          |  8
 *  +-+-------------------------------------------------------------+
 *  |B|  Outcome (1.4): 0, or B set by the reset that ended the     |  12
 *  | |  generation broken, with the dead pid (0 = reset)           |
 *  +-+-------------------------------------------------------------+
 *
 *  Joined entry (at 64 + 16 * party entries + 8 * i):
 *  +---------------------------------------------------------------+
 *  |   Member's process token: pid (high 32) | start time (low 32) |  0
 *  |                        0 = free place                         |
 *  +---------------------------------------------------------------+
 * </pre>
 * A slot formatted before version 1.2 of {@link SyncFileDescriptor} is an untracked barrier (its
 * words 24..63 are zero). A 1.1 reader of a 1.2 tracked barrier arrives without entries (its death
 * goes unnoticed) and refuses a broken one as corrupt. A tracked slot formatted before 1.3 has no
 * joined table (word 36 is zero, the slot ends after the party entries): {@link #join} refuses it,
 * everything else works as before. A 1.2 reader of a 1.3 barrier ignores the joined table (it reads
 * only as far as its party entries): it cannot join, and its waiters do not notice a dead member
 * (a 1.3 waiter, if one waits, breaks the generation for them too). The two check stamps (words
 * 40 and 48) are written by 1.3 processes only, into any tracked slot (older readers leave
 * those words alone and ignore them); a stamp of 0 (a fresh slot, or one only older processes used)
 * reads as "no check ran", so the completing arrival checks. Version 1.4 adds the entries' outcome
 * (word 12 of an entry) and the broken history (word 56), which older processes left zero and do not
 * read: an older process's waiters still learn only the last broken generation (they may pass after
 * two breaks), and an older process's reset writes neither, so a 1.4 waiter of a generation it
 * reset falls back to the broken record. A 1.3 arrival writes only its entry's generation (4 bytes),
 * leaving an earlier owner's outcome beside it; a 1.4 reset does not mark such an entry, and only
 * its 1.3 owner would read it.
 */
/*
 * Algorithm notes.
 *
 * Entries are claimed with a compare-and-set of the token from 0, so threads of one process (which
 * share a token) get distinct entries; only the claiming thread writes the entry's generation and
 * frees it. An entry is freed by another process only when its token's process is dead and its
 * generation is not the current one (else that process was arriving or waiting: it breaks the
 * generation instead). Checkers read an entry's generation before its token: a reclaimed entry's
 * new owner writes its token before its generation, and a dead token never comes back, so a
 * generation read together with a dead token is that dead process's own. A party killed after
 * writing its entry but before counting its arrival (or after withdrawing, before freeing it)
 * breaks the generation too: it was arriving or leaving, and the round cannot complete without it.
 *
 * Joined entries are claimed with a compare-and-set from 0, or from a dead member's token (a dead
 * token never comes back, so exactly one replacement wins); the member's handle frees its own entry
 * on close (compare-and-set from its token), and nobody else frees a live member's. A waiter's check
 * reads every joined entry: a dead token breaks the waiter's generation. It does not ask whether
 * that member arrived in the generation: a dead member that had arrived was waiting, and its party
 * entry (of this generation, dead) breaks the generation anyway; only an arrival counted without a
 * party entry (table full) is broken here where it would have tripped.
 *
 * A waiter whose generation is no longer current must tell a trip from a break followed by a reset.
 * Only reset() moves a broken generation on, and before its compare-and-set that starts the next
 * generation it (1) records the broken generation (the breaker did too, after its own
 * compare-and-set), in the broken record (the last one: what 1.2 and 1.3 read) and in the broken
 * history, and (2) marks each party entry of that generation broken: one 8-byte compare-and-set of
 * the entry's generation and outcome from (generation, 0). Every counted arrival of the generation
 * wrote its entry (outcome 0) before the compare-and-set that counted it, which came before the
 * break, and its owner frees it only after reading it, so each waiter's entry is marked before the
 * generation moves on; an entry freed and claimed meanwhile holds another generation (the
 * compare-and-set fails) or this one for an arrival that will find the state broken and not wait.
 * A waiter that sees the generation moved on reads its entry's outcome, then the record, then the
 * history: an unmarked entry with no record means a trip. The record and the history only move
 * forward (wrapping comparison), so a breaker's late write hides no later break. The history cannot
 * tell generations more than 31 before its latest break: a waiter without an entry then takes its
 * generation as tripped (the documented limit). A trip writes nothing more: it costs what it did.
 *
 * Check stamps. They are System.nanoTime() values: on Linux CLOCK_MONOTONIC, one clock for every
 * process of the host (of one time namespace). A stamp S in "arrivals checked" promises: every party counted in the current
 * generation (whichever it is when the stamp is read) that is dead died after S. A waiter's check
 * takes S before it reads the state; it writes S only if its generation was still current and it
 * found no dead entry of it: the parties counted then were alive at or after S, and every later
 * arrival (of that generation or a later one) was alive when it arrived, after S. An arrival that
 * reads a count of 0 (the first of its generation) takes S before that read and writes it before
 * its compare-and-set (whether or not that succeeds): every party counted after the read was
 * counted after S and alive then, and none was counted at the read. So a fast round, where no waiter sleeps long enough to check, costs the
 * completing arrival one clock read and one volatile read. "Members checked" promises the same of
 * joined members (a member that joined after S was alive at its join); only a check of the joined
 * table writes it, the waiters' or the completing arrival's own, so it is read at most once per
 * window by completing arrivals of fast rounds. The promise of a stamp never becomes false, so
 * stamps are stored plainly (no compare-and-set): a late store of an older stamp only makes a
 * completing arrival check when it need not. A stamp in the future (another clock: a time
 * namespace) or 0 counts as no check. The completing arrival (count parties - 1 to next
 * generation, with others counted) reads the stamps; one older than CHECK_WINDOW_NANOS makes it
 * run that check over the current generation, and a dead process breaks the generation (the
 * arrival is not counted; it fails as a later arrival would) instead of completing it. A party
 * that died after a fresh stamp was taken is counted: the documented window.
 */
public final class ProcessBarrier extends SyncHandle<ProcessBarrier> {
    /** The tag of a formatted barrier slot, and the kind of a named barrier's file. */
    public static final int TAG = Slots.tag("BARR");
    public static final int PARTIES_OFFSET = 4;
    public static final int STATE_OFFSET = 8;
    public static final int WAITERS_OFFSET = 16;
    public static final int SEQUENCE_OFFSET = 20;
    /**
     * The last generation that broke (version 1.2 of {@link SyncFileDescriptor}; zero before): bit 63
     * set once one did, the dead party's pid in bits 32..62 (0 if {@code reset()} broke it), the
     * generation in the low 32 bits.
     */
    public static final int BROKEN_RECORD_OFFSET = 24;
    /**
     * The broken history (version 1.4; zero before, and until a generation breaks): the latest
     * generation that broke in the high 32 bits; bit {@code i} of the low 32 bits set if generation
     * latest - i broke (bit 0 always set). Read by a waiter without a party entry (an untracked
     * barrier, an arrival without an entry) whose generation has ended, to tell a break from a trip
     * up to {@link #HISTORY_GENERATIONS} generations back from the latest break.
     */
    public static final int BROKEN_HISTORY_OFFSET = 56;
    /** How many generations, back from the latest that broke, the broken history tells apart. */
    public static final int HISTORY_GENERATIONS = 32;
    /** Party entries after the header: 0 for an untracked barrier, else 2 × parties (version 1.2). */
    public static final int ENTRY_COUNT_OFFSET = 32;
    /**
     * Joined entries after the party entries: 0 for an untracked barrier and one formatted before
     * version 1.3 (no joined table: {@link #join} is refused), else parties (version 1.3).
     */
    public static final int JOINED_COUNT_OFFSET = 36;
    /**
     * "Arrivals checked" (version 1.3, tracked only): a {@link System#nanoTime()} stamp taken before
     * a check found no dead party of the current generation, or before a generation's first arrival
     * counted itself; 0 if none. Every party of the current generation that is dead died after it.
     */
    public static final int ARRIVALS_CHECKED_OFFSET = 40;
    /**
     * "Members checked" (version 1.3, tracked only): a {@link System#nanoTime()} stamp taken before
     * a check found no dead joined member; 0 if none. Every dead member died after it.
     */
    public static final int MEMBERS_CHECKED_OFFSET = 48;
    /**
     * How old a check stamp may be for the arrival that completes a round to trust it (the waiters'
     * check interval, 100 ms, and half of it again for late wake-ups): with an older one it checks
     * the generation's parties (or the members) itself. A party that died within this window
     * before the completing arrival may be counted.
     */
    public static final long CHECK_WINDOW_NANOS = Blocking.LIVENESS_CHECK_NANOS + Blocking.LIVENESS_CHECK_NANOS / 2;
    /** Bytes an untracked barrier needs (the header). */
    public static final int SLOT_LENGTH = 64;
    public static final int ENTRIES_OFFSET = 64;
    public static final int ENTRY_LENGTH = 16;
    public static final int ENTRY_TOKEN_OFFSET = 0;
    public static final int ENTRY_GENERATION_OFFSET = 8;
    /**
     * A party entry's outcome (version 1.4; zero before): 0 while its generation is current or if it
     * tripped; {@link #ENTRY_BROKEN} with the dead pid (0 = reset) once {@link #reset()} ended the
     * generation at {@link #ENTRY_GENERATION_OFFSET} broken. Written with that word as one 8-byte
     * compare-and-set.
     */
    public static final int ENTRY_OUTCOME_OFFSET = 12;
    /** The bit of a party entry's outcome that says its generation broke. */
    public static final int ENTRY_BROKEN = 1 << 31;
    /** A joined entry (at {@code ENTRIES_OFFSET + ENTRY_LENGTH * entries + JOINED_ENTRY_LENGTH * i}): the member's process token. */
    public static final int JOINED_ENTRY_LENGTH = 8;
    /** Most parties a tracked barrier may have. */
    public static final int MAX_TRACKED_PARTIES = 4096;
    /** The state's broken bit (bit 31 of its low word): the generation can no longer complete. */
    public static final long BROKEN = 1L << 31;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long RECORDED = 1L << 63;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final long self = ProcessIdentity.current().token();
    private final int parties;
    /** Party entries of a tracked barrier, 0 if untracked. */
    private final int entries;
    /** Joined entries: parties, or 0 if the barrier has no joined table (untracked, or formatted before 1.3). */
    private final int joinedEntries;
    /** The joined entry this handle holds while open ({@link #join}), -1 for a plain handle. */
    private final int membership;

    /**
     * The threads of this handle waiting at the barrier, with the generation they arrived in and their
     * entry; guarded by {@link #lifecycle}, so that {@link #close()} withdraws exactly the arrivals
     * (and frees the entries) their threads have not.
     */
    private final Map<Thread, Arrival> waiting = new HashMap<>();

    /** A waiting arrival: its generation and its party entry (-1 for none). */
    private record Arrival(int generation, int entry) {
    }

    /** How a generation ended for its waiter: it tripped (else it broke: the dead pid, 0 for a reset). */
    private static final long TRIPPED = -1;
    /** A waiter took its arrival back before its generation ended. */
    private static final long WITHDRAWN = -2;

    /** Attaches to a formatted slot (checked); {@code file} is the named object's file or {@code null}. */
    private ProcessBarrier(MemorySegment slot, SharedSegment file) {
        this(slot, file, false);
    }

    /** Attaches to a formatted slot (checked) and, if {@code join}, claims a joined entry for this handle. */
    private ProcessBarrier(MemorySegment slot, SharedSegment file, boolean join) {
        MemorySegment header = Slots.attach(slot, SLOT_LENGTH, TAG, "barrier");
        int parties = header.get(ValueLayout.JAVA_INT, PARTIES_OFFSET);
        if (parties < 1) {
            throw new CorruptSegmentException("barrier slot says it has " + parties + " parties");
        }
        int entries = header.get(ValueLayout.JAVA_INT, ENTRY_COUNT_OFFSET);
        if (entries != 0 && (parties > MAX_TRACKED_PARTIES || entries != 2 * parties)) {
            throw new CorruptSegmentException("barrier slot of " + parties + " parties says it has " + entries
                    + " party entries");
        }
        int joinedEntries = header.get(ValueLayout.JAVA_INT, JOINED_COUNT_OFFSET);
        if (joinedEntries != 0 && (entries == 0 || joinedEntries != parties)) {
            throw new CorruptSegmentException("barrier slot of " + parties + " parties and " + entries
                    + " party entries says it has " + joinedEntries + " joined entries");
        }
        long length = length(entries, joinedEntries);
        if (slot.byteSize() < length) {
            throw new CorruptSegmentException("barrier slot of " + slot.byteSize() + " bytes cannot hold "
                    + entries + " party entries and " + joinedEntries + " joined entries");
        }
        super(slot.asSlice(0, length), file, "barrier", WAITERS_OFFSET, SEQUENCE_OFFSET);
        this.parties = parties;
        this.entries = entries;
        this.joinedEntries = joinedEntries;
        this.membership = join ? claimMembership() : -1;
    }

    /**
     * Bytes a tracked barrier of {@code parties} parties needs: the header, 2 × parties party entries
     * and parties joined entries (64 + 40 × parties).
     */
    public static long slotLength(int parties) {
        if (parties < 1 || parties > MAX_TRACKED_PARTIES) {
            throw new IllegalArgumentException("parties " + parties + " of a tracked barrier not in [1, "
                    + MAX_TRACKED_PARTIES + "]");
        }
        return length(2 * parties, parties);
    }

    /**
     * Formats an untracked barrier for {@code parties} parties in {@code slot} ({@link #SLOT_LENGTH}
     * bytes): a party that dies is not noticed. Call once.
     */
    public static void format(MemorySegment slot, int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties " + parties + " < 1");
        }
        Slots.checkPlacement(slot, SLOT_LENGTH, "barrier");
        Slots.clear(slot, SLOT_LENGTH);
        slot.set(ValueLayout.JAVA_INT, PARTIES_OFFSET, parties);
        Slots.publish(slot, TAG);
    }

    /**
     * Formats a tracked barrier for {@code parties} parties (at most {@link #MAX_TRACKED_PARTIES}) in
     * {@code slot} ({@link #slotLength(int)} bytes): a party that dies while it arrives or waits
     * breaks the barrier ({@link BarrierBrokenException}), and so does a member that dies before it
     * arrives ({@link #joinIn}). Call once, before any process attaches.
     */
    public static void formatTracked(MemorySegment slot, int parties) {
        long length = slotLength(parties);
        Slots.checkPlacement(slot, length, "barrier");
        Slots.clear(slot, length);
        slot.set(ValueLayout.JAVA_INT, PARTIES_OFFSET, parties);
        slot.set(ValueLayout.JAVA_INT, ENTRY_COUNT_OFFSET, 2 * parties);
        slot.set(ValueLayout.JAVA_INT, JOINED_COUNT_OFFSET, parties);
        Slots.publish(slot, TAG);
    }

    /**
     * Attaches to the barrier (tracked or not) formatted in {@code slot}. The handle does not own the memory.
     *
     * @throws CorruptSegmentException if the slot holds no valid barrier
     */
    public static ProcessBarrier in(MemorySegment slot) {
        return new ProcessBarrier(slot, null);
    }

    /** Creates a named, tracked barrier for {@code parties} parties, permissions 0600. */
    public static ProcessBarrier create(String name, int parties) {
        return create(name, parties, 0600);
    }

    /**
     * Creates a named, tracked barrier (at most {@link #MAX_TRACKED_PARTIES} parties) whose file has
     * the permission bits {@code permissions}, applied exactly; only processes of this user can use
     * it, whatever they are: {@link ProcessMutex#create(String, int)} says what {@code permissions}
     * can and cannot do.
     *
     * @throws SyncObjectExistsException if the name is taken
     * @throws IllegalArgumentException if {@code permissions} are not permission bits that include {@code 0600}
     */
    public static ProcessBarrier create(String name, int parties, int permissions) {
        return SyncFile.create(name, TAG, slotLength(parties), permissions, slot -> formatTracked(slot, parties),
                ProcessBarrier::new);
    }

    /** Opens a named barrier created with permissions 0600. */
    public static ProcessBarrier open(String name) {
        return open(name, 0600);
    }

    /** Opens a named barrier created with {@code permissions}. */
    public static ProcessBarrier open(String name, int permissions) {
        return SyncFile.open(name, TAG, permissions, ProcessBarrier::new);
    }

    /**
     * Joins the barrier formatted in {@code slot} as a member ({@link #join(String, int)} for a
     * barrier in a caller's slot). The handle does not own the memory.
     *
     * @throws IllegalStateException    if the barrier has no joined table, or parties members of
     *                                  live processes have joined it
     * @throws CorruptSegmentException  if the slot holds no valid barrier
     */
    public static ProcessBarrier joinIn(MemorySegment slot) {
        return new ProcessBarrier(slot, null, true);
    }

    /** Joins the named barrier created with permissions 0600: {@link #join(String, int)}. */
    public static ProcessBarrier join(String name) {
        return join(name, 0600);
    }

    /**
     * Opens the named barrier created with {@code permissions}, as {@link #open(String, int)}, and
     * makes the handle a <em>member</em> for as long as it is open: it claims a joined entry that
     * holds its process's pid and start time, and {@link #close()} frees it. While a member's process
     * is dead (killed, or ended without closing the handle), every generation that parties wait in
     * breaks ({@link BarrierBrokenException} naming its pid) rather than waiting for an arrival that
     * cannot come. A member that closes its handle leaves: nothing breaks, and the barrier still
     * needs {@link #parties()} arrivals per round; a new {@code join} may take the place. Threads of
     * the member's process arrive through any handle; a member is not bound to one thread.
     *
     * <p>At most {@link #parties()} members at once. A join takes the place of a dead member if
     * there is one (a replacement process), else a free place. The generation the dead member broke
     * stays broken: a party calls {@link #reset()} once the replacement has joined (a reset before
     * that is broken again at the waiters' next check while the dead member's entry is there). Does
     * not block.
     *
     * @throws IllegalStateException         if {@code parties} members of live processes have joined
     *                                       already (none may join until one leaves or dies), or the
     *                                       barrier has no joined table (created by jipc before sync
     *                                       file version 1.3: {@link #open} it instead)
     * @throws SyncObjectNotFoundException   if there is no such barrier
     */
    public static ProcessBarrier join(String name, int permissions) {
        return SyncFile.open(name, TAG, permissions,
                (slot, file) -> new ProcessBarrier(slot, file, true));
    }

    /** Removes a named barrier's name; open handles keep working. Returns false if there was none. */
    public static boolean destroy(String name) {
        return SyncFile.destroy(name);
    }

    /** The number of parties. */
    public int parties() {
        return parties;
    }

    /** Whether the barrier notices parties that die (formatted with {@link #formatTracked}, or named). */
    public boolean tracked() {
        return entries > 0;
    }

    /** Whether this handle is an open member of the barrier (made by {@link #join}, not closed). */
    public boolean joined() {
        return membership >= 0 && !isClosed();
    }

    /**
     * The members that have joined and not left (a snapshot, counting those of dead processes whose
     * place nobody has taken); 0 for a barrier without a joined table.
     */
    public int joinedMembers() {
        ensureOpen();
        int members = 0;
        for (int i = 0; i < joinedEntries; i++) {
            if ((long) LONG.getVolatile(slot, joinedOffset(i)) != 0) {
                members++;
            }
        }
        return members;
    }

    /** The parties that arrived in the current generation and wait (a snapshot; 0 while broken). */
    public int arrived() {
        ensureOpen();
        long s = state();
        return broken(s) ? 0 : arrived(s);
    }

    /** Whether the current generation is broken (a snapshot): arrivals fail until {@link #reset()}. */
    public boolean isBroken() {
        ensureOpen();
        return broken(state());
    }

    /**
     * Starts a new generation with no arrivals, as {@link java.util.concurrent.CyclicBarrier#reset()}:
     * a broken barrier becomes usable again; parties waiting in the current generation get
     * {@link BarrierBrokenException} (their arrivals are discarded). Does nothing if nobody waits and
     * the barrier is not broken. Any party may call it; it does not block. Call it once the parties
     * agree on it: an arrival racing with a reset may land in either generation. A dead member
     * ({@link #join}) breaks the new generation again at the waiters' next check until a join has
     * taken its place. Not while a process
     * of jipc before sync file version 1.2 may wait at the barrier: it knows no broken state, and if
     * it wakes after the reset it passes as if the barrier had tripped (docs/synchronization.md,
     * "Mixed versions").
     */
    public void reset() {
        counted(this::resetCounted);
    }

    /** {@link #reset()}'s body, counted: a close meanwhile leaves the memory mapped until it is done. */
    private void resetCounted() {
        ensureOpen();
        while (true) {
            long s = state();
            int generation = generation(s);
            if (!broken(s)) {
                if (arrived(s) == 0) {
                    return;
                }
                breakGeneration(generation, 0);
                continue;
            }
            record(generation, brokenPid(s)); // before the new generation: see the algorithm notes
            markBroken(generation, brokenPid(s));
            if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack(0, generation + 1))) {
                word.wakeIfWaiting(Integer.MAX_VALUE);
                return;
            }
        }
    }

    /**
     * Arrives and waits for the other parties.
     *
     * @return the arrival index: 0 for the last to arrive (the one that completes the round, unique);
     *         else {@code parties() - 1 - k}, {@code k} the others counted when it arrived, so
     *         {@code parties() - 1} for the first; a party that withdrew (timeout, interrupt, close)
     *         lowers the count, and indexes of the round may then repeat
     * @throws InterruptedException   if interrupted while waiting (the arrival is withdrawn)
     * @throws BarrierBrokenException if the barrier is broken, or breaks while this party waits
     *                                (a tracked barrier's party died, or {@link #reset()} was called),
     *                                however many generations broke after it before this thread looks
     *                                again (limits: "How a waiter learns that its generation broke")
     */
    public int await() throws InterruptedException {
        try {
            return await(Blocking.FOREVER);
        } catch (TimeoutException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Arrives and waits at most {@code timeout} for the other parties.
     *
     * @return the arrival index, as {@link #await()}
     * @throws TimeoutException       if the timeout passed first (the arrival is withdrawn)
     * @throws InterruptedException   if interrupted while waiting (the arrival is withdrawn); also if
     *                                the thread is interrupted already and this is not the last
     *                                party, whatever the timeout (also zero or negative). The last
     *                                party completes the barrier, and its interrupt status stays set
     *                                (docs/architecture.md, "Interrupts and timeouts")
     * @throws BarrierBrokenException if the barrier is broken or breaks while this party waits (also
     *                                rather than a timeout or an interrupt that came after the
     *                                break; the interrupt status then stays set)
     */
    public int await(Duration timeout) throws InterruptedException, TimeoutException {
        return await(Blocking.deadline(timeout));
    }

    private int await(long deadlineNanos) throws InterruptedException, TimeoutException {
        Thread me = Thread.currentThread();
        int generation;
        int index;
        int own;
        synchronized (lifecycle) { // an arrival, its entry and its registration, atomic against close()
            ensureOpen();
            int entry = -1;
            try {
                while (true) {
                    long now = tracked() ? System.nanoTime() : 0; // before the state: a stamp, see the notes
                    long s = state();
                    generation = generation(s);
                    if (broken(s)) {
                        throw brokenException(generation, brokenPid(s));
                    }
                    if (tracked() && entry < 0) {
                        entry = claimEntry();
                    }
                    if (entry >= 0) { // written before the compare-and-set that counts the arrival; no outcome yet
                        LONG.setVolatile(slot, entryOffset(entry) + ENTRY_GENERATION_OFFSET, entryWord(generation, 0));
                    }
                    int arrived = arrived(s);
                    index = parties - 1 - arrived;
                    if (arrived + 1 == parties) {
                        long dead = arrived > 0 && tracked() ? deadUnlessCheckedRecently(generation, now) : 0;
                        if (dead != 0) {
                            breakGeneration(generation, dead);
                            continue; // the state is broken now: this arrival fails as a later one would
                        }
                        if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack(0, generation + 1))) {
                            word.wakeIfWaiting(Integer.MAX_VALUE);
                            return index;
                        }
                    } else {
                        if (arrived == 0 && tracked()) { // nobody counted when the state was read: see the notes
                            LONG.setVolatile(slot, (long) ARRIVALS_CHECKED_OFFSET, now);
                        }
                        if (!LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack(arrived + 1, generation))) {
                            continue;
                        }
                        waiting.put(me, new Arrival(generation, entry));
                        own = entry;
                        entry = -1; // the registration owns it now
                        break;
                    }
                }
            } finally {
                freeEntry(entry);
            }
        }
        return awaitGeneration(me, generation, own, index, deadlineNanos);
    }

    /**
     * Waits for {@code generation} to complete; {@code entry} is the thread's party entry (-1 for
     * none), which tells it how its generation ended. Whatever ends the wait, the thread's
     * registration in {@link #waiting} is taken back under {@link #lifecycle} (and its entry freed):
     * if {@link #close()} took it first, close withdrew the arrival (the memory was still mapped) and
     * the wait ends with {@link ClosedException}.
     */
    private int awaitGeneration(Thread me, int generation, int entry, int index, long deadlineNanos)
            throws InterruptedException, TimeoutException {
        Integer done;
        try {
            // an interrupted arrival withdraws (below) without checking the parties: that check breaks
            // the round for all when one died (as the timeout's last try does), against the javadoc
            done = await(check -> {
                ensureOpen();
                return ended(generation, entry, check) ? index : null;
            }, deadlineNanos, tracked(), false);
        } catch (InterruptedException e) {
            long withdrawal;
            try {
                withdrawal = withdrawOwn(me, generation);
            } catch (ClosedException closed) { // closed meanwhile: the interrupt is kept for the caller
                Thread.currentThread().interrupt();
                throw closed;
            }
            if (withdrawal == WITHDRAWN) {
                throw e;
            }
            Thread.currentThread().interrupt();
            if (withdrawal != TRIPPED) {
                throw brokenException(generation, withdrawal);
            }
            return index;
        } catch (RuntimeException failed) { // BarrierBrokenException, or ClosedException: close() withdrew the arrival
            unregister(me);
            throw failed;
        }
        if (done != null) {
            if (!unregister(me)) {
                throw closedWhileWaiting();
            }
            return done;
        }
        long withdrawal = withdrawOwn(me, generation);
        if (withdrawal == WITHDRAWN) {
            throw new TimeoutException("not all " + parties + " parties arrived in time");
        }
        if (withdrawal != TRIPPED) {
            throw brokenException(generation, withdrawal);
        }
        return index;
    }

    /**
     * Whether {@code generation} has completed, for a waiter holding party entry {@code entry} (-1
     * for none); with {@code check} (a tracked barrier's waiter, every
     * {@link Blocking#LIVENESS_CHECK_NANOS}), first breaks it if a party of it is dead.
     *
     * @throws BarrierBrokenException if the generation broke
     */
    private boolean ended(int generation, int entry, boolean check) {
        long checkedFrom = check ? System.nanoTime() : 0; // before the state: see the notes on check stamps
        long s = state();
        if (generation(s) != generation) {
            long outcome = outcome(generation, entry);
            if (outcome != TRIPPED) { // broken, then reset
                throw brokenException(generation, outcome);
            }
            return true;
        }
        if (broken(s)) {
            throw brokenException(generation, brokenPid(s));
        }
        if (check) {
            long dead = deadArrival(generation, checkedFrom);
            if (dead == 0) {
                dead = deadMember(checkedFrom);
            }
            if (dead != 0) {
                breakGeneration(generation, dead);
                return ended(generation, entry, false);
            }
        }
        return false;
    }

    /**
     * Takes back this thread's arrival of {@code generation} after a timeout or an interrupt, and frees
     * its entry (after reading from it how the generation ended, if it did): {@link #withdraw}.
     *
     * @throws ClosedException if {@link #close()} withdrew it already
     */
    private long withdrawOwn(Thread me, int generation) {
        synchronized (lifecycle) {
            Arrival arrival = waiting.remove(me);
            if (arrival == null) {
                throw closedWhileWaiting();
            }
            long withdrawal = withdraw(generation, arrival.entry());
            freeEntry(arrival.entry());
            return withdrawal;
        }
    }

    /**
     * Ends this thread's registration and frees its entry; false if {@link #close()} took it (and
     * withdrew the arrival).
     */
    private boolean unregister(Thread me) {
        synchronized (lifecycle) {
            Arrival arrival = waiting.remove(me);
            if (arrival == null) {
                return false;
            }
            freeEntry(arrival.entry());
            return true;
        }
    }

    private ClosedException closedWhileWaiting() {
        return new ClosedException(label + ": handle was closed while waiting (its arrival was withdrawn)");
    }

    private BarrierBrokenException brokenException(int generation, long pid) {
        String generationText = Integer.toUnsignedString(generation);
        return new BarrierBrokenException(pid != 0
                ? "barrier of " + parties + " parties is broken: party process " + pid + " died in generation "
                + generationText + " (reset() makes it usable again)"
                : "barrier of " + parties + " parties is broken: reset() ended generation " + generationText
                + " while parties waited", pid);
    }

    /**
     * Withdraws the arrivals of this handle's waiting threads and frees their entries, then leaves
     * the membership: the memory is still mapped.
     */
    @Override
    void afterClosing() {
        waiting.values().forEach(arrival -> {
            withdraw(arrival.generation(), arrival.entry());
            freeEntry(arrival.entry());
        });
        waiting.clear();
        // only this handle frees it: a live process's entry is never taken over. Read first: with no
        // waiter, this is close's first access, and a truncated file must fault in a read (InternalError,
        // which close reports) rather than in an interpreted compare-and-set (a JVM abort)
        if (membership >= 0 && (long) LONG.getVolatile(slot, joinedOffset(membership)) == self) {
            LONG.compareAndSet(slot, joinedOffset(membership), self, 0L);
        }
    }

    /**
     * Whether a thread of this handle waits for a generation that has completed or broke: the
     * {@link Lookout} of the handle waits for a later generation (it arrived after the trip) and
     * would not see that a process killed between tripping and waking left the earlier one's
     * waiters asleep.
     */
    @Override
    boolean sleepersMayProceed() {
        synchronized (lifecycle) {
            if (waiting.isEmpty() || isClosed()) {
                return false;
            }
            long s = (long) LONG.getVolatile(slot, (long) STATE_OFFSET);
            if (broken(s)) {
                return true;
            }
            int current = generation(s);
            for (Arrival arrival : waiting.values()) {
                if (arrival.generation() != current) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    String describeState() {
        long s = state();
        String generation = "generation " + Integer.toUnsignedString(generation(s));
        String kind = !tracked() ? "untracked" : joinedEntries == 0 ? "tracked"
                : "tracked, " + joinedMembers() + " joined";
        if (broken(s)) {
            long pid = brokenPid(s);
            return parties + " parties, " + kind + ", broken (" + (pid != 0 ? "pid " + pid + " died" : "reset") + "), "
                    + generation;
        }
        int dead = arrived(s) > 0 ? deadArrivals(generation(s)) : 0;
        return parties + " parties, " + kind + ", " + arrived(s) + " arrived" + (dead > 0 ? " (" + dead + " dead)" : "")
                + ", " + generation;
    }

    /**
     * How many party entries of {@code generation} belong to dead processes (a tool's look: one
     * liveness check per such entry; 0 for an untracked barrier).
     */
    private int deadArrivals(int generation) {
        int dead = 0;
        for (int i = 0; i < entries; i++) {
            if ((int) INT.getVolatile(slot, entryOffset(i) + ENTRY_GENERATION_OFFSET) == generation) {
                long token = (long) LONG.getVolatile(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET);
                if (token != 0 && token != self && !ProcessIdentity.isAlive(token)) {
                    dead++;
                }
            }
        }
        return dead;
    }

    /**
     * Takes back an arrival of {@code generation} (its party entry {@code entry}, -1 for none), unless
     * that generation completed or broke meanwhile: {@link #WITHDRAWN}, {@link #TRIPPED}, or the
     * generation broke: the dead pid (0 for a reset).
     */
    private long withdraw(int generation, int entry) {
        while (true) {
            long s = state();
            if (generation(s) != generation) {
                return outcome(generation, entry);
            }
            if (broken(s)) {
                return brokenPid(s);
            }
            if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack(arrived(s) - 1, generation))) {
                return WITHDRAWN;
            }
        }
    }

    // =================================================================== breaking

    /** Breaks {@code generation} (by the death of {@code pid}, 0 for a reset) unless it ended or broke already. */
    private void breakGeneration(int generation, long pid) {
        while (true) {
            long s = state();
            if (generation(s) != generation || broken(s)) {
                return;
            }
            if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack((int) (BROKEN | pid), generation))) {
                record(generation, pid);
                word.wakeIfWaiting(Integer.MAX_VALUE);
                return;
            }
        }
    }

    /**
     * Records that {@code generation} broke: in the broken record, unless a later generation is
     * recorded already, and in the broken history.
     */
    private void record(int generation, long pid) {
        long value = RECORDED | pid << 32 | (generation & 0xFFFF_FFFFL);
        while (true) {
            long recorded = (long) LONG.getVolatile(slot, (long) BROKEN_RECORD_OFFSET);
            if (recorded == value || (recorded != 0 && generation - (int) recorded < 0)) {
                break;
            }
            if (LONG.compareAndSet(slot, (long) BROKEN_RECORD_OFFSET, recorded, value)) {
                break;
            }
        }
        while (true) {
            long history = (long) LONG.getVolatile(slot, (long) BROKEN_HISTORY_OFFSET);
            long next = withBroken(history, generation);
            if (next == history || LONG.compareAndSet(slot, (long) BROKEN_HISTORY_OFFSET, history, next)) {
                return;
            }
        }
    }

    /**
     * The broken history {@code history} with {@code generation} set: as the latest (the bits of
     * the earlier ones shifted along, those older than {@link #HISTORY_GENERATIONS} dropped), or as
     * an earlier one within the window (a breaker's late record); unchanged if older than that.
     */
    static long withBroken(long history, int generation) {
        if (history == 0) {
            return (long) generation << 32 | 1;
        }
        int latest = (int) (history >>> 32);
        int bits = (int) history;
        int later = generation - latest;
        if (later > 0) {
            bits = later >= HISTORY_GENERATIONS ? 1 : bits << later | 1;
            return (long) generation << 32 | (bits & 0xFFFF_FFFFL);
        }
        if (-later < HISTORY_GENERATIONS) {
            bits |= 1 << -later;
        }
        return (long) latest << 32 | (bits & 0xFFFF_FFFFL);
    }

    /**
     * What the broken history {@code history} says of {@code generation}, which has ended: 1 if it
     * broke, 0 if it tripped, -1 if it is older than the window (the history cannot tell).
     */
    static int brokenInHistory(long history, int generation) {
        if (history == 0) {
            return 0; // nothing broke (since the history was first written)
        }
        int before = (int) (history >>> 32) - generation;
        if (before < 0) {
            return 0; // it ended after the latest break was recorded, which is before its generation moved on
        }
        if (before >= HISTORY_GENERATIONS) {
            return -1;
        }
        return ((int) history >>> before) & 1;
    }

    /**
     * How {@code generation}, no longer the current one, ended for a waiter of it holding party entry
     * {@code entry} (-1 for none): {@link #TRIPPED}, or it broke (and a reset started the next one):
     * the dead pid, 0 for a reset. The entry's outcome, written by the reset before it moved the
     * generation on, answers however many generations broke since; without one (an untracked
     * barrier, an arrival without an entry, a reset by a process before file version 1.4) only the
     * broken record does, which holds the last broken generation only.
     */
    private long outcome(int generation, int entry) {
        if (entry >= 0) {
            long word = (long) LONG.getVolatile(slot, entryOffset(entry) + ENTRY_GENERATION_OFFSET);
            int outcome = entryOutcome(word);
            if (entryGeneration(word) == generation && outcome != 0) {
                return outcome & ~ENTRY_BROKEN;
            }
        }
        long recorded = (long) LONG.getVolatile(slot, (long) BROKEN_RECORD_OFFSET);
        if (recorded != 0 && (int) recorded == generation) {
            return (recorded & ~RECORDED) >>> 32;
        }
        // an earlier break: the history has no pid (a reset ended it, after the break)
        return brokenInHistory((long) LONG.getVolatile(slot, (long) BROKEN_HISTORY_OFFSET), generation) == 1
                ? 0 : TRIPPED;
    }

    /**
     * Writes into each party entry of {@code generation} (broken, by the death of {@code pid}, 0 for
     * a reset) that it broke, for its waiter to read once the generation has moved on. Called by
     * {@link #reset()} before the compare-and-set that starts the next generation: every entry of a
     * counted arrival of the generation holds it then, and its owner frees it only after reading it.
     * A compare-and-set of the whole word (generation and outcome), so that an entry freed and
     * claimed meanwhile for another generation is left alone; one claimed for this generation
     * belongs to an arrival that found it broken and will not wait.
     */
    private void markBroken(int generation, long pid) {
        long word = entryWord(generation, 0);
        long marked = entryWord(generation, ENTRY_BROKEN | (int) pid);
        for (int i = 0; i < entries; i++) {
            LONG.compareAndSet(slot, entryOffset(i) + ENTRY_GENERATION_OFFSET, word, marked);
        }
    }

    /** The 8 bytes at an entry's {@link #ENTRY_GENERATION_OFFSET}: the generation, then the outcome (native order). */
    private static long entryWord(int generation, int outcome) {
        long low = generation & 0xFFFF_FFFFL;
        long high = outcome & 0xFFFF_FFFFL;
        return LITTLE_ENDIAN ? high << 32 | low : low << 32 | high;
    }

    private static int entryGeneration(long word) {
        return (int) (LITTLE_ENDIAN ? word : word >>> 32);
    }

    private static int entryOutcome(long word) {
        return (int) (LITTLE_ENDIAN ? word >>> 32 : word);
    }

    // =================================================================== party entries

    /**
     * The pid of a dead process whose entry says it arrives or waits in {@code generation}; 0 if
     * there is none, and then {@code checkedFrom} (taken before the caller read the state that
     * showed {@code generation} current) is stored as the arrivals-checked stamp. Reads each party
     * entry's generation before its token: see the algorithm notes.
     */
    private long deadArrival(int generation, long checkedFrom) {
        for (int i = 0; i < entries; i++) {
            if ((int) INT.getVolatile(slot, entryOffset(i) + ENTRY_GENERATION_OFFSET) != generation) {
                continue;
            }
            long token = (long) LONG.getVolatile(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET);
            if (token != 0 && token != self && !ProcessIdentity.isAlive(token)) {
                return ProcessIdentity.pidOf(token);
            }
        }
        LONG.setVolatile(slot, (long) ARRIVALS_CHECKED_OFFSET, checkedFrom);
        return 0;
    }

    /**
     * For the arrival that would complete {@code generation} (others counted): the pid of a dead
     * party of it or of a dead member, looked for only where no check ran within
     * {@link #CHECK_WINDOW_NANOS} before {@code now} (taken before the state was read); 0 if none
     * or if checks are recent. In the common case (a first arrival or a live waiter stamped
     * recently) two volatile reads.
     */
    private long deadUnlessCheckedRecently(int generation, long now) {
        long dead = checkedRecently(ARRIVALS_CHECKED_OFFSET, now) ? 0 : deadArrival(generation, now);
        if (dead == 0 && joinedEntries > 0 && !checkedRecently(MEMBERS_CHECKED_OFFSET, now)) {
            dead = deadMember(now);
        }
        return dead;
    }

    /** Whether the stamp at {@code offset} is from within {@link #CHECK_WINDOW_NANOS} before {@code now}. */
    private boolean checkedRecently(long offset, long now) {
        long stamp = (long) LONG.getVolatile(slot, offset);
        long age = now - stamp;
        return stamp != 0 && age >= 0 && age <= CHECK_WINDOW_NANOS;
    }

    // =================================================================== joined members

    /**
     * The pid of a member whose process is dead, or 0; then {@code checkedFrom} (taken before the
     * entries were read) is stored as the members-checked stamp if there is a joined table.
     */
    private long deadMember(long checkedFrom) {
        for (int i = 0; i < joinedEntries; i++) {
            long token = (long) LONG.getVolatile(slot, joinedOffset(i));
            if (token != 0 && token != self && !ProcessIdentity.isAlive(token)) {
                return ProcessIdentity.pidOf(token);
            }
        }
        if (joinedEntries > 0) {
            LONG.setVolatile(slot, (long) MEMBERS_CHECKED_OFFSET, checkedFrom);
        }
        return 0;
    }

    /**
     * Claims a joined entry for this handle: a dead member's (compare-and-set from its token, so
     * one replacement wins), else a free one (from 0).
     *
     * @throws IllegalStateException if there is no joined table, or every entry holds a live member
     */
    private int claimMembership() {
        if (joinedEntries == 0) {
            throw new IllegalStateException(label + " has no table of joined members (" + (tracked()
                    ? "formatted by jipc before sync file version 1.3" : "untracked")
                    + "): join needs a barrier created by jipc 1.3 or later; open it instead"
                    + " (a party that dies before it arrives then goes unnoticed)");
        }
        for (int i = 0; i < joinedEntries; i++) {
            long token = (long) LONG.getVolatile(slot, joinedOffset(i));
            if (token != 0 && token != self && !ProcessIdentity.isAlive(token)
                    && LONG.compareAndSet(slot, joinedOffset(i), token, self)) {
                return i;
            }
        }
        for (int i = 0; i < joinedEntries; i++) {
            if (LONG.compareAndSet(slot, joinedOffset(i), 0L, self)) {
                return i;
            }
        }
        throw new IllegalStateException(label + " has " + parties + (parties == 1 ? " party" : " parties") + " and "
                + parties + " joined members of live processes: no more may join until one leaves (closes its"
                + " handle) or dies");
    }

    private long joinedOffset(int i) {
        return length(entries, i);
    }

    /** Bytes of a slot up to joined entry {@code joined} of a barrier of {@code entries} party entries. */
    private static long length(int entries, int joined) {
        return ENTRIES_OFFSET + (long) ENTRY_LENGTH * entries + (long) JOINED_ENTRY_LENGTH * joined;
    }

    /**
     * A free entry, claimed for this process (the caller then writes the generation it arrives in);
     * when none is free, first frees the entries of dead processes of ended generations (and breaks
     * the current generation if a dead one is of it). -1 if the table stays full: the arrival is
     * then not tracked.
     */
    private int claimEntry() {
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < entries; i++) {
                if (LONG.compareAndSet(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET, 0L, self)) {
                    return i;
                }
            }
            if (round == 0) {
                freeDeadEntries();
            }
        }
        return -1;
    }

    /**
     * Frees the entries of dead processes of generations that have ended, and breaks the current
     * generation if a dead process's entry is of it. The entry's generation is read after its
     * process was found dead (a dead process writes nothing more, so the value is final) and is
     * compared with the generation of the state now, not with the caller's: the barrier may have
     * tripped since the caller read it, and a party of the new generation that died must break it,
     * not lose its entry.
     */
    private void freeDeadEntries() {
        for (int i = 0; i < entries; i++) {
            long token = (long) LONG.getVolatile(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET);
            if (token == 0 || token == self || ProcessIdentity.isAlive(token)) {
                continue;
            }
            int entryGeneration = (int) INT.getVolatile(slot, entryOffset(i) + ENTRY_GENERATION_OFFSET);
            int current = generation(state());
            if (entryGeneration == current) {
                breakGeneration(current, ProcessIdentity.pidOf(token));
            } else if (entryGeneration - current < 0) {
                LONG.compareAndSet(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET, token, 0L);
            }
        }
    }

    /** Frees entry {@code i} of this process's (nothing for -1). */
    private void freeEntry(int i) {
        if (i >= 0) {
            LONG.setVolatile(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET, 0L);
        }
    }

    private static long entryOffset(int i) {
        return ENTRIES_OFFSET + (long) ENTRY_LENGTH * i;
    }

    // =================================================================== the state word

    /** The state word, checked: an arrival count outside [0, parties) is corruption. */
    private long state() {
        long s = (long) LONG.getVolatile(slot, (long) STATE_OFFSET);
        if (!broken(s) && (arrived(s) < 0 || arrived(s) >= parties)) {
            throw corrupt("barrier of " + parties + " parties says " + arrived(s) + " arrived");
        }
        return s;
    }

    private static boolean broken(long state) {
        return (state & BROKEN) != 0;
    }

    /** The dead party's pid in a broken state (0: broken by a reset). */
    private static long brokenPid(long state) {
        return state & (BROKEN - 1);
    }

    private static int arrived(long state) {
        return (int) state;
    }

    private static int generation(long state) {
        return (int) (state >>> 32);
    }

    private static long pack(int arrived, int generation) {
        return ((long) generation << 32) | (arrived & 0xFFFF_FFFFL);
    }
}
