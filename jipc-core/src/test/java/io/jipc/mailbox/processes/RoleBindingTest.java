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

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
}
