package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.ring.FaultInjection;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An {@link UnboundedMailbox} handle's close at the moments that a close under sends reaches too
 * rarely to test by chance ({@link UnboundedCloseUnderSendsTest} never did), held there with the
 * fault points' {@code call} action ({@link FaultInjection}) in a child JVM whose handle closes,
 * while this JVM creates the mailbox and receives: a send held inside a mapping that the handle's
 * other senders have moved past (the close must wait for it, then unmap it); a sender that had
 * passed its open check moving the senders on, and so unmapping their old mapping, while the close
 * wakes waiters (the close must not wake through a mapping it has not counted itself into, and a
 * failing wake must not skip the unmapping).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UnboundedCloseRacesTest {
    private static final Duration CHILD = Duration.ofSeconds(60);
    /** 8 KiB segment rings: about 35 messages of 200 bytes each. */
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(8 << 10).maxMessageSize(512)
            .build();
    private static final int SIZE = 200;
    /** Messages that move a handle's senders past two segments at least. */
    private static final int FILL = 100;
    /** The number in the message of the send that the child holds. */
    private static final int HELD = -1;

    /**
     * A send claims room in the handle's first mapping and is held before its commit; the handle's
     * other sends fill that segment and move on, so the held send is inside a mapping the senders
     * have passed. The close, from another thread, must wait for it (and not return while it is
     * held); released, the send either completes and its message is received exactly once, or
     * reports {@link ClosedException} and its message is not received; the child keeps no mapping
     * of a segment file and does not fault.
     */
    @Test
    void aCloseWaitsForASendHeldInsideAMappingTheSendersMovedPast() throws Exception {
        String name = "close-passed";
        try (UnboundedMailbox receiver = UnboundedMailbox.create(name, OPTIONS, 64L << 20);
             ChildJvm child = ChildJvm.builder(PassedMappingCloser.class).args(name).quickStart()
                     .property("jipc.faults", "before-commit:1:call").hardTimeout(Duration.ofSeconds(90)).start()) {
            int before = Integer.parseInt(report(child, "MAPPINGS-BEFORE-CLOSE"));
            assertTrue(before >= 2, () -> "the senders have not moved past the held send's mapping (" + before
                    + " segment mappings):\n" + child.output());
            assertEquals("false", report(child, "CLOSE-RETURNED-WHILE-HELD"),
                    () -> "the close returned while a send of its handle was inside a mapping it had passed:\n"
                            + child.output());
            String held = report(child, "HELD");
            assertEquals("OK", report(child, "CLOSE"), child::output);
            assertEquals("0", report(child, "MAPPINGS"), () -> "the closed handle still maps segment files:\n"
                    + child.output());
            child.assertSuccess(CHILD);
            BitSet received = receiveAll(receiver, FILL + 1);
            switch (held) {
                case "SENT" -> assertTrue(received.get(FILL), "the held send returned true, its message was not received");
                case "CLOSED" -> assertTrue(!received.get(FILL),
                        "the held send reported ClosedException, its message was received");
                default -> fail("the held send failed: " + held + "\n" + child.output());
            }
            received.clear(FILL);
            assertEquals(FILL, received.cardinality(), () -> "the other sends' messages received: " + received);
        } finally {
            UnboundedMailbox.destroy(name);
        }
    }

    /**
     * A sender of the handle is held in its move to a newer segment (past its open check, the newer
     * segment mapped, the senders not yet moved); the close starts, and between its wake's move of
     * the send segment's space signal and its {@code FUTEX_WAKE} the sender is let go: it moves the
     * senders on, and its send completes (returns true, its message received once) or reports
     * {@link ClosedException} (not received). The close neither fails ({@code EFAULT} from a wake on
     * a mapping unmapped under it) nor leaves a mapping of a segment file.
     */
    @Test
    void aCloseWhoseWakeRacesASenderMovingOnUnmapsEverythingAndDoesNotFail() throws Exception {
        String name = "close-wake";
        try (UnboundedMailbox receiver = UnboundedMailbox.create(name, OPTIONS, 64L << 20);
             ChildJvm child = ChildJvm.builder(WakeRaceCloser.class).args(name).quickStart()
                     .property("jipc.faults", "before-send-segment-moved:1:call,wake-all-before-futex:1:call")
                     .hardTimeout(Duration.ofSeconds(90)).start()) {
            assertEquals("true", report(child, "RACE"), () -> "the mover was not let go inside the close's wake:\n"
                    + child.output());
            String mover = report(child, "MOVER");
            assertEquals("OK", report(child, "CLOSE"), child::output);
            assertEquals("0", report(child, "MAPPINGS"), () -> "the closed handle still maps segment files:\n"
                    + child.output());
            child.assertSuccess(CHILD);
            BitSet received = receiveAll(receiver, FILL + 2); // the first message, the fill, the mover's
            switch (mover) {
                case "SENT" -> assertTrue(received.get(FILL + 1), "the mover's send returned true, its message was not received");
                case "CLOSED" -> assertTrue(!received.get(FILL + 1),
                        "the mover's send reported ClosedException, its message was received");
                default -> fail("the mover's send failed: " + mover + "\n" + child.output());
            }
            received.clear(FILL + 1);
            assertEquals(FILL + 1, received.cardinality(), () -> "the other sends' messages received: " + received);
        } finally {
            UnboundedMailbox.destroy(name);
        }
    }

    /**
     * The same race on a receiving handle: its receiving thread is held before it retires a
     * drained segment; the close starts, and at its wake's second {@code FUTEX_WAKE} (had it woken
     * through the receive segment: its space signal) the receiver is let go, retires the segment
     * under it (unmapping it) and is held again before it maps the next one (which would likely
     * take the freed addresses). The close neither fails nor leaves a mapping, and every message is
     * received once, by the child's receiver before the close or by this JVM after it.
     */
    @Test
    void aCloseWhoseWakeRacesItsReceiverRetiringASegmentUnmapsEverythingAndDoesNotFail() throws Exception {
        String name = "close-retire";
        try (UnboundedMailbox sender = UnboundedMailbox.create(name, OPTIONS, 64L << 20)) {
            for (int n = 0; n < FILL; n++) {
                sender.put(message(n));
            }
            BitSet received = new BitSet(FILL + 1);
            try (ChildJvm child = ChildJvm.builder(RetireRaceCloser.class).args(name).quickStart()
                    .property("jipc.faults", "before-segment-retired:1:call,after-segment-retired:1:call,"
                            + "wake-all-before-futex:1:call")
                    .hardTimeout(Duration.ofSeconds(90)).start()) {
                String receiver = report(child, "RECEIVER");
                assertTrue(receiver.equals("CLOSED") || receiver.equals("EMPTY"), () -> "the receiver failed: "
                        + receiver + "\n" + child.output());
                assertEquals("OK", report(child, "CLOSE"), child::output);
                assertEquals("0", report(child, "MAPPINGS"), () -> "the closed handle still maps segment files:\n"
                        + child.output());
                for (String n : report(child, "RECEIVED").split(",")) {
                    if (!n.isEmpty()) {
                        assertTrue(!received.get(Integer.parseInt(n)), "message " + n + " received twice");
                        received.set(Integer.parseInt(n));
                    }
                }
                child.assertSuccess(CHILD);
            }
            BitSet rest = receiveAll(sender, FILL + 1);
            assertTrue(!rest.intersects(received), () -> "received by both: " + rest + " and " + received);
            rest.or(received);
            assertEquals(FILL, rest.cardinality(), () -> "messages received: " + rest);
        } finally {
            UnboundedMailbox.destroy(name);
        }
    }

    /**
     * A close from a thread whose interrupt status is set, while a send of the handle is held
     * inside its mapping: the close waits for the send as any close does, parked between its
     * looks (a park returns at once for an interrupted thread: the wait spun on a CPU for up to
     * its 10 s bound), and the closing thread's interrupt status is kept.
     */
    @Test
    void anInterruptedCloseWaitsForASendInsideParkedAndKeepsTheInterrupt() throws Exception {
        String name = "close-interrupted";
        try (UnboundedMailbox receiver = UnboundedMailbox.create(name, OPTIONS, 64L << 20);
             ChildJvm child = ChildJvm.builder(InterruptedCloser.class).args(name).quickStart()
                     .property("jipc.faults", "before-commit:1:call").hardTimeout(Duration.ofSeconds(90)).start()) {
            assertEquals("true", report(child, "PARKED"), () -> "the interrupted close never parked while it waited"
                    + " for the held send:\n" + child.output());
            assertEquals("SENT", report(child, "HELD"), child::output);
            assertEquals("OK", report(child, "CLOSE"), child::output);
            assertEquals("true", report(child, "STILL-INTERRUPTED"), child::output);
            assertEquals("0", report(child, "MAPPINGS"), child::output);
            child.assertSuccess(CHILD);
            BitSet received = receiveAll(receiver, 1);
            assertEquals(1, received.cardinality(), "the held send's message");
        } finally {
            UnboundedMailbox.destroy(name);
        }
    }

    /** The child's report {@code = KEY value}: its value. */
    private static String report(ChildJvm child, String key) {
        return child.awaitLine("= " + key + " ", CHILD).substring(key.length() + 3);
    }

    /**
     * Receives every message there is (each at most once; the held send's number, -1, as
     * {@code slots - 1}) until none comes within 2 s, then checks that nothing more is there.
     */
    private static BitSet receiveAll(UnboundedMailbox receiver, int slots) throws InterruptedException {
        BitSet received = new BitSet(slots);
        for (byte[] message; (message = receiver.poll(Duration.ofSeconds(2))) != null; ) {
            assertEquals(SIZE, message.length);
            int n = ByteBuffer.wrap(message).getInt();
            int slot = n == HELD ? slots - 1 : n;
            assertTrue(slot >= 0 && slot < slots, "message number " + n);
            assertTrue(!received.get(slot), "message " + n + " received twice");
            received.set(slot);
        }
        assertNull(receiver.poll());
        return received;
    }

    private static byte[] message(int n) {
        byte[] message = new byte[SIZE];
        ByteBuffer.wrap(message).putInt(n);
        Arrays.fill(message, 4, SIZE, (byte) n);
        return message;
    }

    private static void print(String key, Object value) {
        System.out.println("= " + key + " " + value);
        System.out.flush();
    }

    /** What a send ended with: SENT (true), FULL (false), CLOSED, or FAILED and the exception. */
    private static String outcome(UnboundedMailbox mailbox, byte[] message) {
        try {
            return mailbox.offer(message) ? "SENT" : "FULL";
        } catch (ClosedException closed) {
            return "CLOSED";
        } catch (Throwable e) {
            return "FAILED " + e;
        }
    }

    private static boolean inCloseWait(Thread closer) {
        return Arrays.stream(closer.getStackTrace()).anyMatch(f -> f.getClassName().equals(SendsInside.class.getName()));
    }

    // ================================================================== child mains

    /**
     * Opens the mailbox {@code args[0]}; a thread's send is held before its commit (its claim made
     * in the handle's first mapping) while this thread sends {@value #FILL} more, moving the
     * handle's senders past that mapping; then a thread closes the handle. Reports the mappings
     * before the close, whether the close returned while the send was held, the held send's and
     * the close's outcomes, and the mappings left.
     */
    public static final class PassedMappingCloser {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            FaultInjection.callback = point -> {
                if (Thread.currentThread().getName().equals("held-sender") && first.compareAndSet(true, false)) {
                    held.countDown();
                    awaitUninterruptibly(release);
                }
            };
            UnboundedMailbox mailbox = UnboundedMailbox.open(args[0]);
            String[] heldOutcome = new String[1];
            Thread heldSender = Thread.ofPlatform().name("held-sender")
                    .start(() -> heldOutcome[0] = outcome(mailbox, message(HELD)));
            held.await();
            for (int n = 0; n < FILL; n++) {
                mailbox.put(message(n));
            }
            print("MAPPINGS-BEFORE-CLOSE", UnboundedSegmentMappings.of(args[0]));
            String[] closeOutcome = new String[1];
            Thread closer = Thread.ofPlatform().name("closer").start(() -> {
                try {
                    mailbox.close();
                    closeOutcome[0] = "OK";
                } catch (Throwable e) {
                    closeOutcome[0] = "THREW " + e;
                }
            });
            while (closer.isAlive() && !inCloseWait(closer)) {
                Thread.onSpinWait();
            }
            closer.join(200); // a close that does not wait for the held send has returned by then
            print("CLOSE-RETURNED-WHILE-HELD", !closer.isAlive());
            release.countDown();
            heldSender.join();
            closer.join();
            print("HELD", heldOutcome[0]);
            print("CLOSE", closeOutcome[0]);
            print("MAPPINGS", UnboundedSegmentMappings.of(args[0]));
        }
    }

    /**
     * Opens the mailbox {@code args[0]} twice: handle A sends message {@value #FILL} (it maps
     * segment 0), handle B sends messages 0 to {@value #FILL}-1 (moving the chain past segment 0)
     * and closes. A thread's send of message -1 through A is then held at
     * {@code before-send-segment-moved}; a thread closes A and, at the second
     * {@code wake-all-before-futex} of that close (the send segment's space signal: the first is
     * the doorbell), lets the held send go and waits for it to end before the wake goes on.
     * Reports whether that happened, the held send's and the close's outcomes, and the mappings left.
     */
    public static final class WakeRaceCloser {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            CountDownLatch moverHeld = new CountDownLatch(1);
            CountDownLatch moverGo = new CountDownLatch(1);
            CountDownLatch moverDone = new CountDownLatch(1);
            AtomicBoolean firstMove = new AtomicBoolean(true);
            int[] closerWakes = new int[1];
            boolean[] raced = new boolean[1];
            FaultInjection.callback = point -> {
                String thread = Thread.currentThread().getName();
                if (point.equals("before-send-segment-moved") && thread.equals("mover")
                        && firstMove.compareAndSet(true, false)) {
                    moverHeld.countDown();
                    awaitUninterruptibly(moverGo);
                } else if (point.equals("wake-all-before-futex") && thread.equals("closer") && ++closerWakes[0] == 2) {
                    raced[0] = true;
                    moverGo.countDown();
                    awaitUninterruptibly(moverDone);
                }
            };
            UnboundedMailbox a = UnboundedMailbox.open(args[0]);
            a.put(message(FILL));
            try (UnboundedMailbox b = UnboundedMailbox.open(args[0])) {
                for (int n = 0; n < FILL; n++) {
                    b.put(message(n));
                }
            }
            String[] moverOutcome = new String[1];
            Thread mover = Thread.ofPlatform().name("mover").start(() -> {
                moverOutcome[0] = outcome(a, message(HELD));
                moverDone.countDown();
            });
            moverHeld.await();
            String[] closeOutcome = new String[1];
            Thread closer = Thread.ofPlatform().name("closer").start(() -> {
                try {
                    a.close();
                    closeOutcome[0] = "OK";
                } catch (Throwable e) {
                    closeOutcome[0] = "THREW " + e;
                }
            });
            closer.join();
            moverGo.countDown(); // if the close never reached its second wake
            mover.join();
            print("RACE", raced[0]);
            print("MOVER", moverOutcome[0]);
            print("CLOSE", closeOutcome[0]);
            print("MAPPINGS", UnboundedSegmentMappings.of(args[0]));
        }
    }

    /**
     * Opens the mailbox {@code args[0]} (holding messages 0 to {@value #FILL}-1 over several
     * segments) and receives from it in a thread, which is held before it retires the drained
     * segment 0; a thread closes the handle and, at the second {@code wake-all-before-futex} of
     * that close, lets the receiver go and waits until it has retired segment 0 (or ended) before
     * the wake goes on; the receiver is held at {@code after-segment-retired} until the close has
     * returned (a close that wakes once, through the doorbell, lets it go only then). Reports the
     * receiver's and the close's outcomes, the mappings left and the messages the child received.
     */
    public static final class RetireRaceCloser {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            CountDownLatch retirerHeld = new CountDownLatch(1);
            CountDownLatch retirerGo = new CountDownLatch(1);
            CountDownLatch retirerDone = new CountDownLatch(1);
            CountDownLatch closeReturned = new CountDownLatch(1);
            AtomicBoolean firstRetire = new AtomicBoolean(true);
            AtomicBoolean firstRetired = new AtomicBoolean(true);
            int[] closerWakes = new int[1];
            FaultInjection.callback = point -> {
                String thread = Thread.currentThread().getName();
                if (point.equals("before-segment-retired") && thread.equals("receiver")
                        && firstRetire.compareAndSet(true, false)) {
                    retirerHeld.countDown();
                    awaitUninterruptibly(retirerGo);
                } else if (point.equals("after-segment-retired") && thread.equals("receiver")
                        && firstRetired.compareAndSet(true, false)) {
                    retirerDone.countDown();
                    awaitUninterruptibly(closeReturned);
                } else if (point.equals("wake-all-before-futex") && thread.equals("closer") && ++closerWakes[0] == 2) {
                    retirerGo.countDown();
                    awaitUninterruptibly(retirerDone);
                }
            };
            UnboundedMailbox r = UnboundedMailbox.open(args[0]);
            StringBuilder got = new StringBuilder();
            String[] receiverOutcome = new String[1];
            Thread receiver = Thread.ofPlatform().name("receiver").start(() -> {
                try {
                    for (byte[] m; (m = r.poll()) != null; ) {
                        got.append(ByteBuffer.wrap(m).getInt()).append(',');
                    }
                    receiverOutcome[0] = "EMPTY";
                } catch (ClosedException closed) {
                    receiverOutcome[0] = "CLOSED";
                } catch (Throwable e) {
                    receiverOutcome[0] = "FAILED " + e;
                } finally {
                    retirerDone.countDown();
                }
            });
            retirerHeld.await();
            String[] closeOutcome = new String[1];
            Thread closer = Thread.ofPlatform().name("closer").start(() -> {
                try {
                    r.close();
                    closeOutcome[0] = "OK";
                } catch (Throwable e) {
                    closeOutcome[0] = "THREW " + e;
                }
            });
            closer.join();
            closeReturned.countDown();
            retirerGo.countDown(); // the close did not wake twice
            receiver.join();
            print("RECEIVER", receiverOutcome[0]);
            print("CLOSE", closeOutcome[0]);
            print("MAPPINGS", UnboundedSegmentMappings.of(args[0]));
            print("RECEIVED", got);
        }
    }

    /**
     * Opens the mailbox {@code args[0]}; a thread's send is held before its commit; a thread with
     * its interrupt status set closes the handle. Once the close waits for the send, this thread
     * reads the closer's voluntary context switches (at most 2000 times, a millisecond apart)
     * until it has gone to sleep {@value #SLEEPS} times (a park that returns at once, or a yield,
     * is none; its thread state would show {@code TIMED_WAITING} all the same), then lets the send
     * go. Reports whether it slept so (and the CPU time the closer took meanwhile), the send's and
     * the close's outcomes, whether the closer's interrupt status was kept, and the mappings left.
     */
    public static final class InterruptedCloser {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            FaultInjection.callback = point -> {
                if (Thread.currentThread().getName().equals("held-sender") && first.compareAndSet(true, false)) {
                    held.countDown();
                    awaitUninterruptibly(release);
                }
            };
            UnboundedMailbox mailbox = UnboundedMailbox.open(args[0]);
            String[] heldOutcome = new String[1];
            Thread heldSender = Thread.ofPlatform().name("held-sender")
                    .start(() -> heldOutcome[0] = outcome(mailbox, message(0)));
            held.await();
            String[] closeOutcome = new String[1];
            boolean[] stillInterrupted = new boolean[1];
            Thread closer = Thread.ofPlatform().name("closer").start(() -> {
                Thread.currentThread().interrupt();
                try {
                    mailbox.close();
                    closeOutcome[0] = "OK";
                } catch (Throwable e) {
                    closeOutcome[0] = "THREW " + e;
                }
                stillInterrupted[0] = Thread.currentThread().isInterrupted();
            });
            while (closer.isAlive() && !inCloseWait(closer)) {
                Thread.onSpinWait();
            }
            Path status = closerStatus();
            long cpu = THREADS.getThreadCpuTime(closer.threadId());
            long start = voluntarySwitches(status);
            long sleeps = 0;
            for (int i = 0; i < 2000 && sleeps < SLEEPS && closer.isAlive(); i++) {
                Thread.sleep(1);
                sleeps = voluntarySwitches(status) - start;
            }
            System.out.println("closer: " + sleeps + " voluntary context switches, CPU "
                    + (THREADS.getThreadCpuTime(closer.threadId()) - cpu) / 1000 + " us while sampled");
            boolean parked = sleeps >= SLEEPS;
            print("PARKED", parked);
            release.countDown();
            heldSender.join();
            closer.join();
            print("HELD", heldOutcome[0]);
            print("CLOSE", closeOutcome[0]);
            print("STILL-INTERRUPTED", stillInterrupted[0]);
            print("MAPPINGS", UnboundedSegmentMappings.of(args[0]));
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Voluntary context switches (sleeps) of a waiting close that count as parked. */
    private static final int SLEEPS = 100;

    /** {@code /proc/self/task/TID/status} of this JVM's thread named {@code closer}. */
    private static Path closerStatus() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals("closer")) {
                        return task.resolve("status");
                    }
                } catch (IOException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        throw new IllegalStateException("no thread named closer in /proc/self/task");
    }

    /** The {@code voluntary_ctxt_switches} of a thread's status file: how often it went to sleep. */
    private static long voluntarySwitches(Path status) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        throw new IllegalStateException("no voluntary_ctxt_switches in " + status);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // held on: the test releases it
            }
        }
    }
}
