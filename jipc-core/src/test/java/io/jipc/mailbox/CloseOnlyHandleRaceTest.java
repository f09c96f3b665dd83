package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Mailbox#close()} of the process's only handle of a mailbox, racing a call of another
 * thread on that handle that is entering or blocked: the close unmaps the mailbox, and the call
 * must end with {@link ClosedException} (as the javadoc of close() promises), never with the
 * {@link IllegalStateException} of a read of the unmapped memory. The first call of a handle takes
 * the receiver (or single-sender) lease, reading the ring: the window that a random pause before
 * the close hits now and then.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS) // hang guard; each call has its own (Async)
class CloseOnlyHandleRaceTest {
    private static final int ROUNDS = 2000;
    private static final AtomicInteger NAMES = new AtomicInteger();

    @FunctionalInterface
    private interface Call {
        Object on(Mailbox mailbox) throws Exception;
    }

    @Test
    void aTakeRacingTheCloseOfTheOnlyHandleEndsWithClosedException() throws Exception {
        race(MailboxOptions.builder(), Mailbox::take, false);
    }

    @Test
    void aTakeOfASharedReceiverRacingTheCloseEndsWithClosedException() throws Exception {
        race(MailboxOptions.builder().receivePolicy(ReceivePolicy.SHARED), Mailbox::take, false);
    }

    @Test
    void aTakeWithHeadersRacingTheCloseEndsWithClosedException() throws Exception {
        race(MailboxOptions.builder().priorities(4), Mailbox::takeMessage, false);
    }

    @Test
    void theFirstSendOfASingleSenderRacingTheCloseSendsOrEndsWithClosedException() throws Exception {
        race(MailboxOptions.builder().singleSender(true), mailbox -> {
            mailbox.put(new byte[16]);
            return null;
        }, true);
    }

    @Test
    void theFirstSendOfASingleSenderWithPrioritiesRacingTheCloseSendsOrEndsWithClosedException()
            throws Exception {
        race(MailboxOptions.builder().singleSender(true).priorities(4), mailbox -> {
            mailbox.put(new byte[16], 3);
            return null;
        }, true);
    }

    /**
     * Deterministic: a take blocked on a rendezvous mailbox marks the header (a receiver waits), and
     * must end with ClosedException when the only handle is closed, its mark gone: an at-once offer
     * made afterwards returns false instead of waiting for that receive.
     */
    @Test
    void aBlockedRendezvousTakeEndsWithClosedExceptionWhenTheOnlyHandleIsClosed() throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            String name = newName();
            try {
                Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().messageLimit(0).build());
                Async<byte[]> taker = Async.start(kind, "rendezvous-take", mailbox::take).assertBlocked();
                mailbox.close();
                taker.failure(ClosedException.class);
                try (Mailbox again = Mailbox.open(name)) {
                    assertFalse(Async.callOn(kind, () -> again.offer(new byte[8])), "no receiver waits");
                }
            } finally {
                Mailbox.destroy(name);
            }
        }
    }

    /**
     * {@link #ROUNDS} times: creates a mailbox (the process's only handle), starts {@code call} on it
     * in another thread, closes the handle after a random pause of up to 200 µs, and records how the
     * call ended: {@link ClosedException}, or (with {@code mayReturn}) a normal return.
     */
    private static void race(MailboxOptions.Builder options, Call call, boolean mayReturn) throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        Throwable firstWrong = null;
        for (int i = 0; i < ROUNDS; i++) {
            String name = newName();
            try {
                Mailbox mailbox = Mailbox.create(name, options.build());
                Async<Object> caller = Async.start(i % 4 == 3 ? Async.Kind.VIRTUAL : Async.Kind.PLATFORM,
                        "call-" + i, () -> call.on(mailbox));
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(200_000));
                mailbox.close();
                Throwable failure = failureOf(caller);
                String outcome = failure == null ? "returned" : failure.getClass().getName();
                outcomes.merge(outcome, 1, Integer::sum);
                boolean right = failure == null ? mayReturn : failure instanceof ClosedException;
                if (!right && firstWrong == null) {
                    firstWrong = failure != null ? failure : new AssertionError("returned");
                }
            } finally {
                Mailbox.destroy(name);
            }
        }
        if (firstWrong != null) {
            fail("outcomes of " + ROUNDS + " rounds: " + outcomes, firstWrong);
        }
        assertTrue(outcomes.containsKey(ClosedException.class.getName()), () -> "no close was seen: " + outcomes);
    }

    /** The call's exception, or null if it returned. */
    private static Throwable failureOf(Async<Object> caller) throws InterruptedException {
        try {
            caller.get();
            return null;
        } catch (AssertionError e) {
            if (e.getCause() == null) {
                throw e; // did not finish: the hang guard
            }
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String newName() {
        return "close-race-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }
}
