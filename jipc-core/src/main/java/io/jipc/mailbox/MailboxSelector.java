package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.Selectable;
import io.jipc.Timeouts;
import io.jipc.platform.FutexVector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Waits until any of several mailboxes has a message: "wait until any of these is ready", with a
 * timeout, without spinning. The thread that selects receives afterwards ({@link Mailbox#poll()}
 * etc. on the mailboxes returned), so this process must be (or become) their receiver.
 *
 * <h2>How it waits</h2>
 * Every mailbox has a doorbell: the futex word its senders move after a commit when a receiver
 * announced itself. The selector announces itself on each registered mailbox's doorbell, checks
 * them all once more, and sleeps on all the doorbells at once with {@code futex_waitv(2)}
 * ({@link FutexVector}): the first commit to any of them wakes it. No word of the selector's own is
 * needed, so senders are unchanged, and any channel whose publishers ring a futex word on commit
 * can take part ({@link Waitable}).
 *
 * <h2>A receiving role held by another thread</h2>
 * Readiness is checked in this process's receiving role, without waiting for it: while another
 * thread holds it (a {@link MessageHandler} running inside a receive, a {@linkplain
 * Mailbox#bindReceiver() binding}, a {@link MailboxListener}'s handler; with shared receivers, also
 * another process's receive) the mailbox is not ready for that round ({@link
 * Selectable.Doorbell.Look#BUSY}; {@link #selectNow()} leaves it out). Nothing rings when the holder
 * lets go, so while a mailbox is busy the selector looks again in steps that double from 50 µs to
 * 1 ms. So {@link #select(Duration)} returns by its timeout and {@link #select()} ends on an
 * interrupt, whoever holds a role.
 *
 * <p>A mailbox whose receiver is another live process (the {@linkplain ReceivePolicy receive
 * policy} allows one) is not ready for this process, and no select throws for it ({@link
 * MailboxBusyException} is for receives): the other mailboxes are reported as usual. Nothing rings
 * when that process dies or closes its last handle, so the selector looks again by the mailbox's
 * {@linkplain MailboxOptions#deadSenderTimeout() dead-sender timeout} (100 ms by default), and
 * the look after that takes the role over.
 *
 * <h2>Mailboxes that never ring</h2>
 * The senders of a mailbox whose {@link Mailbox#waitStrategy()} never sleeps ({@code SPIN},
 * {@code YIELD}) commit without ringing its doorbell, since its receivers never sleep ({@link
 * Selectable.Doorbell#rings()} is false). While such a
 * mailbox is registered the selector sleeps in the same steps (50 µs doubling to 1 ms, from the
 * last message), so it sees their messages within about a millisecond. (Until 2026-12-05 every
 * sleep of a select ended after 50 ms, which hid this; a virtual thread's select then waited for
 * its timeout.)
 *
 * <h2>A sender that dies mid-send</h2>
 * A sender killed between claim and commit leaves its unfinished record at the head of the
 * mailbox; messages committed behind it ring the doorbell, but a look counts them only once the
 * receiver may skip the dead claim, after the mailbox's {@linkplain MailboxOptions#deadSenderTimeout()
 * dead-sender timeout}, and nothing rings when that passes. So a look that finds a claim pending
 * at the head makes the selector sleep no longer than that timeout ({@link
 * Selectable.Doorbell#lookAgainBy()}), as a blocked {@link Mailbox#take()} does, and a message
 * behind a dead sender's claim is selected within about the timeout. (Until 2026-12-05 a virtual
 * thread's select slept on until another message or its own timeout.)
 *
 * <h2>Rendezvous mailboxes</h2>
 * A thread waiting in {@link #select} is not a receiver blocked in a receive: an at-once {@link
 * Mailbox#offer(byte[])} to a rendezvous mailbox ({@link MailboxOptions.Builder#messageLimit
 * messageLimit(0)}) returns false while its receiver selects. Such a receiver gets timed and
 * blocking sends ({@link Mailbox#offer(byte[], Duration)}, {@link Mailbox#put(byte[])}, {@link
 * Mailbox#transfer(byte[])}): the message waits in the mailbox, its commit wakes the select, and
 * the receive made after the select takes it, ending the send. A select is not counted as waiting
 * because the receive comes only when the application makes it: an at-once offer would then wait
 * for the application, which it never does, or race that receive and fail or succeed by timing.
 * The same holds for {@code io.jipc.select.Selector}, which waits on the same doorbell.
 *
 * <p>A mailbox whose handle was closed while registered is dropped at the next select (or
 * register), as {@code io.jipc.select.Selector} drops closed channels.
 *
 * <p>Not thread-safe: one thread selects at a time. Up to {@value FutexVector#MAX_WORDS} mailboxes.
 * Needs Linux 5.16 or later ({@code futex_waitv}).
 */
public final class MailboxSelector implements AutoCloseable {
    /**
     * Something a selector can wait for: a channel with a futex word that its publishers move
     * when they make it ready (after the waiter announced itself), and a readiness check.
     */
    public interface Waitable extends Selectable.Doorbell {
    }

    /** The first step of looking again at a busy mailbox; the steps double up to {@link #MAX_RECHECK_NANOS}. */
    private static final long RECHECK_NANOS = 50_000;
    private static final long MAX_RECHECK_NANOS = 1_000_000;

    private final Set<Mailbox> mailboxes = new LinkedHashSet<>();
    private boolean closed;
    /** Whether the last look found a mailbox {@linkplain Selectable.Doorbell.Look#BUSY busy}. */
    private boolean sawBusy;
    /** The earliest {@link Selectable.Doorbell#lookAgainBy()} of the last look's mailboxes that were not ready. */
    private long lookAgainBy;

    private MailboxSelector() {
    }

    /** A selector with no mailboxes. */
    public static MailboxSelector open() {
        return new MailboxSelector();
    }

    /** Adds a mailbox to wait for. */
    public MailboxSelector register(Mailbox mailbox) {
        Objects.requireNonNull(mailbox, "mailbox");
        checkOpen();
        mailboxes.removeIf(Mailbox::isClosed);
        if (mailbox.isClosed()) {
            throw new ClosedException("mailbox '" + mailbox.name() + "' is closed");
        }
        if (mailboxes.size() == FutexVector.MAX_WORDS && !mailboxes.contains(mailbox)) {
            throw new IllegalStateException("a selector waits for at most " + FutexVector.MAX_WORDS + " mailboxes");
        }
        mailboxes.add(mailbox);
        return this;
    }

    /** Stops waiting for a mailbox. */
    public void unregister(Mailbox mailbox) {
        mailboxes.remove(mailbox);
    }

    /**
     * The mailboxes with a message now (possibly none); closed ones are dropped. Does not wait for
     * another thread that holds a mailbox's receiving role: that mailbox is left out.
     */
    public List<Mailbox> selectNow() {
        checkOpen();
        sawBusy = false;
        lookAgainBy = Long.MAX_VALUE;
        List<Mailbox> ready = new ArrayList<>();
        for (var each = mailboxes.iterator(); each.hasNext(); ) {
            Mailbox mailbox = each.next();
            try {
                if (!mailbox.isClosed()) {
                    Waitable waitable = mailbox.waitable();
                    switch (waitable.look()) {
                        case READY -> {
                            ready.add(mailbox);
                            continue;
                        }
                        case BUSY -> sawBusy = true;
                        case NOT_READY -> lookAgainBy = earlier(lookAgainBy, waitable.lookAgainBy());
                    }
                }
            } catch (ClosedException closedMeanwhile) {
                // dropped below
            }
            if (mailbox.isClosed()) {
                each.remove();
            }
        }
        return ready;
    }

    /**
     * Waits at most {@code timeout} until at least one mailbox has a message; returns those that
     * have one (empty if the timeout passed). Returns by the timeout also while another thread holds
     * a mailbox's receiving role (see the class comment). An interrupted thread gets the mailboxes
     * that have a message now and keeps its status.
     *
     * @throws InterruptedException  if interrupted before or while waiting, or at the timeout (also a
     *                               zero or negative one), with no mailbox ready
     * @throws IllegalStateException if no mailbox is registered (or every one was closed)
     */
    public List<Mailbox> select(Duration timeout) throws InterruptedException {
        long nanos = Timeouts.nanos(timeout);
        long deadline = System.nanoTime() + nanos;
        if (deadline == Long.MAX_VALUE) {
            deadline--;
        }
        return selectUntil(deadline);
    }

    /**
     * Waits as long as needed until at least one mailbox has a message; returns those that have one.
     * An interrupted thread gets the mailboxes that have a message now and keeps its status.
     *
     * @throws InterruptedException  if interrupted before or while waiting (also while another
     *                               thread holds a mailbox's receiving role)
     * @throws IllegalStateException if no mailbox is registered (or every one was closed)
     */
    public List<Mailbox> select() throws InterruptedException {
        return selectUntil(Long.MAX_VALUE);
    }

    private List<Mailbox> selectUntil(long deadline) throws InterruptedException {
        long recheck = RECHECK_NANOS;
        while (true) {
            List<Mailbox> ready = selectNow();
            if (!ready.isEmpty()) {
                return ready;
            }
            if (mailboxes.isEmpty()) {
                throw new IllegalStateException("no mailbox registered (a closed one is dropped)");
            }
            if (Thread.interrupted()) {
                throw new InterruptedException(); // nothing ready: also at the deadline, or a zero timeout
            }
            if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) {
                return ready;
            }
            long[] addresses = new long[mailboxes.size()];
            int[] expected = new int[addresses.length];
            int i = 0;
            boolean silent = false; // a mailbox whose senders never ring
            try {
                for (Mailbox mailbox : mailboxes) {
                    Waitable waitable = mailbox.waitable();
                    silent |= !waitable.rings();
                    expected[i] = waitable.prepareWait();
                    addresses[i++] = waitable.waitAddress();
                }
            } catch (ClosedException closedMeanwhile) {
                continue; // dropped by the next look
            }
            ready = selectNow(); // re-check after announcing: a commit before it is seen here
            if (!ready.isEmpty()) {
                return ready;
            }
            long sleepUntil = earlier(deadline, lookAgainBy); // a dead sender's claim is skipped by a look
            if (sawBusy || silent) { // nothing rings when the holder lets go, or ever: look again soon
                long lookAgain = System.nanoTime() + recheck;
                sleepUntil = earlier(sleepUntil, lookAgain);
                recheck = Math.min(recheck * 2, MAX_RECHECK_NANOS);
            } else {
                recheck = RECHECK_NANOS;
            }
            FutexVector.await(addresses, expected, sleepUntil);
        }
    }

    /** The earlier of two {@link System#nanoTime()} instants, {@link Long#MAX_VALUE} meaning none. */
    private static long earlier(long a, long b) {
        return a == Long.MAX_VALUE || b != Long.MAX_VALUE && b - a < 0 ? b : a;
    }

    /** Forgets the mailboxes (they stay open). */
    @Override
    public void close() {
        closed = true;
        mailboxes.clear();
    }

    private void checkOpen() {
        if (closed) {
            throw new ClosedException("selector is closed");
        }
    }

    /** The registered mailboxes' names, or that the selector is closed, e.g. {@code MailboxSelector[orders, audit]}. */
    @Override
    public String toString() {
        if (closed) {
            return "MailboxSelector[closed]";
        }
        StringBuilder names = new StringBuilder("MailboxSelector[");
        for (Mailbox mailbox : mailboxes) {
            names.append(names.length() > 16 ? ", " : "").append(mailbox.name());
        }
        return names.append(']').toString();
    }
}
