package io.jipc.mailbox;

import io.jipc.WaitStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bound receiver that caught up with a stream pauses before it polls again ({@link Idle#streamPause}):
 * after a backlog of at least {@link Idle#STREAM_BACKLOG} messages taken without waiting, under a
 * spinning strategy, once per catch-up; never in a ping-pong, never under FUTEX. The pause loses and
 * reorders nothing and keeps the receive's contract (a timed poll of an empty mailbox returns false,
 * a message that comes later is taken). No duration is asserted.
 */
class StreamPauseTest extends MailboxContractTest {
    private static final int SIZE = 16;

    private static void send(Mailbox mailbox, long from, int count) {
        MemorySegment message = Arena.ofAuto().allocate(SIZE, 8);
        for (long i = from; i < from + count; i++) {
            message.set(ValueLayout.JAVA_LONG, 0, i);
            assertTrue(mailbox.offer(message), "room for message " + i);
        }
    }

    /** A handler that collects the sequence numbers it is given. */
    private static MessageHandler into(List<Long> received) {
        return view -> received.add(view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
    }

    @ParameterizedTest
    @EnumSource(value = WaitStrategy.class, names = {"SPIN", "YIELD", "SPIN_THEN_FUTEX"})
    void aReceiverThatCaughtUpWithABacklogPausesOnce(WaitStrategy strategy) throws Exception {
        Mailbox mailbox = create(new MailboxConfig(true, strategy, MailboxConfig.Layout.PLAIN));
        List<Long> received = new ArrayList<>();
        try (var receiving = mailbox.bindReceiver()) {
            send(mailbox, 0, 100);
            assertEquals(100, mailbox.drain(into(received), 1000));
            assertEquals(0, mailbox.drain(into(received), 1000), "empty: a drain neither waits nor pauses");
            assertEquals(0, mailbox.mapped().streamPauses);
            assertFalse(mailbox.poll(into(received), Duration.ofMillis(1)), "nothing to take");
            assertEquals(1, mailbox.mapped().streamPauses, "caught up with the stream: one pause");
            assertFalse(mailbox.poll(into(received), Duration.ofMillis(1)), "nothing to take");
            assertEquals(1, mailbox.mapped().streamPauses, "the backlog is spent: no second pause");

            send(mailbox, 100, 100); // takes one at a time make a backlog too
            for (int i = 0; i < 100; i++) {
                mailbox.take(into(received));
            }
            assertFalse(mailbox.poll(into(received), Duration.ZERO), "nothing to take");
            assertEquals(2, mailbox.mapped().streamPauses);

            send(mailbox, 200, 100); // a message sent by another thread during or after the pause is taken
            assertEquals(100, mailbox.drain(into(received), 100));
            Thread sender = Thread.ofPlatform().start(() -> send(mailbox, 300, 1));
            mailbox.take(into(received));
            sender.join();
            long pauses = mailbox.mapped().streamPauses;
            assertTrue(pauses == 2 || pauses == 3, "a pause unless the message was there at once: " + pauses);
        }
        assertEquals(301, received.size());
        for (int i = 0; i < received.size(); i++) {
            assertEquals(i, received.get(i), "message " + i + " in order");
        }
    }

    @Test
    void aPingPongNeverPauses() throws Exception {
        Mailbox mailbox = create(new MailboxConfig(true, WaitStrategy.SPIN, MailboxConfig.Layout.PLAIN));
        List<Long> received = new ArrayList<>();
        try (var receiving = mailbox.bindReceiver()) {
            for (int i = 0; i < 1000; i++) {
                assertFalse(mailbox.poll(into(received), Duration.ZERO), "empty before each send");
                send(mailbox, i, 1);
                mailbox.take(into(received));
            }
        }
        assertEquals(1000, received.size());
        assertEquals(0, mailbox.mapped().streamPauses, "a message at a time, each awaited: no backlog");
    }

    @Test
    void aFutexReceiverNeverPauses() throws Exception {
        Mailbox mailbox = create(new MailboxConfig(true, WaitStrategy.FUTEX, MailboxConfig.Layout.PLAIN));
        List<Long> received = new ArrayList<>();
        try (var receiving = mailbox.bindReceiver()) {
            send(mailbox, 0, 100);
            assertEquals(100, mailbox.drain(into(received), 1000));
            assertFalse(mailbox.poll(into(received), Duration.ofMillis(1)));
        }
        assertEquals(0, mailbox.mapped().streamPauses, "a FUTEX wait sleeps at once, which batches by itself");
    }
}
