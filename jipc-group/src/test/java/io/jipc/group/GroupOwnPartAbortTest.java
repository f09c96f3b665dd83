package io.jipc.group;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member whose own part of a collective operation fails tells the others with an abort; when a
 * member's inbox for parts has no room for it (rank 1 here, its inbox filled by hand as a member
 * that a root ran operations ahead into would have it), the failing member gives up waiting
 * within a bound, or on an interrupt, and then breaks its collective operations and tells the
 * others so, as after a timeout: nobody waits for ever and its next operation fails at once.
 * Until 2026-12-07 it waited for room for ever, and an interrupt there escaped the handling that
 * breaks the member's collective operations and tells the others.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupOwnPartAbortTest extends InProcessMembers {
    private static final long WAIT_SECONDS = 20;
    private static final GroupOptions SMALL = GroupOptions.of(3).withInboxBytes(65536).withMaxMessageSize(16384);

    /** Three members in group {@code name} (rank 0 with {@code rootOptions}) after one barrier, rank 1's inbox for parts full. */
    private List<ProcessGroup> groupWithRankOneFull(String name, GroupOptions rootOptions) throws Exception {
        members.add(ProcessGroup.join(name, rootOptions.withRank(0)));
        members.add(ProcessGroup.join(name, SMALL.withRank(1)));
        members.add(ProcessGroup.join(name, SMALL.withRank(2)));
        List<Future<Object>> first = new ArrayList<>();
        for (ProcessGroup g : members) {
            first.add(threads.submit(() -> {
                g.barrier();
                return null;
            }));
        }
        for (Future<Object> f : first) {
            f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        int incarnation = members.get(0).members().get(1).incarnation();
        try (Mailbox parts = Mailbox.open(GroupDescriptor.partsInboxName(name, 1, incarnation))) {
            while (parts.offer(new byte[100])) {
                // until it has no room: nobody takes them, rank 1 is in no collective operation
            }
        }
        return members;
    }

    private <T> Future<T> submit(Callable<T> call) {
        return threads.submit(call);
    }

    private static Throwable failure(Future<?> f) {
        return assertThrows(ExecutionException.class, () -> f.get(WAIT_SECONDS, TimeUnit.SECONDS)).getCause();
    }

    /** After the failing root gave up: it is broken, the member it could not tell finds its mark. */
    private void assertRootBrokenAndRankOneTold(List<ProcessGroup> g, Future<byte[]> rankTwo) {
        assertInstanceOf(CollectiveAbortedException.class, failure(rankTwo), "rank 2 had room for the abort");
        Throwable next = failure(submit(() -> {
            g.get(0).barrier();
            return null;
        }));
        assertEquals(GroupException.class, next.getClass(), next.toString());
        assertTrue(next.getMessage().contains("are broken"), next.getMessage());
        Throwable one = failure(submit(() -> {
            g.get(1).barrier();
            return null;
        }));
        assertEquals(0, assertInstanceOf(GroupMemberLostException.class, one).rank(), one.toString());
    }

    @Test
    void aMemberWhoseInboxHasNoRoomForTheAbortDoesNotHoldTheFailingMemberForEver() throws Exception {
        List<ProcessGroup> g = groupWithRankOneFull("abort-full", SMALL);
        Future<byte[]> rankTwo = submit(() -> g.get(2).scatter(0, null));
        Future<byte[]> root = submit(() -> g.get(0).scatter(0, List.of(new byte[1]))); // one part, not three
        Throwable own = failure(root);
        assertInstanceOf(IllegalArgumentException.class, own, own.toString());
        assertEquals(1, own.getSuppressed().length, Arrays.toString(own.getSuppressed()));
        assertInstanceOf(GroupTimeoutException.class, own.getSuppressed()[0]);
        assertRootBrokenAndRankOneTold(g, rankTwo);
    }

    @Test
    void anInterruptWhileTellingTheOthersBreaksTheMembersCollectivesAndTellsThem() throws Exception {
        // a long liveness interval: the bound on the wait for room (ten of them) does not come first
        List<ProcessGroup> g = groupWithRankOneFull("abort-interrupt", SMALL.withLivenessCheck(Duration.ofSeconds(10)));
        Future<byte[]> rankTwo = submit(() -> g.get(2).scatter(0, null));
        Thread[] rootThread = new Thread[1];
        Future<byte[]> root = submit(() -> {
            rootThread[0] = Thread.currentThread();
            return g.get(0).scatter(0, List.of(new byte[1]));
        });
        while (rootThread[0] == null || Arrays.stream(rootThread[0].getStackTrace())
                .noneMatch(f -> f.getMethodName().equals("abortOthers"))) {
            Thread.sleep(10); // until it waits for room in rank 1's inbox
        }
        Thread.sleep(50);
        rootThread[0].interrupt();
        Throwable interrupted = failure(root);
        assertInstanceOf(InterruptedException.class, interrupted, interrupted.toString());
        assertInstanceOf(IllegalArgumentException.class, interrupted.getSuppressed()[0]);
        assertRootBrokenAndRankOneTold(g, rankTwo);
    }
}
