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
        MailboxConfig config = new MailboxConfig(true, WaitStrategy.SPIN, layout);
        Mailbox in = create(config);
        Mailbox out = create(config);
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
            run(in, out, message, forward, check, last, 0, WARM_UP);
            // until the JIT has compiled the loop, the interpreter's and C1's code may allocate on its
            // own (e.g. in VarHandle calls): look at several windows; a new view per message would
            // show in every one of them
            long least = Long.MAX_VALUE;
            for (int window = 0; window < WINDOWS && least >= MEASURED; window++) {
                long before = ThreadAllocation.bytes();
                run(in, out, message, forward, check, last, WARM_UP + (long) window * MEASURED, MEASURED);
                least = Math.min(least, ThreadAllocation.bytes() - before);
            }
            // a new view per message would be 2 x 40 bytes per iteration (16 MB a window)
            assertTrue(least < MEASURED, "allocated at least " + least + " bytes for " + MEASURED
                    + " forwarded messages in each of " + WINDOWS + " windows (a new view each would be "
                    + 80L * MEASURED + ")");
        }
    }

    /**
     * Messages at every priority level in turn: the levels' rings have the same size, so their
     * messages sit at the same offsets, and each level keeps views of its own (with one table for
     * all, every change of level made a new view).
     */
    @Test
    void aForwardingHandlerAllocatesNothingWhenTheLevelChangesWithEachMessage() throws Exception {
        MailboxConfig config = new MailboxConfig(true, WaitStrategy.SPIN, MailboxConfig.Layout.PRIORITIES);
        Mailbox in = create(config);
        Mailbox out = create(config);
        int levels = in.priorities();
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
            runAtLevels(in, out, levels, message, forward, check, last, 0, WARM_UP);
            long least = Long.MAX_VALUE;
            for (int window = 0; window < WINDOWS && least >= MEASURED; window++) {
                long before = ThreadAllocation.bytes();
                runAtLevels(in, out, levels, message, forward, check, last,
                        WARM_UP + (long) window * MEASURED, MEASURED);
                least = Math.min(least, ThreadAllocation.bytes() - before);
            }
            assertTrue(least < MEASURED, "allocated at least " + least + " bytes for " + MEASURED
                    + " messages at " + levels + " levels in turn in each of " + WINDOWS + " windows");
        }
    }

    private static void runAtLevels(Mailbox in, Mailbox out, int levels, MemorySegment message,
                                    MessageHandler forward, MessageHandler check, long[] last, long first, int count)
            throws InterruptedException {
        for (long i = first; i < first + count; i++) {
            message.set(ValueLayout.JAVA_LONG, 0, i);
            in.put(message, (int) (i % levels));
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
            long least = Long.MAX_VALUE;
            for (int window = 0; window < 30 && least >= sends; window++) {
                long before = ThreadAllocation.bytes();
                for (int i = 0; i < sends; i++) {
                    message.set(ValueLayout.JAVA_LONG, 0, i);
                    box.put(message);
                }
                least = Math.min(least, ThreadAllocation.bytes() - before);
            }
            assertTrue(least < sends, "allocated at least " + least + " bytes for " + sends
                    + " rendezvous sends in every window");
        } finally {
            receiver.interrupt();
            receiver.join();
        }
    }

    private static void run(Mailbox in, Mailbox out, MemorySegment message, MessageHandler forward,
                            MessageHandler check, long[] last, long first, int count) throws InterruptedException {
        for (long i = first; i < first + count; i++) {
            message.set(ValueLayout.JAVA_LONG, 0, i);
            in.put(message);
            in.take(forward);
            out.take(check);
            assertEquals(i, last[0]);
        }
    }
}
