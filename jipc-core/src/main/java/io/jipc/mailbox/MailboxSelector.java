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

    private final Set<Mailbox> mailboxes = new LinkedHashSet<>();
    private boolean closed;

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

    /** The mailboxes with a message now (possibly none); closed ones are dropped. */
    public List<Mailbox> selectNow() {
        checkOpen();
        List<Mailbox> ready = new ArrayList<>();
        for (var each = mailboxes.iterator(); each.hasNext(); ) {
            Mailbox mailbox = each.next();
            try {
                if (!mailbox.isClosed() && mailbox.waitable().isReady()) {
                    ready.add(mailbox);
                    continue;
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
     * have one (empty if the timeout passed).
     *
     * @throws InterruptedException  if interrupted while waiting
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

    /** Waits as long as needed until at least one mailbox has a message; returns those that have one. */
    public List<Mailbox> select() throws InterruptedException {
        return selectUntil(Long.MAX_VALUE);
    }

    private List<Mailbox> selectUntil(long deadline) throws InterruptedException {
        while (true) {
            List<Mailbox> ready = selectNow();
            if (!ready.isEmpty()) {
                return ready;
            }
            if (mailboxes.isEmpty()) {
                throw new IllegalStateException("no mailbox registered (a closed one is dropped)");
            }
            if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) {
                return ready;
            }
            long[] addresses = new long[mailboxes.size()];
            int[] expected = new int[addresses.length];
            int i = 0;
            try {
                for (Mailbox mailbox : mailboxes) {
                    Waitable waitable = mailbox.waitable();
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
            FutexVector.await(addresses, expected, deadline);
        }
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
}
