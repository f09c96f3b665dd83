package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.ReceivePolicy;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Senders killed with SIGKILL at random points, and at the exact points of the claim/commit
 * protocol (through the rings' test-only fault points), never make the mailbox lose, duplicate or
 * reorder a committed message, and never wedge it: the receiver skips the dead senders' claims.
 *
 * <p>The number of kills is {@code -Djipc.test.kills} (200 by default; raise it for a longer run)
 * for the main test, and an eighth of that (at least 20) for each of the three variants (one
 * sender; priorities; an exact limit), which run the same protocol through other ring layouts:
 * 275 kills in a default build. Later tests stop a sender where it wakes a sleeping receiver, and
 * a receiver where it wakes a sender asleep for room (or for the take of a rendezvous message).
 * Each sender records in a progress file the sequence of its last committed message; after the
 * kill, the receiver must have received exactly the messages 0..n of that sender with
 * {@code progress <= n <= progress + 1} (one message may be committed but not yet recorded).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MailboxCrashTest {
    private static final int KILLS = Integer.getInteger("jipc.test.kills", 200);
    private static final int VARIANT_KILLS = Math.max(20, KILLS / 8);
    private static final int MAX_BODY = 200;
    private static final String FAULTS_MANY = "after-tail-move:0.0005,before-commit:0.0005";
    private static final String FAULTS_SINGLE = "before-commit:0.0005,after-commit:0.0005";
    private static final Duration PATIENCE = Duration.ofMinutes(2);


    @Test
    void manySendersKilledAtRandomAndAtProtocolPointsNeverLoseDuplicateOrWedge() throws Exception {
        runCrashes("crash-many", false, 4, KILLS, FAULTS_MANY);
    }

    @Test
    void aSingleSenderKilledAgainAndAgainHandsOverWithoutLoss() throws Exception {
        runCrashes("crash-single", true, 1, VARIANT_KILLS, FAULTS_SINGLE);
    }

    @Test
    void aMailboxWithHeadersAndPrioritiesSurvivesTheSameKills() throws Exception {
        runCrashes("crash-priorities", false, 4, VARIANT_KILLS, FAULTS_MANY, b -> b.priorities(4));
    }

    @Test
    void aMailboxWithAnExactLimitSurvivesTheSameKills() throws Exception {
        runCrashes("crash-limit", false, 4, VARIANT_KILLS, FAULTS_MANY, b -> b.messageLimit(16));
    }

    /**
     * A sender killed between taking a sleeping receiver's wake and waking it (the fault point
     * {@code before-wake}) leaves the wake to the next sender: the receiver, asleep in an untimed
     * {@code take()} (as an RPC server's leader is), gets the dead sender's message and the next
     * one. Before the wake mark (see {@code WakeSignal}) the dead sender had cleared the waiting
     * flag, every later sender found nobody announced, and the receiver slept on for good.
     */
    @Test
    void aSenderKilledWhileWakingTheReceiverLeavesItToTheNextSender() throws Exception {
        MailboxOptions options = MailboxOptions.builder().capacityBytes(16 * 1024)
                .maxMessageSize(Messages.HEADER + MAX_BODY).build();
        try (Mailbox mailbox = Mailbox.create("crash-wake", options)) {
            BlockingQueue<MemorySegment> received = new LinkedBlockingQueue<>();
            Thread receiver = Thread.ofPlatform().name("receiver").start(() -> {
                try {
                    while (true) {
                        received.add(MemorySegment.ofArray(mailbox.take())); // no deadline: only a wake ends its sleep
                    }
                } catch (InterruptedException | RuntimeException e) {
                    // the mailbox closed at the end of the test
                }
            });
            try {
                // the receiver sleeps long before the child's first send, which finds it announced
                try (ChildJvm sender = ChildJvm.builder(SendingProcess.class).quickStart().sharedClassArchive()
                        .property("jipc.faults", "before-wake:1")
                        .args("crash-wake", "1", "1", "-1", Integer.toString(MAX_BODY), "offer").start()) {
                    sender.awaitLine("FAULT before-wake", PATIENCE);
                    sender.kill();
                }
                byte[] next = new byte[Messages.length(2, 0, 0, MAX_BODY)];
                Messages.write(MemorySegment.ofArray(next), 2, 0, 0, next.length);
                mailbox.put(next);
                MemorySegment first = received.poll(30, TimeUnit.SECONDS); // a hang guard: a wake takes microseconds
                assertNotNull(first, "the receiver slept on: nobody woke it after the dead sender took its wake");
                assertEquals(1, Messages.producer(first));
                assertEquals(0, Messages.sequence(first));
                Messages.verify(first, MAX_BODY);
                MemorySegment second = received.poll(30, TimeUnit.SECONDS);
                assertNotNull(second, "the live sender's message never came");
                assertEquals(2, Messages.producer(second));
                assertNull(received.poll());
            } finally {
                mailbox.destroy();
                mailbox.close(); // ends the receiver's take
                receiver.join();
            }
        }
    }

    /**
     * A receiver killed between taking a rendezvous message (its ticket's compare-and-set) and
     * waking the sender (the fault point {@code taken-before-wake}) rings nobody: the sender, asleep
     * in an untimed {@code put} long before the receiver started, must see the take by itself. Its
     * sleeps last at most the dead-sender timeout; before 2026-12-05 they had no bound, and the put
     * slept on for good (nothing else rang: the receiver was the only one).
     */
    @Test
    void aRendezvousReceiverKilledBetweenItsTakeAndItsWakeLeavesTheSenderToSeeTheTake() throws Exception {
        MailboxOptions rendezvous = MailboxOptions.builder().messageLimit(0).maxMessageSize(64).build();
        try (Mailbox in = Mailbox.create("crash-taken", rendezvous);
             Mailbox out = Mailbox.create("crash-taken-out", MailboxOptions.builder().build())) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
            Thread sender = Thread.ofPlatform().name("rendezvous-sender").start(() -> {
                try {
                    in.put(new byte[16]); // no deadline: asleep until the take is seen
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    sent.countDown();
                }
            });
            try {
                // the child starts after the send is made; it takes at once and stalls before its wake
                try (ChildJvm receiver = ChildJvm.builder(EchoProcess.class).quickStart().sharedClassArchive()
                        .property("jipc.faults", "taken-before-wake:1").args("crash-taken", "crash-taken-out")
                        .start()) {
                    receiver.awaitLine("FAULT taken-before-wake", PATIENCE);
                    receiver.kill();
                }
                assertTrue(sent.await(30, TimeUnit.SECONDS), // a hang guard: the bound is 100 ms
                        "the sender slept on: nobody rang after the receiver took its message and died");
                assertNull(failure.get(), "the put ends normally: its message was taken");
            } finally {
                in.destroy();
                out.destroy();
                in.close(); // ends the put if it still waits
                sender.join();
            }
        }
    }

    /**
     * A shared receiver killed between taking a rendezvous message (its ticket's compare-and-set,
     * the fault point {@code taken-before-wake}) and clearing the ticket in the message's record
     * leaves the record at the head of its ring with a ticket no longer pending. The sender's
     * {@code transfer} ends with the dead receiver's receipt; the next receiver must deliver the
     * message (at-least-once), not drop it as withdrawn. Before 2026-12-06 it dropped it: the
     * message was lost, its send reported as taken. The sender sends a second message, which
     * issues the same ticket slot again if the slot is free (the next send of the same thread
     * takes the same slot): the first must still be delivered, then the second.
     */
    @Test
    void aSharedReceiverKilledInsideItsTakeLeavesTheMessageToTheNextReceiver() throws Exception {
        takerKilledInsideItsTake("crash-take-shared", ReceivePolicy.SHARED, EchoProcess.class);
    }

    /**
     * As above, for an acknowledged receive ({@code takeDelivery}, which keeps the record in
     * place until its ack) of the only receiver: killed inside its take, before it cleared the
     * ticket, it leaves the message to the receiver that takes its role over.
     */
    @Test
    void anAcknowledgedReceiverKilledInsideItsTakeLeavesTheMessageToTheNextReceiver() throws Exception {
        takerKilledInsideItsTake("crash-take-ack", ReceivePolicy.EXCLUSIVE,
                ReceivePolicyProcessTest.TakeDeliveryAndHold.class);
    }

    private void takerKilledInsideItsTake(String name, ReceivePolicy policy, Class<?> receiverMain)
            throws Exception {
        MailboxOptions rendezvous = MailboxOptions.builder().messageLimit(0).maxMessageSize(64)
                .receivePolicy(policy).build();
        try (Mailbox in = Mailbox.create(name, rendezvous);
             Mailbox out = Mailbox.create(name + "-out", MailboxOptions.builder().build())) {
            BlockingQueue<Object> receipts = new LinkedBlockingQueue<>();
            Thread sender = Thread.ofPlatform().name("rendezvous-sender").start(() -> {
                try {
                    receipts.add(in.transfer(new byte[] {1}));
                    receipts.add(in.transfer(new byte[] {2}));
                } catch (Throwable t) {
                    receipts.add(t);
                }
            });
            try {
                try (ChildJvm receiver = ChildJvm.builder(receiverMain).quickStart().sharedClassArchive()
                        .args(name, name + "-out").startStoppedAt("taken-before-wake", PATIENCE)) {
                    long dead = receiver.pid();
                    receiver.kill();
                    Object first = receipts.poll(30, TimeUnit.SECONDS); // a hang guard: the bound is 100 ms
                    assertTrue(first instanceof ProcessIdentity, "the first transfer ends with a receipt: " + first);
                    assertEquals(dead, ((ProcessIdentity) first).pid(), "the receipt names the receiver that took it");
                }
                assertArrayEquals(new byte[] {1}, in.poll(Duration.ofSeconds(30)),
                        "the message its killed taker never handed out goes to the next receiver");
                assertArrayEquals(new byte[] {2}, in.poll(Duration.ofSeconds(30)), "then the next message");
                Object second = receipts.poll(30, TimeUnit.SECONDS);
                assertEquals(ProcessIdentity.current(), second, "the second transfer names this receiver");
                assertNull(out.poll(), "the killed receiver passed nothing on");
            } finally {
                in.destroy();
                out.destroy();
                in.close(); // ends a transfer that still waits
                sender.join();
            }
        }
    }

    /**
     * A receiver killed between freeing room (its head store) and waking the sender asleep for it
     * (the fault point {@code before-wake}) rings nobody, and nobody else reads the mailbox: the
     * sender, asleep in an untimed {@code put} on a full {@code messageLimit(1)} mailbox long
     * before the receiver started, must see the room by itself. Its sleeps last at most the
     * dead-sender timeout; before 2026-12-06 they had no bound, and the put slept on until some
     * process happened to read that level again or closed a handle.
     */
    @Test
    void aReceiverKilledWhileWakingAFullMailboxsSenderLeavesItToSeeTheRoom() throws Exception {
        senderSeesRoomAfterReceiverKilledWhileWakingIt("crash-room", MailboxOptions.builder(), 0, Thread.ofPlatform(),
                false);
    }

    /**
     * As above, at a priority level of its own (traffic at other levels never rings this one), the
     * sender a virtual thread (parked without slices: only a wake or its bound ends the park).
     */
    @Test
    void aReceiverKilledWhileWakingAFullLevelsSenderLeavesItToSeeTheRoom() throws Exception {
        senderSeesRoomAfterReceiverKilledWhileWakingIt("crash-room-levels", MailboxOptions.builder().priorities(4),
                2, Thread.ofVirtual(), false);
    }

    /**
     * A receiver that takes over the lease of one killed while waking the sender wakes that sender
     * at once: here the dead-sender timeout (the bound of the sender's sleep) is ten minutes, and
     * the sender a virtual thread (a platform thread's timed sleep is sliced at 50 ms, so it would
     * look again soon anyway), so only the take-over can end the put within the hang guard.
     */
    @Test
    void aReceiverTakingOverADeadReceiversLeaseWakesTheSenderItLeftAsleep() throws Exception {
        senderSeesRoomAfterReceiverKilledWhileWakingIt("crash-room-takeover",
                MailboxOptions.builder().priorities(4).deadSenderTimeout(Duration.ofMinutes(10)), 1,
                Thread.ofVirtual(), true);
    }

    private void senderSeesRoomAfterReceiverKilledWhileWakingIt(String name, MailboxOptions.Builder builder,
                                                                int priority, Thread.Builder thread,
                                                                boolean takeOver) throws Exception {
        MailboxOptions options = builder.messageLimit(1).maxMessageSize(64).build();
        try (Mailbox mailbox = Mailbox.create(name, options)) {
            mailbox.put(new byte[16], priority); // the level is full now
            AtomicReference<Throwable> failure = new AtomicReference<>();
            java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
            Thread sender = thread.name("room-sender").start(() -> {
                try {
                    mailbox.put(new byte[16], priority); // no deadline: asleep until room is seen
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    sent.countDown();
                }
            });
            try {
                awaitAsleepForRoom(sender);
                // the child takes the first message, finds the sender announced and stalls before its wake
                try (ChildJvm receiver = ChildJvm.builder(OneTake.class).quickStart().sharedClassArchive()
                        .property("jipc.faults", "before-wake:1").args(name).start()) {
                    receiver.awaitLine("FAULT before-wake", PATIENCE);
                    receiver.kill();
                }
                if (takeOver) {
                    // takes the dead receiver's lease, and so wakes the sender: the poll may get its message
                    mailbox.poll();
                }
                assertTrue(sent.await(30, TimeUnit.SECONDS), // a hang guard: the bound is the dead-sender timeout
                        "the sender slept on: nobody woke it after the receiver freed room and died");
                assertNull(failure.get(), "the put ends normally: there is room");
            } finally {
                mailbox.destroy();
                mailbox.close(); // ends the put if it still waits
                sender.join();
            }
        }
    }

    /** Waits until {@code sender} sleeps for room (its stack is in the ring's space wait). */
    private static void awaitAsleepForRoom(Thread sender) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (java.util.Arrays.stream(sender.getStackTrace())
                .noneMatch(frame -> frame.getMethodName().equals("awaitSpace"))) {
            assertTrue(sender.isAlive(), "the sender's put ended while the mailbox was full");
            assertTrue(System.nanoTime() - giveUp < 0, "the sender never slept for room");
            Thread.sleep(10);
        }
    }

    private void runCrashes(String name, boolean single, int concurrency, int kills, String faults)
            throws Exception {
        runCrashes(name, single, concurrency, kills, faults, b -> b);
    }

    private void runCrashes(String name, boolean single, int concurrency, int kills, String faults,
                            java.util.function.UnaryOperator<MailboxOptions.Builder> features) throws Exception {
        MailboxOptions options = features.apply(MailboxOptions.builder().singleSender(single).capacityBytes(16 * 1024)
                .maxMessageSize(Messages.HEADER + MAX_BODY).deadSenderTimeout(Duration.ofMillis(20))).build();
        Path progressDir = Files.createTempDirectory("jipc-progress-" + name);
        try (Mailbox mailbox = Mailbox.create(name, options)) {
            Tally tally = new Tally(MAX_BODY);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> receiverFailure = new AtomicReference<>();
            Thread receiver = Thread.ofPlatform().name("receiver").start(() -> {
                try {
                    while (!stop.get()) {
                        mailbox.poll(tally, Duration.ofMillis(100));
                    }
                    while (mailbox.poll(tally)) {
                        // drain what is left
                    }
                } catch (Throwable t) {
                    receiverFailure.set(t);
                }
            });

            SenderKills senders = new SenderKills(progressDir, PATIENCE);
            List<KilledSender> victims = senders.kill(kills, concurrency, 150, faults, false, (id, progress) -> {
                String mode = switch (id % 3) {
                    case 0 -> "offer";
                    case 1 -> "claim";
                    default -> "mixed";
                };
                return ChildJvm.builder(SendingProcess.class).quickStart().sharedClassArchive().jvmArg("-Xmx64m")
                        .args(name, Integer.toString(id), "1", "-1", Integer.toString(MAX_BODY), mode, progress.toString());
            }, receiverFailure);
            senders.finishWithHealthySender(ChildJvm.builder(SendingProcess.class).quickStart().sharedClassArchive()
                    .args(name, "0", "1", "1000", Integer.toString(MAX_BODY), "mixed"), tally, stop, receiver, receiverFailure);

            int faulted = KilledSender.checkDeliveries(victims, tally);
            System.out.printf("%s: %d senders killed (%d at a protocol fault point), %d messages received,"
                    + " %d dead sends skipped%n", name, victims.size(), faulted, tally.total(), mailbox.skippedDeadSends());
            assertTrue(faulted > 0, "no kill landed on a fault point");
            if (!single) {
                // every fault stop of a many-sender mailbox leaves exactly one claim to skip
                assertTrue(mailbox.skippedDeadSends() >= faulted, "skipped " + mailbox.skippedDeadSends()
                        + " dead sends, but " + faulted + " senders were stopped inside a claim");
            }
            mailbox.destroy();
        } finally {
            JipcTestExtension.deleteRecursively(progressDir);
        }
    }
}
