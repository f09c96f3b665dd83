package io.jipc.group;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Members that call different collective operations each of which only sends to the other (a
 * scatter against a gather, a broadcastFrom against a reduce) both return, each with what its own
 * operation gives it; the next collective operation that takes parts finds the other's part of the
 * earlier one and fails with GroupProtocolException, breaking both members' collective operations
 * (until 2026-12-07 the stray parts were dropped without a word and the mismatch went unnoticed).
 * The allReduce forms, which rank 0 reports as its own failed part, stay recoverable.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupMismatchedOperationsTest extends InProcessMembers {
    private static final GroupOptions OPTIONS = GroupOptions.of(2).withCollectiveTimeout(Duration.ofSeconds(20));

    private List<ProcessGroup> pair(String name) {
        members.add(ProcessGroup.join(name, OPTIONS));
        members.add(ProcessGroup.join(name, OPTIONS));
        return members;
    }

    private Throwable failure(Callable<?> call) {
        Future<?> f = threads.submit(call);
        return assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS)).getCause();
    }

    /**
     * The next allGather: a member fails it with GroupProtocolException (the other too, or, if the
     * first has told it by then, with GroupMemberLostException), and their collectives stay broken.
     */
    private void nextOperationFindsTheMismatch(List<ProcessGroup> g, String ran0, String ran1) {
        Future<?> zero = threads.submit(() -> g.get(0).allGather(new byte[1]));
        Future<?> one = threads.submit(() -> g.get(1).allGather(new byte[1]));
        int found = 0;
        for (Future<?> f : List.of(zero, one)) {
            Throwable e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS)).getCause();
            if (e instanceof GroupProtocolException) {
                assertTrue(e.getMessage().contains("rank 0 ran " + ran0) || e.getMessage().contains("rank 1 ran " + ran1),
                        e.getMessage());
                assertTrue(e.getMessage().contains("members called different collective operations"), e.getMessage());
                found++;
            } else {
                assertInstanceOf(GroupMemberLostException.class, e, e.toString());
            }
        }
        assertTrue(found > 0, "a member found the other's part of the earlier operation");
        for (ProcessGroup member : g) {
            Throwable e = failure(() -> {
                member.barrier();
                return null;
            });
            assertEquals(GroupException.class, e.getClass(), e.toString());
        }
    }

    @Test
    void aScatterAgainstAGatherIsFoundByTheNextOperation() throws Exception {
        List<ProcessGroup> g = pair("scatter-gather");
        Future<byte[]> scattered = threads.submit(() -> g.get(0).scatter(0, List.of("for0".getBytes(UTF_8), "for1".getBytes(UTF_8))));
        Future<List<byte[]>> gathered = threads.submit(() -> g.get(1).gather(0, "v1".getBytes(UTF_8)));
        assertArrayEquals("for0".getBytes(UTF_8), scattered.get(30, TimeUnit.SECONDS));
        assertNull(gathered.get(30, TimeUnit.SECONDS), "a non-root of gather cannot tell");
        nextOperationFindsTheMismatch(g, "SCATTER", "GATHER");
    }

    @Test
    void aBroadcastFromAgainstAReduceIsFoundByTheNextOperation() throws Exception {
        List<ProcessGroup> g = pair("broadcast-reduce");
        Future<byte[]> broadcast = threads.submit(() -> g.get(0).broadcastFrom(0, "root".getBytes(UTF_8)));
        Future<byte[]> reduced = threads.submit(() -> g.get(1).reduce(0, "v1".getBytes(UTF_8), (a, b) -> a));
        assertArrayEquals("root".getBytes(UTF_8), broadcast.get(30, TimeUnit.SECONDS));
        assertNull(reduced.get(30, TimeUnit.SECONDS));
        nextOperationFindsTheMismatch(g, "BROADCAST_FROM", "REDUCE");
    }

    @Test
    void theAllReduceFormsStayRecoverable() throws Exception {
        members.add(ProcessGroup.join("forms", GroupOptions.of(3)));
        members.add(ProcessGroup.join("forms", GroupOptions.of(3)));
        members.add(ProcessGroup.join("forms", GroupOptions.of(3)));
        List<Future<Object>> mixed = new ArrayList<>();
        mixed.add(threads.submit(() -> g(0).allReduce(new byte[8], (a, b) -> a)));
        mixed.add(threads.submit(() -> g(1).allReduce(1L, Long::sum)));
        mixed.add(threads.submit(() -> g(2).allReduce(1L, Long::sum)));
        for (Future<Object> f : mixed) {
            assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        }
        for (int round = 0; round < 3; round++) {
            List<Future<Long>> sums = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                int rank = r;
                sums.add(threads.submit(() -> g(rank).allReduce(1L, Long::sum)));
            }
            for (Future<Long> f : sums) {
                assertEquals(3L, f.get(30, TimeUnit.SECONDS));
            }
        }
    }

    private ProcessGroup g(int rank) {
        return members.get(rank);
    }
}
