package io.jipc.group;

import io.jipc.ClosedException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process group whose members are handles in this JVM (one thread each for collective
 * operations): joining, ranks, limits, messages, every collective operation, mismatches, aborts,
 * timeouts and the removal of the group by its last member. The members being in one process
 * changes nothing in the mechanism (each handle has its own rank, inbox and slot);
 * {@link GroupProcessTest} runs the same between processes.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupTest extends InProcessMembers {
    private ProcessGroup join(String name, GroupOptions options) {
        ProcessGroup g = ProcessGroup.join(name, options);
        members.add(g);
        return g;
    }

    private List<ProcessGroup> joinAll(String name, int size) {
        List<ProcessGroup> group = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            group.add(join(name, GroupOptions.of(size)));
        }
        return group;
    }

    /** Runs {@code body} for each member on its own thread and returns the results in rank order. */
    private <T> List<T> each(List<ProcessGroup> group, Member<T> body) throws Exception {
        return each(threads, group, body);
    }

    /** Runs {@code body} for each member on a thread of {@code threads}; the results in rank order. */
    static <T> List<T> each(java.util.concurrent.ExecutorService threads, List<ProcessGroup> group, Member<T> body)
            throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (ProcessGroup g : group) {
            futures.add(threads.submit((Callable<T>) () -> body.run(g)));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    @FunctionalInterface
    interface Member<T> {
        T run(ProcessGroup g) throws Exception;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, UTF_8);
    }

    /**
     * The names of the members' inboxes are told apart from other mailboxes by the one definition
     * that makes them ({@code jipc rm group:NAME} removes only these): exactly
     * {@code group.NAME.RANK.INCARNATION} or its {@code .parts}, digits as the group writes them.
     */
    @Test
    void inboxNamesAreToldApartFromOtherMailboxes() {
        String group = "a.b";
        for (String inbox : List.of(GroupDescriptor.inboxName(group, 0, 1), GroupDescriptor.partsInboxName(group, 3, 7),
                GroupDescriptor.inboxName(group, GroupDescriptor.MAX_SIZE - 1, -1))) { // incarnation 4294967295
            assertEquals(java.util.Optional.of(group), GroupDescriptor.groupOfInbox(inbox), inbox);
            assertTrue(GroupDescriptor.isInboxOf(group, inbox), inbox);
            assertFalse(GroupDescriptor.isInboxOf("a", inbox), inbox);
        }
        for (String other : List.of("group.a.b.backup", "group.a.b.0.1.old", "group.a.b.01.1", "group.a.b.0.01",
                "group.a.b.+0.1", "group.a.b.-1.1", "group.a.b.0.-1", "group.a.b.1024.1", "group.a.b.0.4294967296",
                "group.a.b.0.1.parts.parts", "group.a.b.0", "group..0.1", "group.0.1", "groups.a.b.0.1",
                "group.a.b.0.1 ", "group.a.b.0x1.1")) {
            assertEquals(java.util.Optional.empty(), GroupDescriptor.groupOfInbox(other).filter(group::equals), other);
            assertFalse(GroupDescriptor.isInboxOf(group, other), other);
        }
        assertEquals(java.util.Optional.of("a.b.0"), GroupDescriptor.groupOfInbox("group.a.b.0.1.2"));
    }

    @Test
    void joinersTakeTheLowestFreeRankAndTheGroupSaysWhoIsIn() throws Exception {
        List<ProcessGroup> g = joinAll("ranks", 3);
        assertEquals(List.of(0, 1, 2), g.stream().map(ProcessGroup::rank).toList());
        assertEquals(3, g.get(1).members().size());
        assertEquals(ProcessHandle.current().pid(), g.get(1).members().get(2).pid());
        assertTrue(g.get(0).awaitFull(Duration.ZERO));
        assertThrows(GroupFullException.class, () -> ProcessGroup.join("ranks", 3));
        g.get(1).close();
        assertEquals(List.of(0, 2), g.get(0).members().stream().map(GroupMember::rank).toList());
        assertFalse(g.get(0).awaitFull(Duration.ofMillis(10)));
        for (Duration minusCenturies : List.of(Duration.ofSeconds(Long.MIN_VALUE), Duration.ofDays(-365L * 300))) {
            assertFalse(g.get(0).awaitFull(minusCenturies), "a single look, as any negative timeout");
            assertNull(g.get(0).poll(minusCenturies));
        }
        assertEquals("timeout", assertThrows(NullPointerException.class, () -> g.get(0).poll(null)).getMessage());
        ProcessGroup again = join("ranks", GroupOptions.of(3));
        assertEquals(1, again.rank());
        assertEquals(2, again.members().get(1).incarnation());
        assertTrue(g.get(0).awaitFull(Duration.ofSeconds(5)));
    }

    @Test
    void aRankCanBeAskedForAndMisfitsAreRefused() {
        ProcessGroup two = join("chosen", GroupOptions.of(4).withRank(2));
        assertEquals(2, two.rank());
        assertThrows(GroupFullException.class, () -> ProcessGroup.join("chosen", GroupOptions.of(4).withRank(2)));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join("chosen", 5));
        // the message names what the number was and the group's ranks (it said "to rank 9 is outside 0..3")
        assertEquals("destination 9 is not a rank of group 'chosen' (ranks 0..3)",
                assertThrows(IllegalArgumentException.class, () -> two.send(9, new byte[1])).getMessage());
        assertEquals("root -1 is not a rank of group 'chosen' (ranks 0..3)",
                assertThrows(IllegalArgumentException.class, () -> two.broadcastFrom(-1, new byte[1])).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join("chosen", GroupOptions.of(0).withRank(4)));
        assertEquals(0, join("chosen", GroupOptions.of(0)).rank());
        assertThrows(GroupException.class, () -> ProcessGroup.join("absent", GroupOptions.of(0)));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join("../x", 2));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join("a.b", 2));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join("ok", 0));
        assertThrows(IllegalArgumentException.class, () -> GroupOptions.of(GroupDescriptor.MAX_SIZE + 1));
        assertThrows(IllegalArgumentException.class, () -> GroupOptions.of(2).withRank(2));
        assertThrows(IllegalArgumentException.class, () -> GroupOptions.of(2).withMaxMessageSize(1 << 20));
    }

    /** A liveness check and a collective timeout of centuries: no deadline, never an ArithmeticException. */
    @Test
    void durationsOfCenturiesAreNoDeadline() throws Exception {
        Duration centuries = Duration.ofSeconds(Long.MAX_VALUE);
        GroupOptions options = GroupOptions.of(2).withLivenessCheck(centuries).withCollectiveTimeout(centuries);
        ProcessGroup a = join("ages", options);
        ProcessGroup b = join("ages", options);
        a.send(b.rank(), bytes("hello"));
        assertEquals("hello", text(b.poll(centuries).payload()));
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                b.barrier();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        a.barrier();
        other.join();
    }

    @Test
    void messagesGoToOneMemberOrToAll() throws Exception {
        List<ProcessGroup> g = joinAll("talk", 3);
        g.get(0).send(2, bytes("to two"));
        assertTrue(g.get(1).offer(2, bytes("from one")));
        GroupMessage first = g.get(2).receive();
        assertEquals(0, first.sender());
        assertFalse(first.broadcast());
        assertEquals("to two", text(first.payload()));
        assertEquals("from one", text(g.get(2).poll(Duration.ofSeconds(5)).payload()));
        assertNull(g.get(2).poll());
        assertEquals(2, g.get(1).broadcast(bytes("all")));
        for (int r : new int[] {0, 2}) {
            GroupMessage m = g.get(r).receive();
            assertTrue(m.broadcast());
            assertEquals(1, m.sender());
            assertEquals("all", text(m.payload()));
        }
        assertNull(g.get(1).poll(), "a broadcast does not come back to its sender");
        assertThrows(IllegalArgumentException.class, () -> g.get(0).send(3, bytes("x")));
        assertThrows(MessageTooLargeException.class, () -> g.get(0).send(1, new byte[g.get(0).maxMessageSize() + 1]));
        g.get(0).send(1, new byte[g.get(0).maxMessageSize()]);
        assertEquals(g.get(0).maxMessageSize(), g.get(1).receive().payload().length);
        g.get(2).close();
        assertThrows(GroupMemberLostException.class, () -> g.get(0).send(2, bytes("gone")));
        assertEquals(1, g.get(0).broadcast(bytes("fewer")));
    }

    @Test
    void everyCollectiveOperationGivesEachMemberItsResult() throws Exception {
        List<ProcessGroup> g = joinAll("coll", 4);
        List<Object> results = each(g, m -> {
            int r = m.rank();
            m.barrier();
            byte[] shared = m.broadcastFrom(2, r == 2 ? bytes("from two") : null);
            byte[] mine = m.scatter(1, r == 1 ? List.of(bytes("p0"), bytes("p1"), bytes("p2"), bytes("p3")) : null);
            List<byte[]> gathered = m.gather(3, bytes("g" + r));
            List<byte[]> all = m.allGather(bytes("a" + r));
            byte[] reduced = m.reduce(0, bytes(String.valueOf(r)), (a, b) -> bytes(text(a) + text(b)));
            long sum = m.allReduce(r + 1L, Long::sum);
            byte[] max = m.allReduce(new byte[] {(byte) r}, (a, b) -> a[0] >= b[0] ? a : b);
            m.barrier();
            return List.of(text(shared), text(mine), gathered == null ? "-" : String.join(",", gathered.stream().map(GroupTest::text).toList()),
                    String.join(",", all.stream().map(GroupTest::text).toList()), reduced == null ? "-" : text(reduced), sum, (int) max[0]);
        });
        for (int r = 0; r < 4; r++) {
            List<?> got = (List<?>) results.get(r);
            assertEquals("from two", got.get(0));
            assertEquals("p" + r, got.get(1));
            assertEquals(r == 3 ? "g0,g1,g2,g3" : "-", got.get(2));
            assertEquals("a0,a1,a2,a3", got.get(3));
            assertEquals(r == 0 ? "0123" : "-", got.get(4));
            assertEquals(10L, got.get(5));
            assertEquals(3, got.get(6));
        }
    }

    @Test
    void applicationMessagesAndCollectivePartsDoNotMix() throws Exception {
        List<ProcessGroup> g = joinAll("mixed", 2);
        g.get(1).send(0, bytes("before"));
        each(g, m -> {
            m.barrier();
            return m.allReduce(1, Long::sum);
        });
        g.get(1).send(0, bytes("after"));
        assertEquals("before", text(g.get(0).receive().payload()));
        assertEquals("after", text(g.get(0).receive().payload()));
        assertNull(g.get(0).poll());
    }

    @Test
    void membersInDifferentOperationsGetAProtocolError() throws Exception {
        List<ProcessGroup> g = joinAll("mismatch", 2);
        Future<?> allGatherer = threads.submit(() -> g.get(1).allGather(bytes("y")));
        GroupProtocolException e = assertThrows(GroupProtocolException.class, () -> g.get(0).gather(0, bytes("x")));
        assertTrue(e.getMessage().contains("rank 1 is in ALL_GATHER where rank 0 is in GATHER"), e.getMessage());
        allGatherer.cancel(true);
        assertThrows(GroupException.class, () -> g.get(0).barrier(), "collectives stay broken");
    }

    @Test
    void aRootsOwnFailureAbortsTheOperationForAllAndTheNextOneWorks() throws Exception {
        List<ProcessGroup> g = joinAll("abort", 3);
        List<Object> outcomes = each(g, m -> {
            Object outcome;
            try {
                m.scatter(0, m.rank() == 0 ? List.of(bytes("only one")) : null);
                outcome = "returned";
            } catch (IllegalArgumentException | CollectiveAbortedException e) {
                outcome = e.getClass().getSimpleName();
            }
            return List.of(outcome, m.allReduce(m.rank(), Long::sum));
        });
        assertEquals(List.of("IllegalArgumentException", 3L), outcomes.get(0));
        assertEquals(List.of("CollectiveAbortedException", 3L), outcomes.get(1));
        assertEquals(List.of("CollectiveAbortedException", 3L), outcomes.get(2));
        List<Object> again = each(g, m -> {
            try {
                return m.allReduce(new byte[] {1}, (a, b) -> {
                    throw new ArithmeticException("no");
                });
            } catch (ArithmeticException | CollectiveAbortedException e) {
                return e.getClass().getSimpleName();
            }
        });
        assertEquals(List.of("ArithmeticException", "CollectiveAbortedException", "CollectiveAbortedException"), again);
        assertEquals(List.of(3L, 3L, 3L), each(g, m -> m.allReduce(m.rank(), Long::sum)));
    }

    /**
     * A member's own wrong argument to the group's first collective operation is refused at once
     * while the group is not full: the root's scatter with one part or none, a null or over-size
     * value, at a root and elsewhere. Nothing is sent or counted: once the other member has joined,
     * both run the group's first operation. Until 2026-12-07 each waited for the group to fill first
     * (with no collective timeout, for as long as the rank stayed empty).
     */
    @Test
    void aWrongArgumentOfTheFirstCollectiveOperationIsRefusedBeforeTheGroupFills() throws Exception {
        ProcessGroup alone = join("early", GroupOptions.of(2));
        byte[] big = new byte[alone.maxMessageSize() + 1];
        Map<String, Member<Object>> wrong = new LinkedHashMap<>();
        wrong.put("IllegalArgumentException: scatter needs 2 parts, one per rank, not 1",
                m -> m.scatter(0, List.of(bytes("one part"))));
        wrong.put("IllegalArgumentException: scatter needs 2 parts, one per rank, not null", m -> m.scatter(0, null));
        wrong.put("MessageTooLargeException: SCATTER", m -> m.scatter(0, List.of(bytes("a"), big)));
        wrong.put("NullPointerException: BROADCAST_FROM: value is null", m -> m.broadcastFrom(0, null));
        wrong.put("MessageTooLargeException: BROADCAST_FROM", m -> m.broadcastFrom(0, big));
        wrong.put("NullPointerException: GATHER: value is null", m -> m.gather(1, null));
        wrong.put("MessageTooLargeException: ALL_GATHER", m -> m.allGather(big));
        wrong.put("NullPointerException: REDUCE: value is null", m -> m.reduce(0, null, (a, b) -> a));
        wrong.put("MessageTooLargeException: REDUCE", m -> m.reduce(1, big, (a, b) -> a));
        wrong.put("NullPointerException: ALL_REDUCE: value is null", m -> m.allReduce(null, (a, b) -> a));
        for (Map.Entry<String, Member<Object>> call : wrong.entrySet()) {
            Future<Object> outcome = threads.submit(() -> call.getValue().run(alone));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> outcome.get(30, TimeUnit.SECONDS), call.getKey());
            String got = e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
            assertTrue(got.startsWith(call.getKey()), got);
        }
        List<ProcessGroup> g = List.of(alone, join("early", GroupOptions.of(2)));
        assertEquals(List.of("for 0", "for 1"), each(g, m -> new String(
                m.scatter(0, m.rank() == 0 ? List.of(bytes("for 0"), bytes("for 1")) : null), UTF_8)));
        assertEquals(List.of(1L, 1L), each(g, m -> m.allReduce(m.rank(), Long::sum)));
    }

    /**
     * A value over the limit in any collective operation is refused with the exception an oversized
     * message gets from {@code send} (MessageTooLargeException), by the member whose value it is; the
     * members waiting for that value end the operation with CollectiveAbortedException, and the next
     * one works. Until 2026-12-05 a collective operation threw IllegalArgumentException instead.
     */
    @Test
    void aValueTooLargeForACollectiveIsRefusedAsAMessageTooLargeIs() throws Exception {
        List<ProcessGroup> g = joinAll("oversized", 3);
        int max = g.get(0).maxMessageSize();
        byte[] big = new byte[max + 1];
        List<Member<Object>> operations = List.of(
                m -> m.broadcastFrom(0, m.rank() == 0 ? big : null),
                m -> m.scatter(0, m.rank() == 0 ? List.of(bytes("a"), big, bytes("c")) : null),
                m -> m.gather(0, m.rank() == 1 ? big : bytes("v")),
                m -> m.allGather(m.rank() == 2 ? big : bytes("v")),
                m -> m.reduce(0, m.rank() == 1 ? big : bytes("v"), (a, b) -> a),
                m -> m.allReduce(new byte[max / 2 + 1], (a, b) -> new byte[a.length + b.length]));
        List<List<String>> expected = List.of(
                List.of("too large", "aborted", "aborted"),
                List.of("too large", "aborted", "aborted"),
                List.of("aborted", "too large", "returned"),
                List.of("aborted", "aborted", "too large"),
                List.of("aborted", "too large", "returned"),
                List.of("too large", "aborted", "aborted"));
        for (int i = 0; i < operations.size(); i++) {
            Member<Object> operation = operations.get(i);
            List<String> outcomes = each(g, m -> {
                try {
                    operation.run(m);
                    return "returned";
                } catch (MessageTooLargeException e) {
                    assertEquals(max, e.limit(), e.getMessage());
                    assertTrue(e.length() > max, e.getMessage());
                    return "too large";
                } catch (CollectiveAbortedException e) {
                    return "aborted";
                }
            });
            assertEquals(expected.get(i), outcomes, "operation " + i);
            assertEquals(List.of(3L, 3L, 3L), each(g, m -> m.allReduce(1, Long::sum)), "the next one works");
        }
    }

    /**
     * A combine that throws an Error (not an exception) at rank 0: the others are told instead of
     * waiting for ever, and the thrower's collectives are broken (it went on to the next operation).
     */
    @Test
    void anErrorInCombineBreaksCollectivesAndTellsTheOthers() throws Exception {
        List<ProcessGroup> g = joinAll("error", 3);
        List<Object> outcomes = each(g, m -> {
            try {
                return m.allReduce(new byte[] {1}, (a, b) -> {
                    throw new AssertionError("combine failed an assertion");
                });
            } catch (AssertionError | GroupMemberLostException e) {
                return e.getClass().getSimpleName();
            }
        });
        assertEquals(List.of("AssertionError", "GroupMemberLostException", "GroupMemberLostException"), outcomes);
        assertThrows(GroupException.class, g.get(0)::barrier, "the thrower's collectives are broken");
    }

    @Test
    void aCollectiveTimesOutWhenTheGroupNeverFillsAndWhenAMemberNeverComes() throws Exception {
        GroupOptions quick = GroupOptions.of(3).withCollectiveTimeout(Duration.ofMillis(200));
        // b waits far longer than a: a's own timeout comes first whichever thread starts its barrier
        // first (with equal timeouts, b's could expire first and a would be told instead)
        GroupOptions patient = GroupOptions.of(3).withCollectiveTimeout(Duration.ofSeconds(30));
        ProcessGroup a = join("late", quick);
        ProcessGroup b = join("late", patient);
        assertThrows(GroupTimeoutException.class, a::barrier);
        join("late", quick);
        Future<?> bWaits = threads.submit(() -> {
            b.barrier();
            return null;
        });
        assertThrows(GroupTimeoutException.class, a::barrier, "the third member never calls it");
        GroupMemberLostException told = assertInstanceOf(GroupMemberLostException.class,
                assertThrows(java.util.concurrent.ExecutionException.class, () -> bWaits.get(10, TimeUnit.SECONDS)).getCause(),
                "a tells b that it timed out, long before b's own timeout");
        assertEquals(0, told.rank());
        assertThrows(GroupException.class, a::barrier, "collectives are broken after a timeout");
    }

    @Test
    void aMemberWhoseCollectivesBreakTellsTheOthersSoNoneWaitsInVain() throws Exception {
        ProcessGroup root = join("told", GroupOptions.of(3).withCollectiveTimeout(Duration.ofMillis(300)));
        ProcessGroup waiting = join("told", GroupOptions.of(3));
        ProcessGroup late = join("told", GroupOptions.of(3));
        Future<?> waits = threads.submit(() -> {
            waiting.barrier(); // rank 1 waits for the root's release, which never comes
            return null;
        });
        assertThrows(GroupTimeoutException.class, root::barrier, "rank 2 never arrives");
        GroupMemberLostException told = assertInstanceOf(GroupMemberLostException.class,
                assertThrows(java.util.concurrent.ExecutionException.class, () -> waits.get(10, TimeUnit.SECONDS)).getCause());
        assertEquals(0, told.rank());
        assertTrue(told.getMessage().contains("rank 0 can take no further part"), told.getMessage());
        GroupMemberLostException atOnce = assertThrows(GroupMemberLostException.class, late::barrier,
                "a member told before its next operation fails it at once");
        assertEquals(0, atOnce.rank());
        late.send(0, bytes("still talking"));
        assertEquals("still talking", text(root.receive().payload()), "messages keep working");
    }

    @Test
    void closingEndsAWaitingReceiveAndTheLastMemberRemovesTheGroup(Path root) throws Exception {
        List<ProcessGroup> g = joinAll("gone", 3);
        Future<?> waiting = threads.submit(() -> g.get(0).receive());
        Thread.sleep(50);
        g.get(0).close();
        Throwable ended = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> waiting.get(10, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(ClosedException.class, ended);
        assertTrue(ended.getMessage().contains("process group handle of 'gone'"),
                "names the group, not its inbox mailbox: " + ended.getMessage());
        Future<?> filling = threads.submit(() -> g.get(1).awaitFull(Duration.ofMinutes(1)));
        Thread.sleep(50);
        g.get(1).close();
        assertInstanceOf(ClosedException.class, assertThrows(java.util.concurrent.ExecutionException.class,
                () -> filling.get(10, TimeUnit.SECONDS)).getCause(), "a wait for the group to fill ends too");
        assertThrows(ClosedException.class, () -> g.get(0).send(1, bytes("x")));
        assertTrue(ProcessGroup.exists("gone"));
        g.get(2).close();
        assertFalse(ProcessGroup.exists("gone"));
        try (Stream<Path> left = Files.walk(root)) {
            assertEquals(List.of(), left.filter(Files::isRegularFile).map(Path::toString)
                    .filter(p -> p.contains("group")).toList());
        }
        assertFalse(Mailbox.exists(GroupDescriptor.inboxName("gone", 0, 1)));
    }

    /**
     * A thread blocked sending to a member whose inbox is full (or, in a collective operation,
     * waiting for its part), when its own handle is closed by another thread: the ClosedException
     * says that this member's group handle was closed (and whom it was sending to or waiting for),
     * not that an inbox mailbox was. Until 2026-12-05 it was the inbox mailbox's own "mailbox
     * 'group.blocked-send.1.1' is closed", as if the receiver had gone.
     */
    @Test
    void closingASenderBlockedOnAFullInboxSaysItsOwnHandleWasClosed() throws Exception {
        GroupOptions small = GroupOptions.of(2).withInboxBytes(GroupDescriptor.MIN_INBOX_BYTES).withMaxMessageSize(1000);
        byte[] value = new byte[1000];
        Map<String, Member<Object>> blockedCalls = new LinkedHashMap<>();
        blockedCalls.put("send", m -> {
            m.send(1, value);
            return null;
        });
        blockedCalls.put("broadcast", m -> m.broadcast(value));
        blockedCalls.put("broadcastFrom", m -> m.broadcastFrom(0, value)); // the root runs ahead into the parts inbox
        blockedCalls.put("barrier", m -> { // waits for rank 1's part, which never comes
            m.barrier();
            return null;
        });
        for (Map.Entry<String, Member<Object>> call : blockedCalls.entrySet()) {
            String name = "blocked-" + call.getKey().toLowerCase(java.util.Locale.ROOT);
            ProcessGroup sender = join(name, small);
            ProcessGroup receiver = join(name, small);
            while (sender.offer(receiver.rank(), value)) {
                // fill the receiver's inbox for messages, which never receives
            }
            AtomicLong calls = new AtomicLong();
            AtomicReference<Thread> caller = new AtomicReference<>();
            Future<?> blocked = threads.submit(() -> {
                caller.set(Thread.currentThread());
                while (true) {
                    call.getValue().run(sender);
                    calls.incrementAndGet();
                }
            });
            boolean barrier = call.getKey().equals("barrier");
            awaitBlockedIn(caller, calls, barrier ? Inbox.class : PeerInboxes.class, barrier ? "await" : "deliver");
            sender.close();
            Throwable ended = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> blocked.get(10, TimeUnit.SECONDS)).getCause();
            assertInstanceOf(ClosedException.class, ended, call.getKey());
            assertTrue(ended.getMessage().startsWith("process group handle of '" + name + "' (rank 0) was closed"),
                    call.getKey() + ": names what was closed, this member's handle: " + ended.getMessage());
            assertTrue(ended.getMessage().contains(call.getKey().equals("barrier") ? "waiting for rank 1" : "sending to rank 1"),
                    call.getKey() + ": " + ended.getMessage());
            receiver.close();
        }
    }

    /**
     * Returns once the thread in {@code caller} is inside {@code type.method} and stays there while
     * {@code calls} (its completed calls) does not move: it waits there for something that does not come.
     */
    private static void awaitBlockedIn(AtomicReference<Thread> caller, AtomicLong calls,
                                       Class<?> type, String method) throws InterruptedException {
        while (true) {
            long seen = calls.get();
            boolean inside = isIn(caller.get(), type, method);
            Thread.sleep(100);
            if (inside && isIn(caller.get(), type, method) && calls.get() == seen) {
                return;
            }
        }
    }

    private static boolean isIn(Thread thread, Class<?> type, String method) {
        return thread != null && Stream.of(thread.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(type.getName()) && f.getMethodName().equals(method));
    }

    /**
     * One member's inbox under contention: four threads receive its messages while a fifth runs
     * collective operations through the same inbox, and two other members send to it and take part
     * in the collectives. Every message is received exactly once (by one of the threads), never by
     * a collective; every collective gets its right result.
     */
    @Test
    void receivingThreadsAndCollectivesShareOneInboxWithoutLosingOrStealing() throws Exception {
        List<ProcessGroup> g = joinAll("shared", 3);
        int perSender = 3_000;
        int rounds = 300;
        java.util.Set<String> received = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger duplicates = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(2 * perSender);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            work.add(threads.submit(() -> {
                while (all.getCount() > 0) {
                    GroupMessage m = g.get(0).poll(Duration.ofMillis(20));
                    if (m != null) {
                        if (!received.add(m.sender() + ":" + java.nio.ByteBuffer.wrap(m.payload()).getInt())) {
                            duplicates.incrementAndGet();
                        }
                        all.countDown();
                    }
                }
                return null;
            }));
        }
        for (int r = 0; r < 3; r++) {
            ProcessGroup member = g.get(r);
            work.add(threads.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    if (member.rank() != 0 && i % 10 == 0) {
                        for (int k = 0; k < perSender / (rounds / 10); k++) {
                            member.send(0, java.nio.ByteBuffer.allocate(4).putInt(i / 10 * (perSender / (rounds / 10)) + k).array());
                        }
                    }
                    long sum = member.allReduce(member.rank() + i, Long::sum);
                    assertEquals(3L * i + 3, sum, "round " + i);
                    member.barrier();
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertEquals(0, duplicates.get());
        assertEquals(2 * perSender, received.size());
    }

    @Test
    void messagesToOneMemberKeepTheSendersOrderUnderManySenders() throws Exception {
        List<ProcessGroup> g = joinAll("order", 4);
        int count = 5_000;
        List<Future<?>> senders = new ArrayList<>();
        for (int s = 1; s < 4; s++) {
            ProcessGroup sender = g.get(s);
            senders.add(threads.submit(() -> {
                for (int i = 0; i < count; i++) {
                    sender.send(0, java.nio.ByteBuffer.allocate(4).putInt(i).array());
                }
                return null;
            }));
        }
        int[] next = new int[4];
        for (int i = 0; i < 3 * count; i++) {
            GroupMessage m = g.get(0).receive();
            assertEquals(next[m.sender()]++, java.nio.ByteBuffer.wrap(m.payload()).getInt());
        }
        for (Future<?> f : senders) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertArrayEquals(new int[] {0, count, count, count}, next);
    }
}
