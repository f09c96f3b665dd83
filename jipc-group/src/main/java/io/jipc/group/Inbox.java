package io.jipc.group;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MessageHandler;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One of a member's two receiving sides: a mailbox of the member ({@link Lane#MESSAGES}, the
 * application's messages; or {@link Lane#PARTS}, the parts of collective operations and the notices
 * about them), and what was taken from it, sorted. The two lanes are two mailboxes, so that a thread
 * waiting for a part of a collective operation never takes the application's messages out of their
 * bounded mailbox (it would have to hold them in the heap, without bound, while the senders never
 * wait), and a part never queues behind application messages that nobody takes.
 *
 * <p>Threads that wait take turns receiving from the mailbox (one at a time, the others wait on a
 * condition that is signalled after each message); whoever receives sorts the message, and each
 * waiter then looks for its own. A message of the other lane is no message a member sends here:
 * it is discarded, as a malformed one. No thread is started.
 */
final class Inbox implements AutoCloseable {
    /** Longest single wait in the mailbox, so that a waiter's periodic check runs. */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long FOREVER = io.jipc.Timeouts.NO_DEADLINE;

    /** The key of a collective part: operation sequence number, step, sender's rank. */
    record PartKey(long sequence, int step, int sender) {
    }

    /** Which messages a mailbox carries. */
    enum Lane {
        /** Messages to the application: {@link GroupEnvelope#DIRECT} and {@link GroupEnvelope#BROADCAST}. */
        MESSAGES,
        /** Parts of collective operations and members' aborts: {@link GroupEnvelope#COLLECTIVE} and {@link GroupEnvelope#ABORT}. */
        PARTS;

        /** Whether a message of {@code kind} travels in this lane. */
        boolean carries(int kind) {
            boolean collective = kind == GroupEnvelope.COLLECTIVE || kind == GroupEnvelope.ABORT;
            return collective == (this == PARTS);
        }
    }

    /** Looks for what a waiter waits for among the sorted messages; returns {@code null} to wait on. */
    @FunctionalInterface
    interface Match<T> {
        T find();
    }

    private final Mailbox mailbox;
    private final int size;
    private final int maxPayload;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Whether a thread receives from the mailbox now; guarded by {@link #lock}. */
    private boolean receiving;
    /** Messages for the application, in arrival order; guarded by {@link #lock}. */
    private final ArrayDeque<GroupMessage> messages = new ArrayDeque<>();
    /** The payload bytes in {@link #messages}; guarded by {@link #lock}. */
    private long heldBytes;
    /** Parts of collective operations not yet taken; guarded by {@link #lock}. */
    private final Map<PartKey, GroupEnvelope> parts = new HashMap<>();
    /** Members' aborts of collective operations, by sequence number; guarded by {@link #lock}. */
    private final Map<Long, GroupEnvelope> aborts = new HashMap<>();
    /**
     * Each member's notice that its collective operations broke, by its rank (the latest
     * incarnation's); guarded by {@link #lock}. A notice counts only for a view whose member of that
     * rank is of the notice's incarnation: a newcomer that took the rank over is not the member
     * the notice was about.
     */
    private final Map<Integer, GroupEnvelope> broken = new HashMap<>();
    /** Collective messages of operations below this sequence number are dropped; guarded by {@link #lock}. */
    private long floor;
    /**
     * How many of this member's latest collective operations {@link #startOperation} remembers the
     * kind of, so that a part of one of them dropped because it is over is checked against it.
     */
    static final int HISTORY = 1024;
    /** The sequence numbers and operation codes of the latest operations, at sequence mod {@link #HISTORY}; guarded by {@link #lock}. */
    private final long[] historySequence = new long[HISTORY];
    private final int[] historyOp = new int[HISTORY];
    /** Which parts come from the current view's members (of their incarnation there); guarded by {@link #lock}. */
    private Predicate<GroupEnvelope> fromView = e -> false;
    /** A dropped part of another operation than this member ran under its sequence number, or {@code null}; guarded by {@link #lock}. */
    private Stray stray;

    /** A part of operation {@code part.sequence()} of another kind than {@code ownOp}, which this member ran under that number. */
    record Stray(GroupEnvelope part, int ownOp) {
    }
    /** Messages discarded because they are not messages of this group; guarded by {@link #lock}. */
    private long discarded;

    /**
     * The message the receiving thread just decoded in place; written and read only by the thread
     * that holds the {@link #receiving} turn.
     */
    private GroupEnvelope received;
    /** Why the message the receiving thread just took does not decode; like {@link #received}. */
    private GroupProtocolException malformed;
    /**
     * Decodes a message in the mailbox, where it lies (its payload is copied out once); a message
     * that does not decode is taken out of the mailbox all the same (discarded).
     */
    private final MessageHandler decoder;

    Inbox(Mailbox mailbox, Lane lane, int size, int maxPayload) {
        this.mailbox = mailbox;
        this.size = size;
        this.maxPayload = maxPayload;
        this.decoder = message -> {
            try {
                GroupEnvelope e = GroupEnvelope.decode(message, size, maxPayload);
                if (!lane.carries(e.kind())) {
                    throw new GroupProtocolException("a group message of kind " + e.kind() + " in the inbox for "
                            + (lane == Lane.PARTS ? "collective operations" : "the application's messages"));
                }
                received = e;
            } catch (GroupProtocolException e) {
                malformed = e;
            }
        };
    }

    Mailbox mailbox() {
        return mailbox;
    }

    /**
     * Waits until {@code match} finds something (returned), or the deadline ({@link System#nanoTime()}
     * based, {@link #FOREVER} for none) passes ({@code null}). {@code check} runs about every
     * {@code checkNanos} while waiting and may throw to end the wait. Call {@code match}'s accessors
     * ({@link #nextMessage()}, {@link #part}, {@link #abort}) only from within it.
     *
     * <p>A message this thread takes from the mailbox that is not a message of this group (it does
     * not decode: too short, unknown kind, a sender outside the group, ...) is discarded and counted
     * ({@link #discarded()}); if {@code throwMalformed}, this call then throws, else it goes on
     * waiting. (A receiver of the application's messages is told; a collective operation waits on
     * for its real parts, which such a message cannot be.)
     *
     * <p>Interrupts (docs/architecture.md, "Interrupts and timeouts"): what {@code match} finds, or
     * what the mailbox has now, is returned whatever the interrupt status, which stays set; a call
     * that would wait, or return {@code null} at its deadline, throws {@link InterruptedException}
     * for an interrupted thread and clears the status, also at a deadline that had passed when it
     * came, unless {@code atOnce} (an at-once call, which never looks at the status).
     *
     * @throws GroupProtocolException if {@code throwMalformed} and a malformed message arrived (it is
     *                                discarded)
     */
    <T> T await(Match<T> match, long deadlineNanos, Runnable check, long checkNanos, boolean throwMalformed,
                boolean atOnce) throws InterruptedException {
        long nextCheck = System.nanoTime() + checkNanos;
        lock.lock(); // held only for moments (never while receiving): taken also by an interrupted thread
        try {
            while (true) {
                T found = match.find();
                if (found != null) {
                    return found;
                }
                long now = System.nanoTime();
                if (now - nextCheck >= 0) {
                    check.run();
                    nextCheck = now + checkNanos;
                }
                long remaining = deadlineNanos == FOREVER ? FOREVER : deadlineNanos - now;
                boolean last = remaining <= 0;
                long wait = Math.min(Math.min(SLICE_NANOS, checkNanos), remaining);
                if (receiving) {
                    throwIfInterrupted(atOnce); // another thread receives: this one would wait
                    if (last) {
                        return null;
                    }
                    arrived.awaitNanos(wait);
                    continue;
                }
                receiving = true;
                boolean got;
                lock.unlock();
                try {
                    got = last ? mailbox.poll(decoder) : mailbox.poll(decoder, Duration.ofNanos(wait));
                } finally {
                    lock.lock();
                    receiving = false;
                    arrived.signalAll();
                }
                GroupProtocolException refused = malformed;
                malformed = null;
                if (refused != null) {
                    discard(refused.getMessage());
                    if (throwMalformed) {
                        throw refused;
                    }
                } else if (got) {
                    GroupEnvelope e = received;
                    received = null;
                    sort(e);
                } else if (last) {
                    throwIfInterrupted(atOnce);
                    return null;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Throws for an interrupted thread (clearing its status) unless the call is an at-once one. */
    private static void throwIfInterrupted(boolean atOnce) throws InterruptedException {
        if (!atOnce && Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** Sorts one received message. */
    private void sort(GroupEnvelope e) {
        switch (e.kind()) {
            case GroupEnvelope.DIRECT, GroupEnvelope.BROADCAST -> {
                messages.add(new GroupMessage(e.sender(), e.kind() == GroupEnvelope.BROADCAST, e.payload()));
                heldBytes += e.payload().length;
            }
            case GroupEnvelope.COLLECTIVE -> {
                if (e.sequence() >= floor) {
                    parts.put(new PartKey(e.sequence(), e.step(), e.sender()), e);
                } else {
                    checkStray(e);
                }
            }
            default -> {
                if (e.step() == GroupEnvelope.BROKEN) {
                    broken.merge(e.sender(), e, (old, now) -> now.incarnation() > old.incarnation() ? now : old);
                } else if (e.sequence() >= floor) {
                    aborts.putIfAbsent(e.sequence(), e);
                }
            }
        }
    }

    /** Counts a discarded message; logs the first and then every time the count doubles. Under {@link #lock}. */
    private void discard(String why) {
        discarded++;
        if (Long.bitCount(discarded) == 1) {
            Log.LOGGER.log(System.Logger.Level.WARNING, "group inbox ''{0}'': discarded {1} message(s) so far"
                    + " that are not messages of this group; the last: {2}", mailbox.name(), discarded, why);
        }
    }

    /** How many messages were discarded because they are not messages of this group. */
    long discarded() {
        lock.lock();
        try {
            return discarded;
        } finally {
            lock.unlock();
        }
    }

    /** The logger, created on first use. */
    private static final class Log {
        static final System.Logger LOGGER = System.getLogger("io.jipc.group");
    }

    /** The next message for the application, removed, or {@code null}. Within a match only. */
    GroupMessage nextMessage() {
        GroupMessage m = messages.poll();
        if (m != null) {
            heldBytes -= m.payload().length;
        }
        return m;
    }

    /**
     * The payload bytes of application messages taken from the mailbox and not yet handed to the
     * application (at most one message per receiving thread: nothing else takes them).
     */
    long heldBytes() {
        lock.lock();
        try {
            return heldBytes;
        } finally {
            lock.unlock();
        }
    }

    /** The part {@code key}, removed, or {@code null}. Within a match only. */
    GroupEnvelope part(PartKey key) {
        return parts.remove(key);
    }

    /**
     * Whether a part of operation {@code sequence} from {@code sender} of {@code incarnation} is held
     * (among the messages already taken from the mailbox). Takes the lock: outside a match.
     */
    boolean holdsPartNow(long sequence, int sender, int incarnation) {
        lock.lock();
        try {
            for (GroupEnvelope e : parts.values()) {
                if (e.sequence() == sequence && e.sender() == sender && e.incarnation() == incarnation) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A part of operation {@code sequence} that belongs to another operation than {@code op}, or
     * {@code null}. Within a match only.
     */
    GroupEnvelope otherOperation(long sequence, int op) {
        for (GroupEnvelope e : parts.values()) {
            if (e.sequence() == sequence && e.op() != op) {
                return e;
            }
        }
        return null;
    }

    /**
     * A notice that a member of {@code view} (of its incarnation there) says its collective
     * operations broke, or {@code null}. Within a match only.
     */
    GroupEnvelope brokenNotice(MemberTable.Snapshot[] view) {
        for (GroupEnvelope e : broken.values()) {
            if (e.sender() < view.length && view[e.sender()] != null && view[e.sender()].incarnation() == e.incarnation()) {
                return e;
            }
        }
        return null;
    }

    /** The same, outside a match. */
    GroupEnvelope brokenNoticeNow(MemberTable.Snapshot[] view) {
        lock.lock();
        try {
            return brokenNotice(view);
        } finally {
            lock.unlock();
        }
    }

    /** The notice of {@code sender}'s member of {@code incarnation} that its collective operations broke, or {@code null}. */
    GroupEnvelope brokenNoticeNow(int sender, int incarnation) {
        lock.lock();
        try {
            GroupEnvelope e = broken.get(sender);
            return e != null && e.incarnation() == incarnation ? e : null;
        } finally {
            lock.unlock();
        }
    }

    /** An abort of operation {@code sequence}, or {@code null}. Within a match only. */
    GroupEnvelope abort(long sequence) {
        return aborts.get(sequence);
    }

    /**
     * Starts operation {@code sequence}, of operation code {@code op}, with the view whose members'
     * parts {@code fromView} accepts: what is left of earlier operations is dropped, each part
     * checked as {@link #stray()} says.
     */
    void startOperation(long sequence, int op, Predicate<GroupEnvelope> fromView) {
        lock.lock();
        try {
            floor = sequence;
            this.fromView = fromView;
            int at = (int) (sequence & (HISTORY - 1));
            historySequence[at] = sequence;
            historyOp[at] = op;
            parts.values().removeIf(e -> {
                if (e.sequence() >= sequence) {
                    return false;
                }
                checkStray(e);
                return true;
            });
            aborts.keySet().removeIf(s -> s < sequence);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Operation {@code sequence} was given up (this member's own part failed, or another member's
     * did): parts of another operation under its number are not held against it. Any thread.
     */
    void gaveUp(long sequence) {
        lock.lock();
        try {
            int at = (int) (sequence & (HISTORY - 1));
            if (historySequence[at] == sequence) {
                historyOp[at] = 0;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A part dropped as over: kept as {@link #stray} if this member ran another operation under its number. Under {@link #lock}. */
    private void checkStray(GroupEnvelope e) {
        int at = (int) (e.sequence() & (HISTORY - 1));
        if (stray == null && historySequence[at] == e.sequence() && historyOp[at] != 0 && historyOp[at] != e.op()
                && fromView.test(e)) {
            stray = new Stray(e, historyOp[at]);
        }
    }

    /**
     * A part of an operation that is over, from a view member, whose operation differs from the
     * one this member ran under that sequence number (one of its last {@link #HISTORY}, not given
     * up): the members called different collective operations, each of which only sent to the other
     * (a {@code scatter} against a {@code gather}). Found when the part is taken from the mailbox or
     * dropped as over. Within a match only.
     */
    Stray stray() {
        return stray;
    }

    /** The same, outside a match. */
    Stray strayNow() {
        lock.lock();
        try {
            return stray;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        mailbox.destroy();
        mailbox.close();
    }
}
