package io.jipc.group;

import io.jipc.group.GroupStressChild.Board;
import io.jipc.group.GroupStressChild.Stats;
import io.jipc.mailbox.Mailbox;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Joining and leaving under contention: the lock-free claiming of slots in {@link MemberTable}, and
 * the last member removing the group while others join. Members join and leave in loops (threads of
 * this JVM; then three child JVMs, {@link GroupStressChild}, and this one) and, while they hold a
 * rank, claim it on a shared board (a rank held twice at one moment fails the test), check that the
 * group's file exists and that {@link ProcessGroup#members()} shows them at their rank, and send
 * themselves a message; a full group is a normal outcome, any other exception fails the test. An
 * anchor member holds one rank throughout in the first tests, so that the group never empties
 * while others join; the tests at the end let it empty, racing the last leaver with joiners. At the end the anchor leaves last, and the group's file and every inbox are gone. Then a
 * member is killed ({@code SIGKILL}) while it holds its rank: a later joiner takes the rank over and
 * removes the dead member's inbox, or the last member removes it with the group.
 *
 * <p>No durations are asserted: the loops stop after a number of iterations or a time, whichever
 * comes first, and every wait has a generous bound. The tests at the end are of a race these tests found,
 * since fixed.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class GroupMembershipStressTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    /** How long each churning loop runs at most (it usually ends by its iteration count first). */
    private static final Duration CHURN_LIMIT = Duration.ofSeconds(8);

    /** The board token of the anchor member (thread number 0xFFFFFF, which no churning thread has). */
    private static final long ANCHOR = ProcessHandle.current().pid() << 24 | 0xFF_FFFF;

    private final List<ChildJvm> children = new ArrayList<>();
    private final List<ProcessGroup> open = new ArrayList<>();

    private ChildJvm start(String... args) {
        ChildJvm child = ChildJvm.builder(GroupStressChild.class).args(args).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(child);
        return child;
    }

    private ProcessGroup join(String name, GroupOptions options) {
        ProcessGroup g = ProcessGroup.join(name, options);
        open.add(g);
        return g;
    }

    @AfterEach
    void stop() {
        open.forEach(ProcessGroup::close);
        children.forEach(ChildJvm::close);
    }

    /** The group's file is gone and so is every inbox of the group, live or dead members'. */
    private static void assertGroupRemoved(String name) throws IOException {
        assertFalse(ProcessGroup.exists(name), "group '" + name + "' still has its file");
        Path mailboxes = JipcRoot.path("mailbox");
        if (Files.isDirectory(mailboxes)) {
            try (Stream<Path> files = Files.list(mailboxes)) {
                assertEquals(List.of(), files.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("group." + name + ".")).sorted().toList(), "inboxes left");
            }
        }
    }

    private static void assertBoardEmpty(Board board) {
        assertArrayEquals(new long[board.holders().length], board.holders(), "ranks still marked as held");
    }

    /**
     * Joins {@code name} with the churners' options and marks the rank on the board: a member that
     * holds its rank for the whole test, so that the group never empties (the race of the last leaver
     * with joiners has tests of its own, {@link #aJoinerRacingTheLastLeaverIsNeverLeftInARemovedGroup}).
     */
    private ProcessGroup anchor(String name, int size, Board board) {
        ProcessGroup anchor = join(name, GroupStressChild.options(size));
        board.claim(anchor.rank(), ANCHOR, GroupStressChild.fileOf(anchor));
        return anchor;
    }

    private void release(ProcessGroup anchor, Board board) {
        board.release(anchor.rank(), ANCHOR);
        anchor.close();
    }

    /** Runs {@link GroupStressChild#churn} on {@code threads} threads of this JVM at once; returns the total. */
    private Stats churnOnThreads(String name, int size, int threads, int iterations, boolean anchored) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Board board = Board.inMemory(size)) {
            ProcessGroup anchor = anchored ? anchor(name, size, board) : null;
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Stats>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return GroupStressChild.churn(name, size, board, iterations, CHURN_LIMIT.multipliedBy(2));
                }));
            }
            go.countDown();
            int joins = 0;
            int full = 0;
            for (Future<Stats> f : results) {
                Stats s;
                try {
                    s = f.get(LONG.toSeconds(), TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new AssertionError("a churning thread failed: " + e.getCause(), e.getCause());
                }
                joins += s.joins();
                full += s.full();
            }
            if (anchor != null) {
                assertTrue(ProcessGroup.exists(name));
                assertEquals(List.of(anchor.rank()), anchor.members().stream().map(GroupMember::rank).toList());
                release(anchor, board);
            }
            assertBoardEmpty(board);
            System.out.println("group '" + name + "': " + joins + " joins, " + full + " refused as full, on " + threads
                    + " threads");
            return new Stats(joins, full);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    // ------------------------------------------------------------------ threads of one JVM

    @Test
    void threadsJoinAndLeaveAFullGroupWithoutEverSharingARank() throws Exception {
        Stats total = churnOnThreads("crowded", 4, 8, 300, true);
        assertTrue(total.joins() > 0, "nobody ever joined");
        assertGroupRemoved("crowded");
    }

    /** Fewer threads than free ranks: every join finds a rank, ranks are taken and given back all the time. */
    @Test
    void threadsJoinAndLeaveAGroupWithRoomForAll() throws Exception {
        Stats total = churnOnThreads("roomy", 4, 3, 400, true);
        assertEquals(0, total.full(), "three threads and the anchor cannot fill four ranks");
        assertTrue(total.joins() > 0, "nobody ever joined");
        assertGroupRemoved("roomy");
    }

    // ------------------------------------------------------------------ four processes

    /**
     * Three child JVMs and this one join and leave group {@code name} of {@code size} ranks in loops
     * ({@link GroupStressChild#churn}), all marking their ranks on one board file; with
     * {@code anchored}, this JVM also holds one rank throughout.
     */
    private void churnInProcesses(String name, int size, boolean anchored) throws Exception {
        JipcRoot.directory(GroupDescriptor.DIRECTORY); // the root, with its checked mode, before the board is put in it
        Path boardFile = JipcTestExtension.root().resolve("stress-board-" + name);
        try (Board board = Board.open(boardFile, size)) {
            ProcessGroup anchor = anchored ? anchor(name, size, board) : null;
            List<ChildJvm> churners = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                churners.add(start("churn", name, String.valueOf(size), boardFile.toString(), "300",
                        String.valueOf(CHURN_LIMIT.toSeconds())));
            }
            for (ChildJvm child : churners) {
                child.awaitLine("READY", LONG);
            }
            for (ChildJvm child : churners) {
                OutputStream in = child.process().getOutputStream();
                in.write("GO\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
            }
            // every process runs to its end, so that a failure leaves no process in the middle of a join or leave
            List<String> wrong = new ArrayList<>();
            int joins = 0;
            int full = 0;
            try {
                Stats mine = GroupStressChild.churn(name, size, board, 300, CHURN_LIMIT);
                joins += mine.joins();
                full += mine.full();
            } catch (Exception | AssertionError e) {
                wrong.add("this JVM: " + GroupStressChild.describe(e));
            }
            for (ChildJvm child : churners) {
                int code = child.waitFor(LONG);
                String done = child.output().lines().filter(l -> l.startsWith("DONE ")).findFirst().orElse(null);
                if (code != 0 || done == null) {
                    wrong.add("child pid " + child.pid() + " exited with " + code + ": " + child.output());
                } else {
                    joins += Integer.parseInt(done.split(" ")[1]);
                    full += Integer.parseInt(done.split(" ")[2]);
                }
            }
            assertEquals(List.of(), wrong, "churning processes failed");
            System.out.println("group '" + name + "': " + joins + " joins, " + full + " refused as full, in 4 processes");
            assertTrue(joins > 0, "nobody ever joined");
            if (anchor != null) {
                assertEquals(List.of(anchor.rank()), anchor.members().stream().map(GroupMember::rank).toList());
                release(anchor, board);
            }
            assertBoardEmpty(board);
        } finally {
            Files.deleteIfExists(boardFile);
        }
        assertGroupRemoved(name);
    }

    @Test
    void processesJoinAndLeaveWithoutEverSharingARank() throws Exception {
        churnInProcesses("procs", 4, true);
    }

    // ------------------------------------------------------------------ a member killed while it holds its rank

    @Test
    void aKilledMembersRankIsTakenOverAndItsInboxRemoved() throws Exception {
        String name = "killed";
        long me = ProcessHandle.current().pid();
        ProcessGroup zero = join(name, GroupOptions.of(2).withRank(0));
        ChildJvm child = start("hold", name, "2", "1");
        String[] joined = child.awaitLine("JOINED", LONG).split(" ");
        assertEquals("1", joined[1]);
        int incarnation = Integer.parseInt(joined[2]);
        String deadInbox = GroupDescriptor.inboxName(name, 1, incarnation);
        assertTrue(Mailbox.exists(deadInbox));
        assertEquals(List.of(new GroupMember(0, me, 1), new GroupMember(1, child.pid(), incarnation)), zero.members());

        child.kill();
        assertEquals(List.of(new GroupMember(0, me, 1)), zero.members(), "a dead process is no member");
        assertFalse(zero.awaitFull(Duration.ZERO));
        assertTrue(Mailbox.exists(deadInbox), "the dead member's inbox stays until its rank is taken");
        assertTrue(ProcessGroup.exists(name));

        ProcessGroup one = join(name, GroupOptions.of(2).withRank(1));
        assertEquals(1, one.rank());
        assertFalse(Mailbox.exists(deadInbox), "the joiner that took the rank over removed the dead member's inbox");
        assertTrue(Mailbox.exists(GroupDescriptor.inboxName(name, 1, incarnation + 1)));
        assertEquals(List.of(new GroupMember(0, me, 1), new GroupMember(1, me, incarnation + 1)), one.members());
        assertTrue(zero.awaitFull(LONG));
        zero.send(1, "after".getBytes(UTF_8));
        GroupMessage m = one.poll(LONG);
        assertEquals(0, m.sender());
        assertEquals("after", new String(m.payload(), UTF_8));

        one.close();
        zero.close();
        assertGroupRemoved(name);
    }

    @Test
    void theLastMemberRemovesTheInboxesOfKilledMembersWithTheGroup() throws Exception {
        String name = "orphans";
        ChildJvm first = start("hold", name, "3", "2");
        ChildJvm second = start("hold", name, "3", "1");
        int[] incarnations = new int[3];
        for (ChildJvm child : List.of(first, second)) {
            String[] joined = child.awaitLine("JOINED", LONG).split(" ");
            incarnations[Integer.parseInt(joined[1])] = Integer.parseInt(joined[2]);
        }
        ProcessGroup mine = join(name, GroupOptions.of(3));
        assertEquals(0, mine.rank());
        assertTrue(mine.awaitFull(LONG));
        first.kill();
        second.kill();
        assertEquals(List.of(0), mine.members().stream().map(GroupMember::rank).toList());
        for (int r = 1; r <= 2; r++) {
            assertTrue(Mailbox.exists(GroupDescriptor.inboxName(name, r, incarnations[r])), "inbox of rank " + r);
        }
        mine.close();
        assertGroupRemoved(name);
    }

    @Test
    void aMemberThatLeavesCleanlyLetsTheGroupLive() throws Exception {
        String name = "polite";
        ChildJvm child = start("hold", name, "2", "0");
        child.awaitLine("JOINED 0", LONG);
        ProcessGroup mine = join(name, GroupOptions.of(2));
        assertEquals(1, mine.rank());
        OutputStream in = child.process().getOutputStream();
        in.write("leave\n".getBytes(UTF_8));
        in.flush();
        child.awaitLine("LEFT", LONG);
        child.assertSuccess(LONG);
        assertTrue(ProcessGroup.exists(name), "the group lives while this member holds its rank");
        assertEquals(List.of(1), mine.members().stream().map(GroupMember::rank).toList());
        mine.close();
        assertGroupRemoved(name);
    }

    // ------------------------------------------------------------------ found by these tests, fixed

    /**
     * Four processes joining and leaving a group of three ranks that empties now and then (no anchor
     * member): no member ever finds the group's file gone while it holds its rank, and no rank is held
     * twice (before the closer word, a joiner racing the last leaver could end up in a removed file;
     * see {@link #aJoinerRacingTheLastLeaverIsNeverLeftInARemovedGroup}).
     */
    @Test
    void processesJoinAndLeaveAGroupThatEmptiesWithoutEverSharingARank() throws Exception {
        try {
            churnInProcesses("emptying", 3, false);
        } catch (AssertionError | Exception e) {
            removeRemnants("emptying");
            throw e;
        }
    }

    /** Removes what a failed race test may have left of group {@code name}. */
    private static void removeRemnants(String name) throws IOException {
        Files.deleteIfExists(JipcRoot.path(GroupDescriptor.DIRECTORY).resolve(name));
        Path mailboxes = JipcRoot.path("mailbox");
        if (Files.isDirectory(mailboxes)) {
            try (Stream<Path> files = Files.list(mailboxes)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("group." + name + "."))
                        .forEach(Mailbox::destroy);
            }
        }
    }

    private static final VarHandle LONG_WORD = ValueLayout.JAVA_LONG.varHandle();

    /**
     * The last member's close and a joiner race. A leaver sets the group's closer word, then scans
     * the owner words; a joiner claims a slot, then reads the closer word: either the scan sees the
     * claim or the joiner sees the closer and starts over. (Before the closer word, the leaver
     * scanned first and marked the group closed after, and a joiner claiming in between was left in a
     * removed file.)
     *
     * <p>To make the window wide, slots 1..1023 of a 1024-rank group are given owners that are dead
     * processes: the leaver's scan checks each for liveness in {@code /proc}, milliseconds in all,
     * and the joiner claims rank 0 as soon as the leaver has released it.
     */
    @Test
    void aJoinerRacingTheLastLeaverIsNeverLeftInARemovedGroup() throws Exception {
        String name = "race";
        int size = GroupDescriptor.MAX_SIZE;
        GroupOptions options = GroupOptions.of(size).withInboxBytes(8192).withMaxMessageSize(1024);
        long dead = (1L << 22) + 1; // above the largest pid_max: never a live process
        try {
            raceTheLastLeaver(name, size, options, dead);
        } catch (AssertionError | Exception e) {
            removeRemnants(name);
            throw e;
        }
    }

    private static void raceTheLastLeaver(String name, int size, GroupOptions options, long dead) throws Exception {
        for (int round = 0; round < 3; round++) {
            ProcessGroup leaver = ProcessGroup.join(name, options);
            assertEquals(0, leaver.rank());
            Path file = JipcRoot.path(GroupDescriptor.DIRECTORY).resolve(name);
            try (Arena arena = Arena.ofShared();
                 FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, GroupDescriptor.fileLength(size),
                        arena);
                for (int r = 1; r < size; r++) {
                    LONG_WORD.setVolatile(memory, owner(r), dead << 32 | r);
                }
                Thread closing = Thread.ofPlatform().start(leaver::close);
                while ((long) LONG_WORD.getVolatile(memory, owner(0)) != 0 && closing.isAlive()) {
                    Thread.onSpinWait();
                }
                ProcessGroup joiner = ProcessGroup.join(name, options);
                closing.join();
                int r0 = round;
                try (joiner) {
                    boolean exists = ProcessGroup.exists(name);
                    try (ProcessGroup third = ProcessGroup.join(name, options)) {
                        assertAll(
                                () -> assertTrue(exists, "round " + r0 + ": the group's file was removed while rank "
                                        + joiner.rank() + " had a member"),
                                () -> assertNotEquals(joiner.rank(), third.rank(), "round " + r0 + ": rank "
                                        + third.rank() + " was given to two members at once"),
                                () -> assertEquals(2, third.members().size(), "round " + r0
                                        + ": the next joiner does not see the member that joined during the close: "
                                        + third.members()));
                    }
                }
            }
            assertGroupRemoved(name);
        }
    }

    private static long owner(int rank) {
        return GroupDescriptor.SLOTS_OFFSET + (long) rank * GroupDescriptor.SLOT_LENGTH + GroupDescriptor.SLOT_OWNER_OFFSET;
    }
}
