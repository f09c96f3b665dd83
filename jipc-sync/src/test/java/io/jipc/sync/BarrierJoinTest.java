package io.jipc.sync;

import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Members of a tracked barrier ({@code join}) within one process: the joined table's format, the
 * bound, leaving, a dead member (its token written into the slot, as a killed process leaves it)
 * breaking the waiters, a replacement taking its place, and barriers without a joined table (1.2
 * files, untracked slots). The kill of a real member is in {@link SyncProcessesTest}.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BarrierJoinTest {
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void free() {
        arena.close();
    }

    private static long deadToken() {
        return BarrierBrokenTest.deadToken();
    }

    private MemorySegment trackedSlot(int parties) {
        return BarrierBrokenTest.trackedSlot(arena, parties);
    }

    private static long joinedOffset(int parties, int i) {
        return ProcessBarrier.ENTRIES_OFFSET + (long) ProcessBarrier.ENTRY_LENGTH * 2 * parties
                + (long) ProcessBarrier.JOINED_ENTRY_LENGTH * i;
    }

    @Test
    void theJoinedTableFollowsThePartyEntries() {
        assertEquals(64 + 16 * 2 * 3 + 8 * 3, ProcessBarrier.slotLength(3));
        MemorySegment slot = trackedSlot(3);
        assertEquals(3, slot.get(ValueLayout.JAVA_INT, ProcessBarrier.JOINED_COUNT_OFFSET));
        try (ProcessBarrier member = ProcessBarrier.joinIn(slot)) {
            assertTrue(member.joined());
            assertEquals(ProcessIdentity.current().token(), slot.get(ValueLayout.JAVA_LONG, joinedOffset(3, 0)));
            assertTrue(member.toString().contains("tracked, 1 joined"), member.toString());
            member.close();
            assertFalse(member.joined());
        }
        assertEquals(0, slot.get(ValueLayout.JAVA_LONG, joinedOffset(3, 0)), "close freed the place");
        slot.set(ValueLayout.JAVA_INT, ProcessBarrier.JOINED_COUNT_OFFSET, 2);
        assertThrows(io.jipc.CorruptSegmentException.class, () -> ProcessBarrier.in(slot), "joined count != parties");
        slot.set(ValueLayout.JAVA_INT, ProcessBarrier.JOINED_COUNT_OFFSET, 3);
        assertThrows(io.jipc.CorruptSegmentException.class,
                () -> ProcessBarrier.in(slot.asSlice(0, ProcessBarrier.slotLength(3) - 8)), "table cut short");
    }

    @Test
    void joiningMoreMembersThanPartiesIsRefused() {
        try (ProcessBarrier created = ProcessBarrier.create("crowded", 2);
             ProcessBarrier first = ProcessBarrier.join("crowded");
             ProcessBarrier second = ProcessBarrier.join("crowded")) {
            assertFalse(created.joined(), "create makes no member");
            assertEquals(2, created.joinedMembers());
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> ProcessBarrier.join("crowded"));
            assertTrue(full.getMessage().contains("barrier 'crowded' has 2 parties and 2 joined members"),
                    full.getMessage());
            assertEquals(2, created.joinedMembers(), "the refused join took nothing");
            first.close();
            assertEquals(1, created.joinedMembers());
            try (ProcessBarrier third = ProcessBarrier.join("crowded")) {
                assertTrue(third.joined(), "a leaving member's place can be taken");
                assertEquals(2, created.joinedMembers());
            }
            assertTrue(second.joined());
        } finally {
            ProcessBarrier.destroy("crowded");
        }
    }

    /**
     * A member whose process is dead (its token left in the table), and nobody else who could
     * arrive for it: the waiters' untimed awaits break naming it; a reset alone does not help while
     * it is there; a join takes its place, and after a reset rounds trip again.
     */
    @Test
    void aDeadMemberBreaksTheWaitersUntilAJoinTakesItsPlace() throws Exception {
        MemorySegment slot = trackedSlot(3);
        slot.set(ValueLayout.JAVA_LONG, joinedOffset(3, 1), deadToken());
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            assertEquals(1, barrier.joinedMembers());
            CompletableFuture<Integer> first = async(barrier::await);
            CompletableFuture<Integer> second = async(barrier::await);
            for (CompletableFuture<Integer> waiter : List.of(first, second)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> waiter.get(60, TimeUnit.SECONDS));
                BarrierBrokenException broken = assertInstanceOf(BarrierBrokenException.class, e.getCause());
                assertEquals(1, broken.deadPid().orElseThrow(), broken.getMessage());
            }
            barrier.reset();
            BarrierBrokenException again = assertThrows(BarrierBrokenException.class,
                    () -> barrier.await(Duration.ofSeconds(30)), "the dead member is still there");
            assertEquals(1, again.deadPid().orElseThrow());

            try (ProcessBarrier replacement = ProcessBarrier.joinIn(slot)) {
                assertEquals(ProcessIdentity.current().token(), slot.get(ValueLayout.JAVA_LONG, joinedOffset(3, 1)),
                        "the replacement took the dead member's place, not a free one");
                assertEquals(1, barrier.joinedMembers());
                assertTrue(barrier.isBroken(), "the generation the dead member broke stays broken");
                barrier.reset();
                roundOf(replacement, 3);
                roundOf(replacement, 3);
                assertFalse(barrier.isBroken());
            }
        }
    }

    /**
     * A live party (init's token) waits, nobody has checked the joined table lately, and a member is
     * dead: the arrival that would complete the round checks the members itself and breaks the
     * round; with a members-checked stamp from just now (the documented window) the round completes.
     */
    @ParameterizedTest(name = "members checked recently: {0}")
    @ValueSource(booleans = {false, true})
    void anArrivalCompletingARoundChecksTheMembersUnlessAWaiterDidRecently(boolean checkedRecently)
            throws Exception {
        MemorySegment slot = trackedSlot(2);
        long at = ProcessBarrier.ENTRIES_OFFSET + (long) ProcessBarrier.ENTRY_LENGTH * 3;
        slot.set(ValueLayout.JAVA_LONG, at + ProcessBarrier.ENTRY_TOKEN_OFFSET, ProcessIdentity.of(1).orElseThrow().token());
        slot.set(ValueLayout.JAVA_LONG, ProcessBarrier.STATE_OFFSET, 1); // generation 0, init arrived
        slot.set(ValueLayout.JAVA_LONG, ProcessBarrier.ARRIVALS_CHECKED_OFFSET, System.nanoTime());
        slot.set(ValueLayout.JAVA_LONG, joinedOffset(2, 1), deadToken());
        if (checkedRecently) {
            slot.set(ValueLayout.JAVA_LONG, ProcessBarrier.MEMBERS_CHECKED_OFFSET, System.nanoTime());
        }
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            if (checkedRecently) {
                assertEquals(0, barrier.await(Duration.ofSeconds(60)));
                assertFalse(barrier.isBroken());
            } else {
                BarrierBrokenException broken = assertThrows(BarrierBrokenException.class,
                        () -> barrier.await(Duration.ofSeconds(60)));
                assertEquals(1, broken.deadPid().orElseThrow(), broken.getMessage());
                assertTrue(barrier.isBroken());
            }
        }
    }

    /** A member that closes its handle leaves: the others' waits end by their timeouts, not broken. */
    @Test
    void aMemberThatLeftBreaksNothing() throws Exception {
        MemorySegment slot = trackedSlot(2);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            ProcessBarrier.joinIn(slot).close();
            assertEquals(0, barrier.joinedMembers());
            assertThrows(TimeoutException.class, () -> barrier.await(Duration.ofMillis(300)));
            assertFalse(barrier.isBroken());
            roundOf(barrier, 2);
        }
    }

    @Test
    void anUntrackedBarrierHasNoMembers() {
        MemorySegment slot = arena.allocate(ProcessBarrier.SLOT_LENGTH, 64);
        ProcessBarrier.format(slot, 2);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ProcessBarrier.joinIn(slot));
        assertTrue(refused.getMessage().contains("untracked"), refused.getMessage());
        slot.set(ValueLayout.JAVA_INT, ProcessBarrier.JOINED_COUNT_OFFSET, 2);
        assertThrows(io.jipc.CorruptSegmentException.class, () -> ProcessBarrier.in(slot), "a table without entries");
    }

    /**
     * A named barrier of a 1.2 file (as jipc 1.2 created it: no joined count, the slot ending after
     * the party entries) opens and works as before; a join is refused, naming the barrier and why.
     */
    @Test
    void aBarrierOfA12FileWorksAsBeforeButRefusesJoins(Path root) throws Exception {
        int parties = 2;
        long slotLength = ProcessBarrier.ENTRIES_OFFSET + (long) ProcessBarrier.ENTRY_LENGTH * 2 * parties;
        SyncFile.create("old", ProcessBarrier.TAG, slotLength, 0600, slot -> {
            Slots.clear(slot, slotLength);
            slot.set(ValueLayout.JAVA_INT, ProcessBarrier.PARTIES_OFFSET, parties);
            slot.set(ValueLayout.JAVA_INT, ProcessBarrier.ENTRY_COUNT_OFFSET, 2 * parties);
            Slots.publish(slot, ProcessBarrier.TAG);
        }, (slot, file) -> {
            file.close();
            return null;
        });
        try (FileChannel file = FileChannel.open(root.resolve("sync/old"), StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder())
                    .putInt(0, SegmentHeaderDescriptor.version(1, 2)), SegmentHeaderDescriptor.VERSION_OFFSET);
        }
        try (ProcessBarrier barrier = ProcessBarrier.open("old")) {
            assertTrue(barrier.tracked());
            assertEquals(0, barrier.joinedMembers());
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ProcessBarrier.join("old"));
            assertTrue(refused.getMessage().contains("barrier 'old' has no table of joined members"), refused.getMessage());
            assertTrue(refused.getMessage().contains("before sync file version 1.3"), refused.getMessage());
            roundOf(barrier, 2);
            assertFalse(barrier.isBroken());
        } finally {
            ProcessBarrier.destroy("old");
        }
    }

    private static <T> CompletableFuture<T> async(Callable<T> call) {
        return BarrierBrokenTest.async(call);
    }

    private static void roundOf(ProcessBarrier barrier, int parties) throws Exception {
        BarrierBrokenTest.roundOf(barrier, parties);
    }
}
