package io.jipc.mailbox;

import io.jipc.WaitStrategy;
import io.jipc.testkit.ThreadAllocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Receiving in place from a mailbox of up to 64 KiB (these are 64 KiB) allocates nothing in steady
 * state, even when the handler passes the message on (a forwarding or echoing handler, where the view escapes into another mailbox's {@code offer}
 * and the JIT cannot remove it): the views are reused ({@link MessageViews}).
 */
class MailboxInPlaceAllocationTest extends MailboxContractTest {
    private static final int SIZE = 64;
    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 200_000;
    private static final int WINDOWS = 10;

    @ParameterizedTest
    @EnumSource(MailboxConfig.Layout.class)
    void aForwardingHandlerAllocatesNothingPerMessage(MailboxConfig.Layout layout) throws Exception {
        // a new view per message would be 2 x 40 bytes per iteration (16 MB a window)
        assertForwardingAllocatesNothing(new MailboxConfig(true, WaitStrategy.SPIN, layout), false);
    }

    /**
     * Messages at every priority level in turn: the levels' rings have the same size, so their
     * messages sit at the same offsets, and each level keeps views of its own (with one table for
     * all, every change of level made a new view).
     */
    @Test
    void aForwardingHandlerAllocatesNothingWhenTheLevelChangesWithEachMessage() throws Exception {
        assertForwardingAllocatesNothing(new MailboxConfig(true, WaitStrategy.SPIN, MailboxConfig.Layout.PRIORITIES),
                true);
    }

    /**
     * Sends into one mailbox of {@code config}, forwards each message in place into a second and
     * receives it there, all bound; asserts that some window of {@link #MEASURED} messages allocated
     * less than a byte per message. With {@code levelsInTurn}, message {@code i} goes to level
     * {@code i % priorities()}.
     */
    private void assertForwardingAllocatesNothing(MailboxConfig config, boolean levelsInTurn) throws Exception {
        Mailbox in = create(config);
        Mailbox out = create(config);
        int levels = levelsInTurn ? in.priorities() : 1;
        MemorySegment message = Arena.ofAuto().allocate(SIZE, 8);
        long[] last = {-1};
        MessageHandler forward = view -> {
            if (!out.offer(view)) {
                throw new AssertionError("no room to forward");
            }
        };
        MessageHandler check = view -> last[0] = view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        try (RoleBinding sending = in.bindSender(); RoleBinding receiving = in.bindReceiver();
             RoleBinding forwarding = out.bindSender(); RoleBinding draining = out.bindReceiver()) {
            run(in, out, levels, message, forward, check, last, 0, WARM_UP);
            long least = ThreadAllocation.leastPerWindow(WINDOWS, MEASURED, window ->
                    run(in, out, levels, message, forward, check, last, WARM_UP + (long) window * MEASURED, MEASURED));
            assertTrue(least < MEASURED, "allocated at least " + least + " bytes for " + MEASURED
                    + " forwarded messages (" + levels + " level(s) in turn) in each of " + WINDOWS
                    + " windows (a new view each would be " + 80L * MEASURED + ")");
        }
    }

    private static void run(Mailbox in, Mailbox out, int levels, MemorySegment message, MessageHandler forward,
                            MessageHandler check, long[] last, long first, int count) throws InterruptedException {
        for (long i = first; i < first + count; i++) {
            message.set(ValueLayout.JAVA_LONG, 0, i);
            if (levels == 1) {
                in.put(message);
            } else {
                in.put(message, (int) (i % levels));
            }
            in.take(forward);
            out.take(check);
            assertEquals(i, last[0]);
        }
    }

    /**
     * A rendezvous send to a receiver that is waiting allocates nothing: it is tried once before the
     * blocking loop (whose attempt is a lambda), the message is not sliced, and the sender polls for
     * the hand-over a while before it makes idle state. A receiver that is late (descheduled) may
     * make the sender allocate, so the best of several windows is what counts.
     */
    @Test
    void aRendezvousSendToAWaitingReceiverAllocatesNothing() throws Exception {
        Mailbox box = create(new MailboxConfig(true, WaitStrategy.SPIN, MailboxConfig.Layout.HEADERS),
                options -> options.messageLimit(0));
        long[] last = {-1};
        Thread receiver = Thread.ofPlatform().name("rendezvous-receiver").start(() -> {
            try (RoleBinding receiving = box.bindReceiver()) {
                MessageHandler keep = view -> last[0] = view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                while (true) {
                    box.take(keep);
                }
            } catch (InterruptedException | IllegalStateException e) {
                // stopped
            }
        });
        try (RoleBinding sending = box.bindSender()) {
            MemorySegment message = Arena.ofAuto().allocate(SIZE, 8);
            int sends = 20_000;
            long least = ThreadAllocation.leastPerWindow(30, sends, window -> {
                for (int i = 0; i < sends; i++) {
                    message.set(ValueLayout.JAVA_LONG, 0, i);
                    box.put(message);
                }
            });
            assertTrue(least < sends, "allocated at least " + least + " bytes for " + sends
                    + " rendezvous sends in every window");
        } finally {
            receiver.interrupt();
            receiver.join();
        }
    }
}
