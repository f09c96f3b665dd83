package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxClaim;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.RoleBinding;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread that binds the sending role of a single-sender mailbox sends alone until it unbinds;
 * one that binds the receiving role receives alone.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class RoleBindingTest {
    @AfterEach
    void destroy() {
        Mailbox.destroy("bound");
    }

    @Test
    void theBoundThreadSendsAndOtherThreadsWaitUntilItUnbinds() throws Exception {
        try (Mailbox mailbox = Mailbox.create("bound", MailboxOptions.builder().singleSender(true).build())) {
            RoleBinding binding = mailbox.bindSender();
            assertTrue(mailbox.offer(new byte[] {1}));
            try (MailboxClaim claim = mailbox.tryClaim(1)) {
                claim.segment().fill((byte) 2);
                claim.commit(); // a claim under a binding leaves the binding in place
            }
            mailbox.put(new byte[] {3});
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> mailbox.offer(new byte[] {4}));
            Thread.sleep(100);
            assertFalse(other.isDone(), "another thread sent while the role was bound");
            binding.close();
            assertTrue(other.get(1, TimeUnit.MINUTES));
            for (byte expected = 1; expected <= 4; expected++) {
                assertArrayEquals(new byte[] {expected}, mailbox.poll());
            }
        }
    }

    @Test
    void aBindingIsClosedByItsThreadAndCannotBeTakenTwice() throws Exception {
        try (Mailbox mailbox = Mailbox.create("bound", MailboxOptions.builder().singleSender(true).build())) {
            RoleBinding binding = mailbox.bindSender();
            assertEquals(Thread.currentThread(), binding.thread());
            assertThrows(IllegalStateException.class, mailbox::bindSender);
            CompletableFuture<Throwable> wrongThread = CompletableFuture.supplyAsync(() -> {
                try {
                    binding.close();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertTrue(wrongThread.get(1, TimeUnit.MINUTES) instanceof WrongThreadException);
            binding.close();
            binding.close(); // idempotent
            try (RoleBinding again = mailbox.bindSender()) {
                assertTrue(mailbox.offer(new byte[1]));
            }
        }
    }

    @Test
    void onAManySenderMailboxABindingChangesNothing() throws Exception {
        try (Mailbox mailbox = Mailbox.create("bound", MailboxOptions.defaults());
             RoleBinding binding = mailbox.bindSender()) {
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> mailbox.offer(new byte[] {9}));
            assertTrue(other.get(1, TimeUnit.MINUTES));
            assertTrue(mailbox.offer(new byte[] {8}));
            assertArrayEquals(new byte[] {9}, mailbox.poll());
        }
    }

    @Test
    void theBoundReceiverReceivesAndOtherThreadsWaitUntilItUnbinds() throws Exception {
        try (Mailbox mailbox = Mailbox.create("bound", MailboxOptions.defaults())) {
            mailbox.put(new byte[] {1});
            mailbox.put(new byte[] {2});
            RoleBinding binding = mailbox.bindReceiver();
            assertThrows(IllegalStateException.class, mailbox::bindReceiver);
            assertArrayEquals(new byte[] {1}, mailbox.poll());
            CompletableFuture<byte[]> other = CompletableFuture.supplyAsync(mailbox::poll);
            Thread.sleep(100);
            assertFalse(other.isDone(), "another thread received while the role was bound");
            binding.close();
            assertArrayEquals(new byte[] {2}, other.get(1, TimeUnit.MINUTES));
        }
    }

    @Test
    void aHandlerOfABoundReceiverMayNotReceiveFromItsMailbox() throws Exception {
        try (Mailbox mailbox = Mailbox.create("bound", MailboxOptions.defaults());
             RoleBinding binding = mailbox.bindReceiver()) {
            mailbox.put(new byte[] {1});
            mailbox.put(new byte[] {2});
            assertThrows(IllegalStateException.class, () -> mailbox.poll(m -> mailbox.poll()));
            assertArrayEquals(new byte[] {2}, mailbox.poll(), "the first message counts as received");
        }
    }

    /**
     * A closed binding leaves nothing behind in its handle: while another thread holds the role
     * (bound through another handle of the process), the first thread's sends and in-place receives
     * through the first handle wait for it. This guards any caching of a binding on a handle for
     * the bound thread's fast path.
     */
    @Test
    void aThreadWhoseBindingWasClosedWaitsWhileAnotherThreadHoldsTheRole() throws Exception {
        try (Mailbox mailbox = Mailbox.create("bound", MailboxOptions.builder().singleSender(true).build());
             Mailbox otherHandle = Mailbox.open("bound")) {
            try (RoleBinding sending = mailbox.bindSender(); RoleBinding receiving = mailbox.bindReceiver()) {
                mailbox.put(new byte[] {1});
                assertArrayEquals(new byte[] {1}, take(mailbox));
            }
            assertWaitsWhileHeld(() -> List.of(otherHandle.bindSender(), otherHandle.bindReceiver()),
                    () -> mailbox.put(MemorySegment.ofArray(new byte[] {2})), "a send");
            assertWaitsWhileHeld(() -> List.of(otherHandle.bindReceiver()),
                    () -> assertArrayEquals(new byte[] {2}, take(mailbox)), "a receive");
        }
    }

    /**
     * A bind that waits for another thread's binding ends on an interrupt (a MailboxException caused
     * by InterruptedException, the status kept) and on the close of its handle (ClosedException),
     * binding nothing. Until 2026-12-07 it ignored both, waited until the other binding was closed
     * and then returned a binding of the closed handle (core63 explorer).
     */
    @Test
    void aBindWaitingForAnotherThreadsBindingEndsOnAnInterruptOrTheClose() throws Exception {
        try (Mailbox mailbox = Mailbox.create("bound", MailboxOptions.builder().singleSender(true).build())) {
            for (boolean sending : new boolean[] {true, false}) {
                Mailbox handle = Mailbox.open("bound");
                java.util.function.Function<Mailbox, RoleBinding> bind = sending ? Mailbox::bindSender
                        : Mailbox::bindReceiver;
                CompletableFuture<Void> bound = new CompletableFuture<>();
                CompletableFuture<Void> release = new CompletableFuture<>();
                Thread holder = Thread.ofPlatform().start(() -> {
                    try (RoleBinding binding = bind.apply(mailbox)) {
                        bound.complete(null);
                        release.join();
                    } catch (RuntimeException e) {
                        bound.completeExceptionally(e);
                    }
                });
                bound.get(1, TimeUnit.MINUTES);
                try {
                    CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
                    Thread waiter = startBind(() -> bind.apply(handle), interrupted);
                    Thread.sleep(100); // usually waiting by now; an interrupt before the call is the same case
                    waiter.interrupt();
                    Throwable e = interrupted.get(30, TimeUnit.SECONDS); // a hang guard
                    assertTrue(e instanceof io.jipc.mailbox.MailboxException
                            && e.getCause() instanceof InterruptedException, String.valueOf(e));
                    assertTrue(e.getMessage().contains("nothing bound"), e.getMessage());

                    CompletableFuture<Throwable> closed = new CompletableFuture<>();
                    startBind(() -> bind.apply(handle), closed);
                    Thread.sleep(100); // usually waiting by now; a bind after the close is the same case
                    handle.close();
                    Throwable c = closed.get(30, TimeUnit.SECONDS);
                    assertTrue(c instanceof io.jipc.ClosedException, String.valueOf(c));
                } finally {
                    handle.close();
                    release.complete(null);
                    holder.join();
                }
            }
        }
    }

    /**
     * Calls {@code bind} on a new thread, which completes {@code ended} with what ended it: a bind
     * that succeeds is closed and reported as an AssertionError, and so is an interrupt status
     * cleared by an exception that says the bind was interrupted.
     */
    private static Thread startBind(Supplier<RoleBinding> bind, CompletableFuture<Throwable> ended) {
        return Thread.ofPlatform().start(() -> {
            try (RoleBinding binding = bind.get()) {
                ended.complete(new AssertionError("bound while another thread held the role"));
            } catch (Throwable t) {
                boolean interruptedKept = !(t.getCause() instanceof InterruptedException)
                        || Thread.currentThread().isInterrupted();
                ended.complete(interruptedKept ? t : new AssertionError("the interrupt status was cleared", t));
            }
        });
    }

    /** A call that may block. */
    private interface Call {
        void run() throws Exception;
    }

    /**
     * Runs {@code call} while another thread holds the bindings that {@code bind} makes, and checks
     * that it returned only after that thread was told, 200 ms later, to close them.
     */
    private static void assertWaitsWhileHeld(Supplier<List<RoleBinding>> bind, Call call, String what)
            throws Exception {
        CompletableFuture<Void> bound = new CompletableFuture<>();
        CompletableFuture<Void> release = new CompletableFuture<>();
        Thread holder = Thread.ofPlatform().start(() -> {
            try {
                List<RoleBinding> bindings = bind.get();
                bound.complete(null);
                release.join();
                bindings.reversed().forEach(RoleBinding::close);
            } catch (RuntimeException e) {
                bound.completeExceptionally(e);
            }
        });
        bound.get(1, TimeUnit.MINUTES);
        AtomicBoolean released = new AtomicBoolean();
        Thread releaser = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            released.set(true);
            release.complete(null);
        });
        call.run();
        assertTrue(released.get(), what + " passed the role while another thread held it");
        holder.join();
        releaser.join();
    }

    /** Takes one message in place ({@code take(MessageHandler)}, the path a bound receiver polls on). */
    private static byte[] take(Mailbox mailbox) throws InterruptedException {
        byte[][] received = new byte[1][];
        mailbox.take(message -> received[0] = message.toArray(ValueLayout.JAVA_BYTE));
        return received[0];
    }
}
