package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.FaultInjection;
import io.jipc.ring.WakeSignal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import static io.jipc.mailbox.MailboxDescriptor.TICKETS;
import static io.jipc.mailbox.MailboxDescriptor.TICKETS_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_AT_ONCE_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_LENGTH;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_OWNER_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_STATE_OFFSET;

/**
 * The shared state through which a sender meets the receiver of its message, in a mailbox with
 * headers: the ticket table through which a sender learns that (and which) receiver took its
 * message — every send of a rendezvous mailbox, and {@link Mailbox#transfer(byte[])} in any — the
 * word on which such senders sleep, the words that say which receiving processes are blocked in a
 * receive, and the table of receiving processes that a ticket's state points into.
 *
 * <h2>Waiting receivers</h2>
 * An at-once offer hands over only while a receive call waits ({@link #receiverWaiting}). Each
 * process that has receive calls waiting sets its bit (its index {@code r} in the receivers table)
 * in the waiting receivers word, from its first waiting call to the end of its last one or the
 * close of its last handle ({@link #receiverWaits}, {@link #receiverDone}, {@link #leave()}), so
 * that with {@linkplain ReceivePolicy#SHARED shared receivers} the end of one process's receive
 * leaves the others counted. It also writes its token into the older waiting receiver word, the
 * only one that processes of jipc versions before the bitmap write and read: such a sender still
 * sees a newer receiver waiting (as before, only the last process that started waiting, and none
 * once that one stopped), and a newer sender sees an older receiver through that word.
 *
 * <h2>Tickets</h2>
 * A sender owns a ticket slot (compare-and-set of its owner word from 0, or from a dead process's
 * token) for the whole send. It issues a new <em>generation</em> — state {@code gen << 16 | PENDING}
 * — and sends its message with the ticket {@code (slot + 1) << 48 | gen} in the envelope. The
 * receiver that finds the message moves the state from {@code gen|PENDING} to {@code gen|TAKEN}
 * (where {@code TAKEN + r} names the receiver by its index {@code r} in the receivers table) with
 * one compare-and-set before it hands the message out; a sender that gives up (timeout,
 * interrupt, the close of its process's last handle) moves it to {@code gen|CANCELLED} instead.
 * Exactly one of the two wins: the message is either handed out and the send reports success, or
 * skipped by the receiver and the send reports failure. Generations make the compare-and-sets
 * immune to slot reuse (ABA): a record of an earlier generation never matches.
 *
 * <h2>A taker killed before it cleared the record</h2>
 * A receiver that takes a message still in its ring ({@link #takeInRecord}) then clears the ticket
 * in the record (so that a record left in place, by a handler that threw or an unacknowledged
 * delivery, is not taken twice) and only then hands the message out. Its compare-and-set writes
 * {@code gen|TAKEN + r | UNCLEARED}, and {@link #recordCleared} drops the {@code UNCLEARED} bit
 * after the clear. A receiver killed between the two leaves the record at the head of its ring
 * (its read never ended) with a ticket that is no longer pending: the next receiver finds the bit
 * ({@link #takenUncleared}) and delivers the message (its sender was released with the dead
 * receiver's receipt: at-least-once, as for a receiver killed inside its handler) instead of
 * dropping it as withdrawn. Meanwhile no sender issues that slot again ({@link #claim} skips it):
 * a new generation would hide whether the old one was taken or withdrawn. Only the receiver in
 * the receiving role reads a record, so a record seen with the bit was left by a taker no longer
 * in its read. A receiver (the taker, or the next one) killed in the next instant, between its
 * clear of the record and the drop of the bit, leaves the slot unusable for the mailbox's life (one
 * of {@value MailboxDescriptor#TICKETS}; senders use the others), while the message, its ticket
 * cleared, goes to the next receiver. Dropping the bit first would instead leave, killed between,
 * a taken ticket in the record that a later issue of the slot hides: the loss this prevents.
 * Processes of jipc versions before the bit treat such a state as they did: an older receiver
 * drops the message, and an older sender, reading the state in the instant between the take and
 * the drop of the bit, reports a receipt that names no process. An older sender also claims a slot
 * that has the bit, as any free one: its new generation hides the old one, and the next receiver
 * drops the message the bit protects as withdrawn (mixed versions bring that loss back).
 *
 * <h2>Lost slots, and the wait for a slot</h2>
 * A slot left with the bit (its receiver killed between the clear and the drop, a window of a few
 * instructions) is lost for the mailbox's life: nothing frees it (no liveness check, no sweep).
 * With all {@value MailboxDescriptor#TICKETS} lost (or held by live senders), a send gets no slot:
 * {@link #issueTicket} waits until the send's deadline. A timed send then times out having sent
 * nothing, an at-once offer returns false at once, and an untimed send ({@code put}, {@code
 * transfer}) waits until a slot comes back or it is interrupted: with all slots lost, for good.
 *
 * <h2>At-once offers</h2>
 * An at-once offer ({@link Mailbox#offer(byte[], int)}) marks its ticket: before it sends the
 * message it writes {@code AT_ONCE_MARK | gen} into the slot's at-once word, so the mark names one
 * generation and a later (or a dead owner's) use of the slot never inherits it; other sends write
 * nothing there. A receiver that will not hand such a message out now (an {@link Endpoint}'s
 * {@code receive(Q)} holding another sender's message) <em>declines</em> it: it moves the state
 * from {@code gen|PENDING} to {@code gen|CANCELLED} itself, so the offer returns false at once
 * instead of waiting for the application. Processes of jipc versions before the mark ignore the
 * word (their receivers hold such a message pending; the offer then waits as it did).
 *
 * <h2>The close of the last handle</h2>
 * The sends of this process register the slots they hold ({@link #issueTicket} to {@link
 * #release}). The close of the process's last handle ({@link #leave()}, before it unmaps) settles
 * each as its sender would on giving up: it withdraws a pending message (the sender's {@code
 * CANCELLED} compare-and-set; the send ends with {@link ClosedException}), or finds it taken (the
 * send succeeds with that receipt), records that for the sender ({@link #settle}), and gives the
 * slot back; the sender, woken, touches the header no more. Taking a slot, settling and giving it
 * back are ordered against the close by this object's monitor: three uncontended monitor entries
 * per send, against a hand-over that costs a futex wake.
 *
 * <p>A sender that dies keeps its slot until another sender reclaims it; its message, if still
 * pending, is delivered unless the slot was reissued first (then it is skipped).
 */
final class Rendezvous {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final long PENDING = 0;
    static final long CANCELLED = 1;
    static final long TAKEN = 2;
    /** Set with {@code TAKEN + r} until the taker cleared the ticket in the message's record. */
    static final long UNCLEARED = 0x8000;
    private static final long GENERATION_MASK = (1L << 48) - 1;
    /** Above every generation, so that a never-written (zero) at-once word matches no ticket. */
    private static final long AT_ONCE_MARK = 1L << 48;
    /**
     * Set in a receivers-table entry (the token's sign bit, which no token has: its pid, in the high 32
     * bits, is at most 2<sup>22</sup>) once its process closed its last handle ({@link #retireReceiver}).
     */
    static final long LEFT_RECEIVER = Long.MIN_VALUE;
    /** What {@link #settle} returns for a message its sender withdrew (tokens are positive: no receipt). */
    static final long WITHDRAWN = Long.MIN_VALUE;
    /** What {@link #settle} returns for a message the close of the last handle withdrew ({@link #leave()}). */
    static final long WITHDRAWN_BY_CLOSE = Long.MIN_VALUE + 1;

    private final MemorySegment header;
    private final String name;
    private final long self = ProcessIdentity.current().token();
    /** Where senders sleep until their message is taken. */
    final WakeSignal taken;
    /** Receive calls of this process blocked right now; guarded by this. */
    private int waitingReceives;
    /** Whether this process's last handle was closed ({@link #leave()}); guarded by this. */
    private boolean left;
    /**
     * The ticket slots that sends of this process hold, a bit each ({@value MailboxDescriptor#TICKETS}
     * slots: one long), from {@link #issueTicket} to {@link #release} or {@link #leave()}; guarded by this.
     */
    private long heldSlots;
    /** The ticket each held slot was issued for; guarded by this. */
    private final long[] heldTickets = new long[TICKETS];
    /** What each send whose slot {@link #leave()} took back reports ({@link #settle}); guarded by this. */
    private final long[] outcomes = new long[TICKETS];
    /** This process's index in the receivers table, or -1 before it received. */
    private volatile int receiverIndex = -1;

    Rendezvous(MemorySegment header, String name) {
        this.header = header;
        this.name = name;
        this.taken = new WakeSignal(header, MailboxDescriptor.TAKEN_WAITING_OFFSET,
                MailboxDescriptor.TAKEN_SIGNAL_OFFSET, false);
    }

    // ---------------------------------------------------------------- senders

    /**
     * Starts a send: takes a free ticket slot (or one of a dead process), waiting while all are held
     * by live senders (or lost: see the class comment) until {@code deadline} ({@link System#nanoTime},
     * {@code Long.MAX_VALUE}: no limit), and issues its next generation ({@link #issue}); returns the
     * ticket for the envelope, or 0 if no slot could be had by the deadline (nothing was issued: the
     * send sends nothing). A deadline already passed (an at-once offer) looks at every slot, those
     * of dead processes included, without sleeping. The wait sleeps in steps that grow from 10 µs to
     * 1 ms (never past the deadline): slots come back without a signal. The send ends with {@link
     * #settle} (when it no longer waits) and {@link #release} (always). Taking the slot and issuing
     * are one step against {@link #leave()}: a slot this process holds is always one that the close
     * of its last handle knows of.
     *
     * @throws ClosedException if this process's last handle of the mailbox was closed
     * @throws InterruptedException if interrupted while waiting for a slot (nothing was issued)
     */
    long issueTicket(boolean atOnce, long deadline) throws InterruptedException {
        int start = (int) (Thread.currentThread().threadId() % TICKETS);
        for (int round = 0; ; round++) {
            for (int i = 0; i < TICKETS; i++) {
                int slot = (start + i) % TICKETS;
                long owner = (long) LONG.getVolatile(header, ownerOffset(slot));
                if (owner == 0 || (round > 0 && owner != self && !ProcessIdentity.isAlive(owner))) {
                    long ticket = claim(slot, owner, atOnce); // the liveness read stays outside the lock
                    if (ticket != 0) {
                        return ticket;
                    }
                }
            }
            if (hasLeft()) { // closed: before the interrupt check, which the JDK's close of the mapping can trip
                throw new ClosedException("mailbox '" + name + "' was closed");
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long sleep = Math.min(1_000_000L, 10_000L << Math.min(round, 7));
            if (deadline != Long.MAX_VALUE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (round > 0) { // the second round also looked at the slots of dead processes
                        return 0;
                    }
                    continue;
                }
                sleep = Math.min(sleep, left);
            }
            LockSupport.parkNanos(sleep);
        }
    }

    /**
     * Takes {@code slot} from {@code owner} and issues a ticket of it; 0 if another sender took it
     * first, or if its last message was taken by a receiver that has not cleared it in its record
     * (the taker died there: the slot waits until the next receiver delivers that message).
     */
    private synchronized long claim(int slot, long owner, boolean atOnce) {
        if (left) {
            throw new ClosedException("mailbox '" + name + "' was closed");
        }
        if (!LONG.compareAndSet(header, ownerOffset(slot), owner, self)) {
            return 0;
        }
        // owned and settled, the state no longer changes but for the drop of the bit
        if (((long) LONG.getVolatile(header, stateOffset(slot)) & UNCLEARED) != 0) {
            LONG.setRelease(header, ownerOffset(slot), 0L);
            return 0;
        }
        long ticket = issue(slot, atOnce);
        heldSlots |= 1L << slot;
        heldTickets[slot] = ticket;
        return ticket;
    }

    /**
     * Ends the send of {@code ticket} once it no longer waits for a receiver: with {@code withdraw}
     * (it gives up) withdraws its message first if still pending. Returns what the send reports:
     * the taker's token (a receipt; -1 if the taker can no longer be named), 0 if a receiver
     * declined it (an at-once offer), {@link #WITHDRAWN} if this call withdrew it, {@link
     * #WITHDRAWN_BY_CLOSE} if the close of this process's last handle did ({@link #leave()}: the
     * answer is then the one it recorded, and the header is not read: it may be unmapped).
     */
    synchronized long settle(long ticket, boolean withdraw) {
        if (left) {
            return outcomes[slotOf(ticket)];
        }
        return withdraw && cancel(ticket) ? WITHDRAWN : receipt(ticket);
    }

    /**
     * Gives the slot of {@code ticket} back, unless {@link #leave()} did (or this did before): it
     * never writes to the header after the close of this process's last handle. Idempotent.
     */
    synchronized void release(long ticket) {
        int slot = slotOf(ticket);
        if ((heldSlots & 1L << slot) != 0 && heldTickets[slot] == ticket) {
            heldSlots &= ~(1L << slot);
            LONG.setRelease(header, ownerOffset(slot), 0L);
        }
    }

    /** Whether the close of this process's last handle gave the mailbox up ({@link #leave()}). */
    synchronized boolean hasLeft() {
        return left;
    }

    /**
     * Issues the slot's next generation, pending; returns the ticket for the envelope. With {@code
     * atOnce} (an at-once offer) the ticket is marked: a receiver that does not hand the message out
     * at once declines it ({@link #decline}). Called (by {@link #claim}, and by tests) before the
     * message is sent, whose commit publishes both words.
     */
    long issue(int slot, boolean atOnce) {
        long generation = (((long) LONG.getVolatile(header, stateOffset(slot)) >>> 16) + 1) & GENERATION_MASK;
        if (atOnce) { // blocking sends write nothing here: an earlier generation's mark never matches theirs
            LONG.setRelease(header, atOnceOffset(slot), AT_ONCE_MARK | generation);
        }
        LONG.setVolatile(header, stateOffset(slot), generation << 16 | PENDING);
        return ((long) (slot + 1)) << 48 | generation;
    }

    /** Whether {@code ticket}'s message is still waiting for a receiver (not taken, not withdrawn). */
    boolean pending(long ticket) {
        int slot = slotOf(ticket);
        if (slot < 0 || slot >= TICKETS) {
            throw new CorruptSegmentException(name + ": message with ticket " + Long.toHexString(ticket)
                    + " names no rendezvous slot");
        }
        return (long) LONG.getVolatile(header, stateOffset(slot)) == ((ticket & GENERATION_MASK) << 16 | PENDING);
    }

    /** Withdraws a pending message; false if a receiver took it first. */
    private boolean cancel(long ticket) {
        long generation = ticket & GENERATION_MASK;
        return LONG.compareAndSet(header, stateOffset(slotOf(ticket)), generation << 16 | PENDING,
                generation << 16 | CANCELLED);
    }

    /**
     * The taker of a ticket no longer pending that its sender did not withdraw, as its
     * receivers-table entry names it now: if the entry was reused between the take and this read
     * (the taker died or left right after taking, every other entry was held, and another process
     * took its place), the newcomer; -1 only if the entry is free again (read as no receiver); 0 if
     * a receiver declined it (an at-once offer, not sent).
     */
    private long receipt(long ticket) {
        long receiver = receiverOf(ticket);
        return receiver != 0 ? receiver : declined(ticket) ? 0 : -1;
    }

    /**
     * Whether a receiver declined {@code ticket}'s message ({@link #decline}): its state is
     * cancelled, which its sender, who asks, did not do itself.
     */
    boolean declined(long ticket) {
        return (long) LONG.getVolatile(header, stateOffset(slotOf(ticket)))
                == ((ticket & GENERATION_MASK) << 16 | CANCELLED);
    }

    // ---------------------------------------------------------------- receivers

    /**
     * Declines the message of {@code ticket} if its sender made an at-once offer and still waits for
     * it: withdraws it for the sender, whose offer returns false; true if so (the receiver drops
     * the message). False for a message of a waiting send, or one withdrawn already.
     */
    boolean decline(long ticket) {
        int slot = slotOf(ticket);
        if (slot < 0 || slot >= TICKETS) {
            throw new CorruptSegmentException(name + ": message with ticket " + Long.toHexString(ticket)
                    + " names no rendezvous slot");
        }
        long generation = ticket & GENERATION_MASK;
        if ((long) LONG.getVolatile(header, atOnceOffset(slot)) != (AT_ONCE_MARK | generation)) {
            return false;
        }
        if (!LONG.compareAndSet(header, stateOffset(slot), generation << 16 | PENDING, generation << 16 | CANCELLED)) {
            return false;
        }
        taken.signalIfWaiting(); // the sender sleeps until its ticket is no longer pending
        return true;
    }

    /**
     * Takes the message of {@code ticket} if its sender still waits for it; false if it was
     * withdrawn (or belongs to an earlier use of the slot): the receiver skips the message.
     *
     * @throws CorruptSegmentException if the ticket names no slot
     */
    boolean take(long ticket) {
        return take(ticket, 0);
    }

    /**
     * {@link #take} of a message whose record is still in its ring: the state says {@code
     * UNCLEARED} until {@link #recordCleared}, which the receiver calls once it cleared the ticket
     * in the record, before it hands the message out (see the class comment). Receiving role only.
     */
    boolean takeInRecord(long ticket) {
        return take(ticket, UNCLEARED);
    }

    private boolean take(long ticket, long uncleared) {
        int slot = checkedSlot(ticket);
        long generation = ticket & GENERATION_MASK;
        int receiver = receiverIndex;
        if (receiver < 0) {
            throw new IllegalStateException("this process took a ticket before registering as a receiver");
        }
        if (!LONG.compareAndSet(header, stateOffset(slot), generation << 16 | PENDING,
                generation << 16 | (TAKEN + receiver) | uncleared)) {
            return false;
        }
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.TAKEN_BEFORE_WAKE);
        }
        // the compare-and-set was the full fence before the flag's read; killed before this, the
        // sender finds the take at its next look (its sleep is bounded: Mailbox.awaitTaken)
        taken.signalIfWaiting();
        return true;
    }

    /**
     * Whether the message of {@code ticket}, found in its record, was taken by a receiver that did
     * not clear the ticket there: one killed inside its take, whose message the caller (the next
     * receiver, in the receiving role) delivers, then clears and reports ({@link #recordCleared}).
     */
    boolean takenUncleared(long ticket) {
        long state = (long) LONG.getVolatile(header, stateOffset(checkedSlot(ticket)));
        return (state >>> 16) == (ticket & GENERATION_MASK) && (state & UNCLEARED) != 0;
    }

    /**
     * The ticket of a message taken with {@link #takeInRecord} (by this receiver, or by one killed
     * before it cleared it: {@link #takenUncleared}) is cleared in its record: its slot may be
     * issued again. Release store: the record's clear comes first. Receiving role only.
     */
    void recordCleared(long ticket) {
        long offset = stateOffset(checkedSlot(ticket));
        long state = (long) LONG.getVolatile(header, offset);
        if ((state >>> 16) == (ticket & GENERATION_MASK) && (state & UNCLEARED) != 0) {
            LONG.setRelease(header, offset, state & ~UNCLEARED); // nobody else writes a taken state
        }
    }

    /**
     * Enters this process in the receivers table (once per mapping), so that the tickets it takes
     * name it: its own entry if it has one (also one it {@linkplain #retireReceiver left}), else a
     * free one, else one of a dead process, else one of a live process that left (closed its last
     * handle). A receipt is read right after the take ({@link #receiverOf}), so an entry is reused
     * while its process lives only when every other is held: a sender whose receiver closed its
     * last handle and was replaced by another process in the instant between the take and that
     * read would name the newcomer. Reads {@code /proc} for the liveness of each entry's process
     * only when no entry is the caller's or free.
     *
     * @throws MailboxBusyException if {@value MailboxDescriptor#RECEIVERS} live processes that have
     *                              not left hold every entry
     */
    synchronized void registerReceiver() {
        if (receiverIndex >= 0) {
            return;
        }
        for (int pass = 0; pass < 4; pass++) {
            for (int i = 0; i < MailboxDescriptor.RECEIVERS; i++) {
                long offset = receiverOffset(i);
                long owner = (long) LONG.getVolatile(header, offset);
                boolean usable = switch (pass) {
                    case 0 -> (owner & ~LEFT_RECEIVER) == self;
                    case 1 -> owner == 0;
                    case 2 -> !ProcessIdentity.isAlive(owner & ~LEFT_RECEIVER);
                    default -> (owner & LEFT_RECEIVER) != 0;
                };
                if (usable && (owner == self || LONG.compareAndSet(header, offset, owner, self))) {
                    if (owner != self) {
                        clearStaleWaitingBit(i); // a process killed while it waited left its bit
                    }
                    receiverIndex = i;
                    return;
                }
            }
        }
        throw new MailboxBusyException("mailbox '" + name + "' has " + MailboxDescriptor.RECEIVERS
                + " live receiving processes", 0);
    }

    /**
     * The close of this process's last handle (after {@link #leave()}, before it unmaps): marks its
     * entry in the receivers table as left ({@link #LEFT_RECEIVER}), so that another process may
     * reuse it once no entry is free or dead ({@link #registerReceiver}); without the mark, every
     * process that ever received kept its entry as long as it lived, and once {@value
     * MailboxDescriptor#RECEIVERS} live processes had received each new receiver was refused for
     * as long as they lived. The entry still names this process for receipts ({@link #receiverOf}
     * masks the mark) until it is reused. Nothing if this mapping never received. Idempotent.
     */
    synchronized void retireReceiver() {
        if (receiverIndex >= 0) {
            LONG.compareAndSet(header, receiverOffset(receiverIndex), self, self | LEFT_RECEIVER);
        }
    }

    /**
     * The process that took the message of {@code ticket} (a receipt), or 0 if it is pending or was
     * withdrawn. Read right after the take: a receiver's entry is reused while it lives only once
     * it left and no entry is free or dead ({@link #registerReceiver}).
     */
    long receiverOf(long ticket) {
        long state = (long) LONG.getVolatile(header, stateOffset(slotOf(ticket)));
        long code = state & 0xFFFF & ~UNCLEARED;
        if ((state >>> 16) != (ticket & GENERATION_MASK) || code < TAKEN
                || code >= TAKEN + MailboxDescriptor.RECEIVERS) {
            return 0;
        }
        return (long) LONG.getVolatile(header, receiverOffset((int) (code - TAKEN))) & ~LEFT_RECEIVER;
    }

    /** Counts a withdrawn message the receiver dropped (receiving role only: one writer at a time). */
    void countWithdrawn() {
        header.set(ValueLayout.JAVA_LONG, MailboxDescriptor.WITHDRAWN_OFFSET, withdrawn() + 1);
    }

    /** Withdrawn messages dropped by receivers so far (the rings count them as consumed records). */
    long withdrawn() {
        return (long) LONG.getVolatile(header, (long) MailboxDescriptor.WITHDRAWN_OFFSET);
    }

    /**
     * A receive call of this process starts waiting: senders' {@code offer} may now hand over. The
     * first of this process's waiting calls sets this process's bit (its index in the receivers
     * table, entered here if it was not yet) in the waiting receivers word, and writes its token
     * into the waiting receiver word, which processes of jipc versions before the bitmap read.
     *
     * @throws ClosedException if this process's last handle of the mailbox was closed ({@link #leave()})
     * @throws MailboxBusyException if this process was not in the receivers table yet and {@value
     *         MailboxDescriptor#RECEIVERS} live processes hold every entry
     */
    synchronized void receiverWaits() {
        if (left) {
            throw new ClosedException("mailbox '" + name + "' was closed");
        }
        if (waitingReceives == 0) {
            if (receiverIndex < 0) { // every receive registers first: a guard, not a path
                registerReceiver();
            }
            LONG.getAndBitwiseOr(header, (long) MailboxDescriptor.WAITING_RECEIVERS_OFFSET, 1L << receiverIndex);
            LONG.setVolatile(header, (long) MailboxDescriptor.WAITING_RECEIVER_OFFSET, self);
        }
        waitingReceives++;
    }

    /**
     * A receive call of this process stops waiting (also when it ends with the close of the last
     * handle: after {@link #leave()} it touches nothing). The last of this process's waiting calls
     * clears its bit, and the waiting receiver word if that still holds this process's token.
     */
    synchronized void receiverDone() {
        if (--waitingReceives == 0 && !left) {
            stopWaiting();
        }
    }

    /** Clears this process's marks as a waiting receiver (its receive calls no longer wait). */
    private void stopWaiting() {
        LONG.getAndBitwiseAnd(header, (long) MailboxDescriptor.WAITING_RECEIVERS_OFFSET, ~(1L << receiverIndex));
        LONG.compareAndSet(header, (long) MailboxDescriptor.WAITING_RECEIVER_OFFSET, self, 0L);
    }

    /**
     * Clears the bit of receivers-table entry {@code index} in the waiting receivers word: when this
     * process takes that entry (a process killed while it waited left its bit there, which would
     * otherwise make this process count as waiting before it ever waits), and when {@link
     * #receiverWaiting} finds the entry's process dead (or the entry free).
     */
    private void clearStaleWaitingBit(int index) {
        LONG.getAndBitwiseAnd(header, (long) MailboxDescriptor.WAITING_RECEIVERS_OFFSET, ~(1L << index));
    }

    /**
     * The close of this process's last handle, before it unmaps the mailbox: receive calls of this
     * process still waiting will end with {@link ClosedException} without reaching the header again,
     * so their mark goes now. Left behind, a live process's mark would keep another process's
     * at-once {@code offer} waiting for a receive that never comes, for as long as this process lives.
     *
     * <p>And it ends this process's sends still holding a ticket slot, which cannot reach the
     * header afterwards: it withdraws each pending message (the compare-and-set a sender that gives
     * up makes, so a receiver that reaches it later skips it), records for each send what it
     * reports ({@link #settle}: {@link #WITHDRAWN_BY_CLOSE}, or the receipt of a receiver that took
     * it first), and gives the slots back. Left behind, a pending ticket would let a later receiver
     * deliver a message whose send had failed with {@link ClosedException}, and a held slot (this
     * live process's token) would be lost to every sender for as long as this process lives.
     * Idempotent.
     */
    synchronized void leave() {
        boolean waiting = waitingReceives > 0 && !left; // once: the header may be unmapped after
        left = true;
        if (waiting) {
            stopWaiting();
        }
        for (long held = heldSlots; held != 0; held &= held - 1) {
            int slot = Long.numberOfTrailingZeros(held);
            long ticket = heldTickets[slot];
            long outcome = WITHDRAWN_BY_CLOSE;
            try {
                if (!cancel(ticket)) {
                    outcome = receipt(ticket);
                }
                LONG.setRelease(header, ownerOffset(slot), 0L);
            } catch (RuntimeException e) {
                // the mapping failed under us: nothing more to withdraw or give back
            }
            outcomes[slot] = outcome;
        }
        heldSlots = 0;
    }

    /**
     * Whether a process is blocked in a receive of this mailbox right now: a bit in the waiting
     * receivers word, or (a process of an older jipc version, which writes only that) a token in the
     * waiting receiver word. With {@code checkAlive}, also that such a process is alive (a receiver
     * killed while waiting leaves its bit and token: reading a liveness costs a read of {@code
     * /proc}, so callers do it only once they have waited a while); a bit counts then if the
     * receivers-table entry it names holds a live process, and a bit that does not is cleared,
     * so that one offer, not every later one, waits the dead-sender timeout for a dead receiver.
     * That clear races with a new process taking the dead one's entry and starting to wait in the
     * instant between the entry's read and the clear: its bit is then lost until its waiting
     * receive calls end (it misses at-once offers meanwhile; timed and blocking sends reach it).
     */
    boolean receiverWaiting(boolean checkAlive) {
        long waiting = (long) LONG.getVolatile(header, (long) MailboxDescriptor.WAITING_RECEIVERS_OFFSET);
        if (waiting != 0 && !checkAlive) {
            return true;
        }
        for (long bits = waiting; bits != 0; bits &= bits - 1) {
            int index = Long.numberOfTrailingZeros(bits);
            long receiver = (long) LONG.getVolatile(header, MailboxDescriptor.RECEIVERS_OFFSET + 8L * index);
            if (receiver != 0 && ProcessIdentity.isAlive(receiver)) {
                return true;
            }
            clearStaleWaitingBit(index); // killed while waiting: later offers no longer wait for it
        }
        long token = (long) LONG.getVolatile(header, (long) MailboxDescriptor.WAITING_RECEIVER_OFFSET);
        if (token == 0 || !checkAlive) {
            return token != 0;
        }
        if (ProcessIdentity.isAlive(token)) {
            return true;
        }
        // killed while waiting: later offers no longer wait for it (a live receiver writes its token again
        // when its next receive starts waiting)
        LONG.compareAndSet(header, (long) MailboxDescriptor.WAITING_RECEIVER_OFFSET, token, 0L);
        return false;
    }

    private int checkedSlot(long ticket) {
        int slot = slotOf(ticket);
        if (slot < 0 || slot >= TICKETS) {
            throw new CorruptSegmentException(name + ": message with ticket " + Long.toHexString(ticket)
                    + " names no rendezvous slot");
        }
        return slot;
    }

    private static int slotOf(long ticket) {
        return (int) (ticket >>> 48) - 1;
    }

    private static long receiverOffset(int index) {
        return MailboxDescriptor.RECEIVERS_OFFSET + 8L * index;
    }

    private static long ownerOffset(int slot) {
        return TICKETS_OFFSET + (long) slot * TICKET_LENGTH + TICKET_OWNER_OFFSET;
    }

    private static long stateOffset(int slot) {
        return TICKETS_OFFSET + (long) slot * TICKET_LENGTH + TICKET_STATE_OFFSET;
    }

    private static long atOnceOffset(int slot) {
        return TICKETS_OFFSET + (long) slot * TICKET_LENGTH + TICKET_AT_ONCE_OFFSET;
    }
}
