package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.ring.FaultInjection;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An {@link UnboundedMailbox} handle's close at the moments that a close under sends reaches too
 * rarely to test by chance ({@link UnboundedCloseUnderSendsTest} never did), held there with the
 * fault points' {@code call} action ({@link FaultInjection}) in a child JVM whose handle closes,
 * while this JVM creates the mailbox and receives: a send held inside a mapping that the handle's
 * other senders have moved past (the close must wait for it, then unmap it).
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
