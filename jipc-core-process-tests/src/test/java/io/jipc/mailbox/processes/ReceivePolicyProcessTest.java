package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.ReceivePolicy;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Who gets the message?" between real processes: a mailbox found by its unique id, a link of at
 * most two processes, shared receivers where each message goes to one of them and the sender's
 * receipt names which.
 */
class ReceivePolicyProcessTest extends ProcessTestFixture {
    /** Opens the mailbox by its id (hex) and sends the second argument. */
    public static final class SendById {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(Long.parseUnsignedLong(args[0], 16))) {
                mailbox.put(args[1].getBytes(UTF_8));
                say("SENT to " + mailbox.name());
            }
        }
    }

    /** Opens the mailbox (saying BUSY and the holder's pid if refused), then holds it until told to go. */
    public static final class OpenAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                say("OPEN");
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            } catch (MailboxBusyException e) {
                say("BUSY " + e.holderPid());
            }
        }
    }

    /** Takes one message, says TOOK, then stops receiving and holds the mailbox until told to go. */
    public static final class TakeOneAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                say("READY");
                say("TOOK " + new String(mailbox.take(), UTF_8));
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            }
        }
    }

    /** Takes a delivery, says GOT, then holds it without acknowledging until told (or killed). */
    public static final class TakeDeliveryAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                io.jipc.mailbox.Delivery delivery = mailbox.takeDelivery();
                say("GOT " + new String(delivery.payload(), UTF_8));
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
                delivery.ack();
                say("ACKED");
            }
        }
    }

    /** Takes one message into a handler that says HANDLING and returns only when told to go. */
    public static final class HandleOneAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                mailbox.take(message -> {
                    say("HANDLING " + new String(message.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), UTF_8));
                    try {
                        new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                say("HANDLED");
            }
        }
    }

    @Test
    void aDeliveryHeldByAReceiverKilledBeforeItsAckGoesToTheNextReceiver() throws Exception {
        for (boolean headers : new boolean[] {false, true}) {
            Mailbox mailbox = create(MailboxOptions.builder().headers(headers));
            mailbox.put("first".getBytes(UTF_8));
            mailbox.put("second".getBytes(UTF_8));
            try (ChildJvm dying = start(TakeDeliveryAndHold.class, mailbox.name())) {
                assertEquals("GOT first", dying.awaitLine("GOT", CHILD));
                dying.kill();
            }
            try (ChildJvm next = start(TakeDeliveryAndHold.class, mailbox.name())) {
                assertEquals("GOT first", next.awaitLine("GOT", CHILD), "redelivered: nothing lost");
                proceed(next);
                next.awaitLine("ACKED", CHILD);
                next.assertSuccess(CHILD);
            }
            assertEquals("second", new String(mailbox.poll(), UTF_8), "the acknowledged one is gone");
            assertNull(mailbox.poll());
        }
    }

    @Test
    void anotherProcessOpensAMailboxByItsIdAlone() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder());
        try (ChildJvm sender = start(SendById.class, Long.toHexString(mailbox.id()), "by id")) {
            assertEquals("SENT to " + mailbox.name(), sender.awaitLine("SENT", CHILD));
            sender.assertSuccess(CHILD);
        }
        assertEquals("by id", new String(mailbox.poll(), UTF_8));
        try (Mailbox again = Mailbox.open(mailbox.id())) {
            assertEquals(mailbox.name(), again.name());
        }
        assertThrows(MailboxNotFoundException.class, () -> Mailbox.open(mailbox.id() ^ 1));
        mailbox.destroy();
        assertThrows(MailboxNotFoundException.class, () -> Mailbox.open(mailbox.id()), "destroyed: gone by id too");
    }

    @Test
    void aLinkJoinsAtMostTwoProcessesAndAPlaceFreesWhenAPartyLeaves() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().receivePolicy(ReceivePolicy.LINK));
        try (ChildJvm second = start(OpenAndHold.class, mailbox.name())) {
            second.awaitLine("OPEN", CHILD);
            try (ChildJvm third = start(OpenAndHold.class, mailbox.name())) {
                String busy = third.awaitLine("BUSY", CHILD);
                assertTrue(busy.equals("BUSY " + ProcessIdentity.current().pid()) || busy.equals("BUSY " + second.pid()),
                        busy);
                third.assertSuccess(CHILD);
            }
            second.kill(); // a dead party's place is taken over
            try (ChildJvm third = start(OpenAndHold.class, mailbox.name())) {
                third.awaitLine("OPEN", CHILD);
                proceed(third);
                third.assertSuccess(CHILD);
            }
        }
    }

    @Test
    void sharedReceiversEachGetTheirOwnMessagesAndTheReceiptNamesWhich() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().headers(true).receivePolicy(ReceivePolicy.SHARED));
        try (ChildJvm first = start(TakeOneAndHold.class, mailbox.name());
             ChildJvm second = start(TakeOneAndHold.class, mailbox.name())) {
            first.awaitLine("READY", CHILD);
            second.awaitLine("READY", CHILD);
            // both block in take() at once: with an exclusive policy the second would be refused
            ProcessIdentity a = mailbox.transfer("a".getBytes(UTF_8));
            ProcessIdentity b = mailbox.transfer("b".getBytes(UTF_8));
            assertEquals(Set.of(first.pid(), second.pid()), Set.of(a.pid(), b.pid()),
                    "each receiver took one message (the one that took 'a' stopped receiving)");
            ChildJvm tookA = a.pid() == first.pid() ? first : second;
            ChildJvm tookB = tookA == first ? second : first;
            assertEquals("TOOK a", tookA.awaitLine("TOOK", CHILD));
            assertEquals("TOOK b", tookB.awaitLine("TOOK", CHILD));
            assertNull(mailbox.tryTransfer("c".getBytes(UTF_8), Duration.ofMillis(50)), "nobody receives now");
            proceed(first);
            proceed(second);
            first.assertSuccess(CHILD);
            second.assertSuccess(CHILD);
        }
        assertNull(mailbox.poll(), "the withdrawn transfer left nothing");
        assertEquals(2, mailbox.receivedCount());
    }

    @Test
    void aSharedReceiverWhoseHandlerHoldsTheLockDoesNotHoldOthersPastTheirTimeoutOrAnInterrupt() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().receivePolicy(ReceivePolicy.SHARED));
        mailbox.put("first".getBytes(UTF_8));
        mailbox.put("second".getBytes(UTF_8));
        try (ChildJvm holder = start(HandleOneAndHold.class, mailbox.name())) {
            // the child's handler runs inside its receive, holding the receive lock of the shared receivers
            assertEquals("HANDLING first", holder.awaitLine("HANDLING", CHILD));
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
            try {
                // before the fix these waited until the child's handler returned: for ever here
                assertNull(threads.submit(() -> mailbox.poll(Duration.ofMillis(20))).get(CHILD.toSeconds(), TimeUnit.SECONDS),
                        "a timed receive gives up at its timeout");
                java.util.concurrent.Future<byte[]> take = threads.submit((java.util.concurrent.Callable<byte[]>) mailbox::take);
                Thread.sleep(50);
                take.cancel(true); // interrupts it
                threads.shutdown();
                assertTrue(threads.awaitTermination(CHILD.toSeconds(), TimeUnit.SECONDS), "take() ended on the interrupt");
            } finally {
                threads.shutdownNow();
                proceed(holder);
            }
            holder.awaitLine("HANDLED", CHILD);
            holder.assertSuccess(CHILD);
        }
        assertEquals("second", new String(mailbox.poll(CHILD), UTF_8));
        assertNull(mailbox.poll());
    }

    /**
     * A selector's look at a shared-receivers mailbox does not wait for the receive lock another
     * process holds (its handler runs): not ready for that round. Once that process is killed, the
     * look takes over the dead holder's lock before it gives up, so the message is selected; it
     * gave up before the periodic liveness check (every 1024 spins) and reported the mailbox busy
     * for ever.
     */
    @Test
    void aSelectorLooksPastASharedReceiverHoldingTheLockAndSeesItsDeath() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().receivePolicy(ReceivePolicy.SHARED));
        mailbox.put("first".getBytes(UTF_8));
        mailbox.put("second".getBytes(UTF_8));
        try (ChildJvm holder = start(HandleOneAndHold.class, mailbox.name());
             io.jipc.mailbox.MailboxSelector selector = io.jipc.mailbox.MailboxSelector.open().register(mailbox)) {
            assertEquals("HANDLING first", holder.awaitLine("HANDLING", CHILD));
            assertEquals(List.of(), selector.select(Duration.ofMillis(20)), "busy: the other process holds the lock");
            holder.kill();
            assertEquals(List.of(mailbox), selector.select(CHILD), "the dead holder's lock is taken over");
        }
        assertEquals("first", new String(mailbox.poll(), UTF_8), "the killed receiver's unfinished batch comes again");
        assertEquals("second", new String(mailbox.poll(), UTF_8));
        assertNull(mailbox.poll());
    }

    @Test
    void aListenerIsRefusedAtOnceWhileAnotherProcessIsTheReceiver() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder());
        try (ChildJvm receiver = start(TakeOneAndHold.class, mailbox.name())) {
            receiver.awaitLine("READY", CHILD);
            mailbox.put("x".getBytes(UTF_8));
            assertEquals("TOOK x", receiver.awaitLine("TOOK", CHILD));
            // before, listen() returned a listener that had stopped at once, the busy role in failure()
            MailboxBusyException busy = assertThrows(MailboxBusyException.class, () -> mailbox.listen(message -> { }));
            assertEquals(receiver.pid(), busy.holderPid());
            proceed(receiver);
            receiver.assertSuccess(CHILD);
        }
        try (io.jipc.mailbox.MailboxListener listener = mailbox.listen(message -> { })) {
            assertTrue(listener.isRunning(), "the receiver is gone: the role is free");
        }
    }
}
