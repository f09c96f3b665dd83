package io.jipc.mailbox;

import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jipc.mailbox.MailboxDescriptor.RECEIVERS_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.WAITING_RECEIVERS_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.WAITING_RECEIVER_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waiting receivers bitmap of a rendezvous mailbox, one bit per receiving process ({@link
 * Rendezvous#receiverWaiting}): set from a process's first waiting receive to its last, cleared
 * when found dead, cleared when a process takes the entry of a dead one; the older token word is
 * still written and read. The processes here are written into the header (a dead one is this
 * process's pid with another start time); {@code RendezvousWaitingReceiversProcessTest} shows it
 * between real processes.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS) // hang guard
class RendezvousWaitingReceiversTest {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long SELF = ProcessIdentity.current().token();
    private static final long DEAD = SELF ^ 1; // same pid, another start time
    private static final AtomicInteger NAMES = new AtomicInteger();

    @Test
    void aProcessCountsAsWaitingFromItsFirstWaitingReceiveToItsLast() {
        withRendezvous((header, tickets) -> {
            assertFalse(tickets.receiverWaiting(false));
            tickets.receiverWaits(); // registers this process first (entry 0 of a fresh table)
            tickets.receiverWaits();
            assertEquals(1L, word(header, WAITING_RECEIVERS_OFFSET));
            assertEquals(SELF, word(header, WAITING_RECEIVER_OFFSET), "older versions read the token word");
            tickets.receiverDone();
            assertTrue(tickets.receiverWaiting(true), "one of its receives still waits");
            tickets.receiverDone();
            assertFalse(tickets.receiverWaiting(false));
            assertEquals(0L, word(header, WAITING_RECEIVERS_OFFSET));
            assertEquals(0L, word(header, WAITING_RECEIVER_OFFSET));
        });
    }

    @Test
    void anotherProcessStillWaitingKeepsCountingWhenTheTokenWordIsCleared() {
        withRendezvous((header, tickets) -> {
            tickets.receiverWaits();
            tickets.receiverDone();
            // a live process (this one's token stands for it) at entry 7 waits; the token word says nobody
            LONG.setVolatile(header, RECEIVERS_OFFSET + 8L * 7, SELF);
            LONG.setVolatile(header, (long) WAITING_RECEIVERS_OFFSET, 1L << 7);
            assertTrue(tickets.receiverWaiting(false));
            assertTrue(tickets.receiverWaiting(true));
            // and a process of an older version writes only the token word
            LONG.setVolatile(header, (long) WAITING_RECEIVERS_OFFSET, 0L);
            LONG.setVolatile(header, (long) WAITING_RECEIVER_OFFSET, SELF);
            assertTrue(tickets.receiverWaiting(true));
        });
    }

    @Test
    void aDeadWaitingReceiversBitIsClearedOnceFoundDead() {
        withRendezvous((header, tickets) -> {
            LONG.setVolatile(header, RECEIVERS_OFFSET + 8L * 5, DEAD);
            LONG.setVolatile(header, (long) WAITING_RECEIVERS_OFFSET, 1L << 5);
            assertTrue(tickets.receiverWaiting(false), "liveness is read only with checkAlive");
            assertFalse(tickets.receiverWaiting(true));
            assertEquals(0L, word(header, WAITING_RECEIVERS_OFFSET), "later offers do not wait for it again");
        });
    }

    @Test
    void aProcessTakingTheEntryOfOneKilledWhileWaitingDoesNotCountAsWaiting() {
        withRendezvous((header, tickets) -> {
            // entry 0 was freed after its process died waiting, its bit left behind
            LONG.setVolatile(header, (long) WAITING_RECEIVERS_OFFSET, 1L);
            tickets.registerReceiver(); // takes the free entry 0
            assertEquals(SELF, word(header, RECEIVERS_OFFSET));
            assertFalse(tickets.receiverWaiting(false), "this process is not waiting");
        });
    }

    /** Runs {@code test} on a fresh rendezvous mailbox's header and rendezvous state; destroys it after. */
    private static void withRendezvous(HeaderTest test) {
        String name = "rv-waiting-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
        try (Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().messageLimit(0).maxMessageSize(64).build())) {
            test.run(mailbox.mapped().segment.memory(), mailbox.mapped().lanes.rendezvous);
        } finally {
            Mailbox.destroy(name);
        }
    }

    private interface HeaderTest {
        void run(MemorySegment header, Rendezvous tickets);
    }

    private static long word(MemorySegment header, long offset) {
        return (long) LONG.getVolatile(header, offset);
    }
}
