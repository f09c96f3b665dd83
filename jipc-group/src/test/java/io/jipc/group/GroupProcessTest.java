package io.jipc.group;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Process groups between real processes: members in child JVMs ({@link GroupChild}) and the test
 * JVM. Every collective operation for hundreds of rounds with the root moving, broadcasts arriving
 * once and in each sender's order, point-to-point round trips, a member killed in the middle of
 * collective operations, a dead member's rank taken over, a send blocked on a full inbox ended by
 * the receiver's leaving, and the last member removing the group. No duration is asserted: every
 * wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupProcessTest {
    private static final Duration LONG = Duration.ofSeconds(60);

    private final List<ChildJvm> children = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private ChildJvm start(String... args) {
        ChildJvm child = ChildJvm.builder(GroupChild.class).args(args).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(child);
        return child;
    }

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        for (ChildJvm child : children) {
            if (child.isAlive()) {
                child.process().getOutputStream().close();
                child.waitFor(LONG);
            }
            child.close();
        }
    }

    private static void assertLeft(ChildJvm child) {
        child.awaitLine("LEFT", LONG);
        assertEquals(0, child.waitFor(LONG), child.output());
    }

    /** What the test JVM runs as a member; {@code null} when every check held. */
    @FunctionalInterface
    private interface Scenario {
        String run(ProcessGroup g) throws InterruptedException;
    }

    /**
     * Runs {@link GroupChild} {@code mode} in three child JVMs and {@code scenario} here, as the four
     * members of group {@code name}; every member's checks must hold, and the group must be gone after.
     */
    private void inFourProcesses(String mode, String name, int count, Scenario scenario) throws Exception {
        for (int i = 0; i < 3; i++) {
            start(mode, name, "4", Integer.toString(count));
        }
        try (ProcessGroup g = ProcessGroup.join(name, 4)) {
            assertNull(scenario.run(g));
        }
        for (ChildJvm child : children) {
            child.awaitLine("OK", LONG);
            assertLeft(child);
        }
        assertFalse(ProcessGroup.exists(name));
    }

    /**
     * A non-root member of a gather and a reduce goes on as soon as its part is in the root's inbox,
     * and may leave: a root that begins them only after that gets every part, whether they are the
     * group's first collective operations ({@code first}: until 2026-12-05 the root waited for ever for
     * the group to fill) or come after a barrier ({@code barrier}: it threw GroupMemberLostException,
     * having checked the members before the parts delivered). The next operation that needs the
     * member that left fails, and does not wait for ever.
     */
    private void rootBeginsAfterAMemberDeliveredAndLeft(String group, String mode) throws Exception {
        try (ProcessGroup g = ProcessGroup.join(group, GroupOptions.of(2).withRank(0))) {
            ChildJvm member = start("ahead", group, "2", mode);
            member.awaitLine("JOINED 1", LONG);
            if (mode.equals("barrier")) {
                g.barrier();
            }
            member.awaitLine("DELIVERED", LONG);
            assertLeft(member); // gone, its process too, before the root begins
            Future<List<byte[]>> gathered = threads.submit(() -> g.gather(0, "from-0".getBytes(StandardCharsets.UTF_8)));
            List<byte[]> values = gathered.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(List.of("from-0", "from-1"), values.stream().map(v -> new String(v, StandardCharsets.UTF_8)).toList());
            Future<byte[]> reduced = threads.submit(() -> g.reduce(0, "+0".getBytes(StandardCharsets.UTF_8), GroupChild::concat));
            assertEquals("+0+1", new String(reduced.get(LONG.toSeconds(), TimeUnit.SECONDS), StandardCharsets.UTF_8));
            Future<List<byte[]>> next = threads.submit(() -> g.gather(0, "again".getBytes(StandardCharsets.UTF_8)));
            ExecutionException e = assertThrows(ExecutionException.class, () -> next.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertEquals(1, assertInstanceOf(GroupMemberLostException.class, e.getCause()).rank());
        }
    }

    /**
     * A group whose only member was killed is dead: joining it with another size says so, and how to
     * remove it (until 2026-12-05 an IllegalArgumentException about the size, as for a live group).
     */
    @Test
    void joiningADeadGroupWithAnotherSizeSaysItIsDead() throws Exception {
        ChildJvm member = start("echo", "dead-size", "3");
        member.awaitLine("JOINED", LONG);
        member.kill();
        GroupException e = assertThrows(GroupException.class, () -> ProcessGroup.join("dead-size", 2));
        assertTrue(e.getMessage().contains("has 3 ranks, not 2, and no live member")
                && e.getMessage().contains("'jipc rm group:dead-size' or 'jipc gc'"), e.getMessage());
        ProcessGroup.join("dead-size", GroupOptions.of(0)).close(); // its last member leaving removes it
        assertFalse(ProcessGroup.exists("dead-size"));
    }

    /**
     * Five members whose inboxes for parts hold only three values of {@code maxMessageSize()} (64 KiB
     * inboxes, 16 KiB values) run allGathers: a member waiting for room in another's inbox takes the
     * parts from its own meanwhile. Until 2026-12-06 two members each waited for ever for room in the
     * other's full inbox (and the three others for their parts).
     */
    @Test
    void allGatherWhoseInboxesCannotHoldEveryValueCompletes() throws Exception {
        int rounds = 4;
        for (int i = 0; i < 4; i++) {
            start("allgather", "narrow", "5", "65536", "16384", Integer.toString(rounds));
        }
        boolean done = false;
        try (ProcessGroup g = ProcessGroup.join("narrow", GroupOptions.of(5).withInboxBytes(65536))) {
            assertEquals(16384, g.maxMessageSize());
            Future<String> mine = threads.submit(() -> GroupChild.allGathers(g, 16384, rounds));
            assertNull(mine.get(LONG.toSeconds(), TimeUnit.SECONDS));
            done = true;
        } finally {
            if (!done) {
                children.forEach(ChildJvm::kill); // a hang: do not wait for them to leave
            }
        }
        for (ChildJvm child : children) {
            child.awaitLine("OK", LONG);
            assertLeft(child);
        }
        assertFalse(ProcessGroup.exists("narrow"));
    }

    /**
     * Members that mix {@code allReduce(long, op)} and {@code allReduce(byte[], combine)} all find
     * out, whichever rank calls which: rank 0 throws GroupProtocolException, the others
     * CollectiveAbortedException, and the next operation works. Until 2026-12-06 a member in the
     * {@code long} form at rank 1 returned 0 (the first 8 bytes of rank 0's 12-byte result).
     */
    @ParameterizedTest
    @ValueSource(strings = {"long", "bytes"})
    void mixingTheTwoAllReduceFormsFailsAtEveryRank(String childForm) throws Exception {
        String group = "mix-" + childForm;
        try (ProcessGroup g = ProcessGroup.join(group, GroupOptions.of(2).withRank(0))) {
            ChildJvm member = start("allreduce", group, "2", childForm);
            member.awaitLine("JOINED 1", LONG);
            Future<?> mine = threads.submit(() -> childForm.equals("long")
                    ? g.allReduce(new byte[4], GroupChild::concat) : g.allReduce(1L, Long::sum));
            ExecutionException e = assertThrows(ExecutionException.class, () -> mine.get(LONG.toSeconds(), TimeUnit.SECONDS));
            GroupProtocolException p = assertInstanceOf(GroupProtocolException.class, e.getCause());
            assertTrue(p.getMessage().contains("members called different allReduce methods"), p.getMessage());
            assertEquals("THREW CollectiveAbortedException", member.awaitLine("THREW", LONG).strip(), member.output());
            Future<Long> next = threads.submit(() -> g.allReduce(2L, Long::sum));
            assertEquals(3L, next.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertEquals("NEXT 3", member.awaitLine("NEXT", LONG).strip());
            assertLeft(member);
        }
        assertFalse(ProcessGroup.exists(group));
    }

    /**
     * A member that timed out in the group's first barrier tells the other and leaves: the other's
     * first collective operation ends at once with GroupMemberLostException (until 2026-12-06 it
     * waited for ever, though the notice was in its inbox), its collective operations stay usable,
     * and with a newcomer in the rank the old notice does not count (it failed the new view, and the
     * newcomer got "rank 1 reports rank 0 lost" about itself).
     */
    @Test
    void aNoticeFromAMemberThatLeftEndsTheFirstCollectiveAndDoesNotOutliveIt() throws Exception {
        try (ProcessGroup g = ProcessGroup.join("stale", GroupOptions.of(2).withRank(1))) {
            ChildJvm first = start("timeout-barrier", "stale", "2");
            first.awaitLine("JOINED 0 1", LONG);
            first.awaitLine("TIMEOUT", LONG); // it told this member, and leaves
            assertLeft(first);
            Future<?> barrier = threads.submit(() -> {
                g.barrier();
                return null;
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> barrier.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertEquals(0, assertInstanceOf(GroupMemberLostException.class, e.getCause()).rank(), e.getCause().toString());
            ChildJvm second = start("nbarriers", "stale", "2", "2");
            second.awaitLine("JOINED 0 2", LONG);
            Future<?> twice = threads.submit(() -> {
                g.barrier();
                g.barrier();
                return null;
            });
            twice.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertEquals("BARRIERS 2", second.awaitLine("BARRIERS", LONG).strip(), second.output());
            assertLeft(second);
        }
        assertFalse(ProcessGroup.exists("stale"));
    }

    /**
     * A member killed (-9) after the group's first barrier breaks the survivor's collective
     * operations, whose mark names the lost rank. A newcomer that takes that rank is not the lost
     * member: its first barrier ends at once with GroupMemberLostException naming the survivor
     * (which takes no further part), its own collective operations stay usable, and once the
     * survivor has left and joined again the two form a group whose barriers work. Until 2026-12-07
     * the mark did not say which member of the rank it was about: the newcomer was told "rank 0
     * reports rank 1 lost" about itself, its collective operations broke for good, and the group
     * never recovered while it stayed.
     */
    @Test
    void aNewcomerInAKilledMembersRankIsNotTakenForItAndTheGroupRecoversOnceTheSurvivorRejoins() throws Exception {
        GroupOptions rankZero = GroupOptions.of(2).withRank(0);
        ChildJvm newcomer;
        try (ProcessGroup survivor = ProcessGroup.join("rejoin", rankZero)) {
            ChildJvm killed = start("barriers", "rejoin", "2");
            killed.awaitLine("JOINED 1", LONG);
            survivor.barrier();
            killed.awaitLine("ROUND", LONG); // its part of the second barrier is on its way
            killed.kill();
            GroupMemberLostException lost = assertThrows(GroupMemberLostException.class, () -> {
                survivor.barrier(); // may still find that part, and room in the dead member's inbox
                survivor.barrier();
            });
            assertEquals(1, lost.rank(), lost.toString());

            newcomer = start("barrier-per-line", "rejoin", "2");
            newcomer.awaitLine("JOINED 1", LONG);
            String first = newcomer.awaitLine("THREW", LONG);
            assertTrue(first.contains("GroupMemberLostException: rank 0 can take no further part in collective operations:"
                    + " it reports an earlier member of rank 1"), first);
            assertThrows(GroupException.class, survivor::barrier, "the survivor's collective operations stay broken");
        }
        try (ProcessGroup rejoined = ProcessGroup.join("rejoin", rankZero)) {
            Future<?> barrier = threads.submit(() -> {
                rejoined.barrier();
                return null;
            });
            newcomer.process().getOutputStream().write('\n');
            newcomer.process().getOutputStream().flush();
            barrier.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertEquals("BARRIER", newcomer.awaitLine("BARRIER", LONG).strip(), newcomer.output());
            newcomer.process().getOutputStream().close();
            assertLeft(newcomer);
        }
        assertFalse(ProcessGroup.exists("rejoin"));
    }

    /**
     * A joiner with another size that races the group's creator, which has published the file but
     * not yet taken its rank, gets the size mismatch, not "no live member ... remove it" (until
     * 2026-12-06 about 1 in 300 such races did). Once that creator is dead, the group is dead.
     */
    @Test
    void joiningWithAnotherSizeWhileTheCreatorIsAboutToTakeItsRankSaysTheSize() throws Exception {
        ChildJvm creator = start("create-only", "racing", "2");
        creator.awaitLine("CREATED", LONG);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join("racing", 3));
        assertEquals("process group 'racing' has 2 ranks, not 3", e.getMessage());
        creator.kill();
        creator.waitFor(LONG);
        GroupException dead = assertThrows(GroupException.class, () -> ProcessGroup.join("racing", 3));
        assertTrue(dead.getMessage().contains("has 2 ranks, not 3, and no live member"), dead.getMessage());
        ProcessGroup.join("racing", GroupOptions.of(0)).close(); // its last member leaving removes it
        assertFalse(ProcessGroup.exists("racing"));
    }

    @Test
    void aRootGetsThePartsOfAMemberThatLeftBeforeTheGroupsFirstCollective() throws Exception {
        rootBeginsAfterAMemberDeliveredAndLeft("ahead-first", "first");
    }

    @Test
    void aRootGetsThePartsOfAMemberThatLeftAfterAnEarlierCollective() throws Exception {
        rootBeginsAfterAMemberDeliveredAndLeft("ahead-barrier", "barrier");
    }

    @Test
    void fourProcessesRunEveryCollectiveOperationForManyRounds() throws Exception {
        inFourProcesses("collectives", "coll", 150, g -> GroupScenarios.collectives(g, 150));
    }

    @Test
    void broadcastsArriveOnceIntactAndInEachSendersOrder() throws Exception {
        inFourProcesses("broadcasts", "news", 3000, g -> GroupScenarios.broadcasts(g, 3000));
    }

    @Test
    void messagesMakeRoundTripsToAnotherProcess() throws Exception {
        try (ProcessGroup g = ProcessGroup.join("ping", GroupOptions.of(2).withRank(0))) {
            ChildJvm echo = start("echo", "ping", "2");
            echo.awaitLine("JOINED 1", LONG);
            Random random = new Random(1);
            for (int i = 0; i < 2000; i++) {
                byte[] message = new byte[random.nextInt(g.maxMessageSize() + 1)];
                random.nextBytes(message);
                g.send(1, message);
                GroupMessage reply = g.receive();
                assertEquals(1, reply.sender());
                assertFalse(reply.broadcast());
                assertArrayEquals(message, reply.payload());
            }
            g.send(1, "bye".getBytes(StandardCharsets.UTF_8));
            assertLeft(echo);
            assertThrows(GroupMemberLostException.class, () -> g.send(1, new byte[1]));
        }
    }

    @Test
    void aMemberKilledDuringCollectiveOperationsIsReportedToEveryOther() throws Exception {
        ChildJvm victim = start("barriers", "fragile", "3");
        ChildJvm survivor = start("barriers", "fragile", "3");
        try (ProcessGroup g = ProcessGroup.join("fragile", 3)) {
            Future<Integer> mine = threads.submit(() -> {
                try {
                    while (true) {
                        g.barrier();
                    }
                } catch (GroupMemberLostException e) {
                    return e.rank();
                }
            });
            int victimRank = Integer.parseInt(victim.awaitLine("JOINED", LONG).split(" ")[1]);
            victim.awaitLine("ROUND", LONG);
            survivor.awaitLine("ROUND", LONG);
            victim.kill();
            int lost = mine.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(victimRank, lost, () -> "rank " + g.rank() + " lost " + lost + "; survivor: " + survivor.output());
            assertEquals("LOST " + victimRank, survivor.awaitLine("LOST", LONG));
            assertLeft(survivor);
            assertThrows(GroupException.class, g::barrier, "collective operations are broken after a loss");
            assertEquals(1, g.members().size(), "the dead member is not listed");
        }
        assertFalse(ProcessGroup.exists("fragile"), "the last member removed the group, the dead one's inbox too");
    }

    @Test
    void aDeadMembersRankIsTakenOverAndItsInboxRemoved() throws Exception {
        ChildJvm dead = start("hold", "heir", "2", "65536", "1024");
        String[] joined = dead.awaitLine("JOINED", LONG).split(" ");
        int rank = Integer.parseInt(joined[1]);
        int incarnation = Integer.parseInt(joined[2]);
        String deadInbox = GroupDescriptor.inboxName("heir", rank, incarnation);
        assertTrue(Mailbox.exists(deadInbox));
        dead.kill();
        dead.waitFor(LONG);
        try (ProcessGroup heir = ProcessGroup.join("heir", GroupOptions.of(2).withRank(rank))) {
            assertEquals(rank, heir.rank());
            assertEquals(incarnation + 1, heir.members().getFirst().incarnation());
            assertFalse(Mailbox.exists(deadInbox), "the dead member's inbox is removed by the heir");
            assertEquals(1024, heir.maxMessageSize(), "the group's settings are the creator's");
        }
        assertFalse(ProcessGroup.exists("heir"));
    }

    /** A message is not put into the inbox of a member known to have died (it was, silently: a lost message). */
    @Test
    void aSendToADeadMembersRankFailsWhileItsInboxHasRoom() throws Exception {
        Duration check = Duration.ofMillis(50);
        try (ProcessGroup g = ProcessGroup.join("grave", GroupOptions.of(3).withRank(0).withLivenessCheck(check))) {
            ChildJvm first = start("hold", "grave", "3", "65536", "1024");
            first.awaitLine("JOINED 1", LONG);
            ChildJvm second = start("hold", "grave", "3", "65536", "1024");
            second.awaitLine("JOINED 2", LONG);
            g.send(1, new byte[10]); // rank 1's inbox is open here, and its member was seen alive
            first.kill();
            second.kill();
            first.waitFor(LONG);
            second.waitFor(LONG);
            Thread.sleep(check.toMillis() * 2); // past the interval in which rank 1's member counts as seen alive
            GroupMemberLostException known = assertThrows(GroupMemberLostException.class, () -> g.send(1, new byte[10]));
            assertTrue(known.getMessage().contains("died"), known.getMessage());
            GroupMemberLostException unknown = assertThrows(GroupMemberLostException.class, () -> g.offer(2, new byte[10]));
            assertTrue(unknown.getMessage().contains("died"), "first contact after death: " + unknown.getMessage());
        }
        assertFalse(ProcessGroup.exists("grave"));
    }

    @Test
    void aSendWaitingForRoomEndsWhenTheReceiverLeaves() throws Exception {
        GroupOptions small = GroupOptions.of(2).withRank(0).withInboxBytes(4096).withMaxMessageSize(1024);
        try (ProcessGroup g = ProcessGroup.join("full", small)) {
            ChildJvm holder = start("hold", "full", "2", "4096", "1024");
            holder.awaitLine("JOINED 1", LONG);
            int sent = 0;
            while (g.offer(1, new byte[1000])) {
                sent++;
            }
            assertTrue(sent >= 1, "some messages fit");
            Future<?> blocked = threads.submit(() -> {
                g.send(1, new byte[1000]);
                return null;
            });
            holder.process().getOutputStream().write('\n');
            holder.process().getOutputStream().flush();
            assertLeft(holder);
            ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(GroupMemberLostException.class, e.getCause());
        }
        assertFalse(ProcessGroup.exists("full"));
    }
}
