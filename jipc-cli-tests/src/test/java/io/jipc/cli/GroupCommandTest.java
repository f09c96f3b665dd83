package io.jipc.cli;

import io.jipc.group.GroupDescriptor;
import io.jipc.group.GroupMessage;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static io.jipc.cli.CliRun.jipcWithInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc group join} in a child JVM talks with a member in this JVM: typed lines are broadcast
 * or sent to one rank, received messages are printed; {@code jipc group members} lists both; the
 * group goes when both have left.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupCommandTest {
    private static final Duration LONG = Duration.ofSeconds(60);

    private static void type(ChildJvm child, String line) throws Exception {
        OutputStream in = child.process().getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    private static String text(GroupMessage m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void aShellMemberBroadcastsSendsAndPrintsWhatItReceives() throws Exception {
        try (ChildJvm shell = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("group", "join", "chat", "--size", "2").start()) {
            assertEquals("joined group 'chat' as rank 0 of 2", shell.awaitLine("joined", LONG));
            try (ProcessGroup me = ProcessGroup.join("chat", 2)) {
                assertEquals(1, me.rank());
                type(shell, "hello all");
                GroupMessage all = me.poll(LONG);
                assertEquals(0, all.sender());
                assertTrue(all.broadcast());
                assertEquals("hello all", text(all));
                type(shell, "@1 just you");
                GroupMessage direct = me.poll(LONG);
                assertFalse(direct.broadcast());
                assertEquals("just you", text(direct));
                me.broadcast("from the test".getBytes(StandardCharsets.UTF_8));
                assertEquals("1: from the test", shell.awaitLine("1: ", LONG));
                me.send(0, "psst".getBytes(StandardCharsets.UTF_8));
                assertEquals("1> psst", shell.awaitLine("1> ", LONG));

                CliRun members = jipc("group", "members", "chat");
                assertEquals(0, members.exit(), members.err());
                assertTrue(members.out().startsWith("group 'chat': 2 ranks\n"), members.out());
                assertTrue(members.out().contains("\n0     " + shell.pid() + " "), members.out());
                assertTrue(members.out().contains("\n1     " + ProcessHandle.current().pid() + " "), members.out());

                shell.process().getOutputStream().close();
                assertEquals("left group 'chat'", shell.awaitLine("left", LONG));
                assertEquals(0, shell.waitFor(LONG));
            }
        }
        assertFalse(ProcessGroup.exists("chat"));
    }

    @Test
    void aShellMemberStoppedWithSigtermLeavesTheGroupAsAtTheEndOfInput() {
        try (ChildJvm shell = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("group", "join", "stopped", "--size", "2").start()) {
            shell.awaitLine("joined", LONG);
            assertTrue(ProcessGroup.exists("stopped"));
            shell.process().toHandle().destroy(); // SIGTERM, as Ctrl-C: Process.destroy() would close its output
            shell.waitFor(LONG);
            assertTrue(shell.output().contains("left group 'stopped' (stopped)"), shell.output());
        }
        assertFalse(ProcessGroup.exists("stopped"), "its only member left: the group and its inboxes are gone");
    }

    @Test
    void joiningADeadGroupWithAnotherSizeSaysItIsDeadAndHowToRemoveIt() {
        try (ChildJvm shell = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("group", "join", "dead", "--size", "3").start()) {
            shell.awaitLine("joined", LONG);
            shell.kill(); // SIGKILL: it cannot leave, and the group stays with no live member
        }
        assertTrue(ProcessGroup.exists("dead"));
        CliRun join = jipc("group", "join", "dead", "--size", "2");
        assertEquals(1, join.exit(), join.err());
        assertTrue(join.err().startsWith("jipc group join: process group 'dead' has 3 ranks, not 2, and no live member")
                && join.err().contains("'jipc rm group:dead' or 'jipc gc'") && !join.err().contains("Usage"), join.err());
        CliRun gc = jipc("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertFalse(ProcessGroup.exists("dead"));
    }

    /**
     * {@code jipc rm group:NAME} of a group whose members were killed also removes the inboxes they
     * left (before, they stayed until a {@code jipc gc}, or a {@code gc --include-unread} if they held
     * collective parts); a join afterwards makes the group anew.
     */
    @Test
    void removingADeadGroupRemovesItsDeadMembersInboxes() {
        for (int member = 0; member < 2; member++) { // the second takes the first's rank over: its inboxes stay
            try (ChildJvm shell = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                    .args("group", "join", "killed", "--size", "2").start()) {
                shell.awaitLine("joined", LONG);
                shell.kill(); // SIGKILL: its rank and inboxes stay
            }
        }
        assertTrue(jipc("ls").out().lines().anyMatch(l -> l.contains("mailbox:group.killed.")), "inboxes left");
        CliRun rm = jipc("rm", "group:killed");
        assertEquals(0, rm.exit(), rm.err());
        assertTrue(rm.out().startsWith("removed group:killed\n"), rm.out());
        assertEquals(2, rm.out().lines().filter(l -> l.matches("removed mailbox:group\\.killed\\.[01]\\.\\d+(\\.parts)? "
                + "\\(an inbox of a dead member\\)")).count(), rm.out());
        CliRun ls = jipc("ls");
        assertFalse(ls.out().contains("group.killed") || ls.out().contains("group:killed"), ls.out());
    }

    /**
     * {@code jipc rm group:NAME} removes the dead members' inboxes, and only them: mailboxes the user
     * made whose names merely start like them ({@code group.cg.backup}, and two that differ from an
     * inbox's name only in a suffix or a digit the group code never writes), made by a process that
     * has exited and holding a message each, stay with their messages (until 2026-12-06 every stale
     * mailbox named {@code group.cg.*} was removed, unread messages and all).
     */
    @Test
    void removingADeadGroupKeepsMailboxesThatAreNoInboxesOfIt() {
        List<String> decoys = List.of("group.cg.backup", "group.cg.0.1.old", "group.cg.01.1");
        for (String decoy : decoys) {
            try (ChildJvm creator = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                    .args("mailbox", "create", decoy).start()) {
                creator.assertSuccess(LONG); // its owner has exited: dead, as a member's
            }
            CliRun send = jipc("mailbox", "send", decoy, "precious " + decoy);
            assertEquals(0, send.exit(), send.err());
        }
        killedMember("cg", 2);
        CliRun ls = jipc("ls");
        for (String decoy : decoys) { // as stale as the dead member's inboxes
            assertTrue(ls.out().lines().anyMatch(l -> l.contains("mailbox:" + decoy + " ") && l.contains(" STALE ")), ls.out());
        }
        CliRun rm = jipc("rm", "group:cg");
        assertEquals(0, rm.exit(), rm.err());
        assertEquals("removed group:cg\n"
                + "removed mailbox:group.cg.0.1 (an inbox of a dead member)\n"
                + "removed mailbox:group.cg.0.1.parts (an inbox of a dead member)\n", rm.out());
        for (String decoy : decoys) {
            try (Mailbox kept = Mailbox.open(decoy)) {
                assertEquals("precious " + decoy, new String(kept.poll(), StandardCharsets.UTF_8), decoy);
            }
            assertTrue(Mailbox.destroy(decoy));
        }
    }

    /**
     * A member killed while creating its inboxes leaves them half-made: the file of one holds the
     * header with its creator but was never published (the joiner died in {@code Mailbox.create},
     * here a child JVM killed there), the other is empty (it died between creating the file and
     * giving it its size; its time is set back past the ready timeout, as it would be by the time
     * anybody looks). {@code jipc rm group:NAME} removes them with the group (before 2026-12-06 they
     * stayed, and neither rm nor gc ever removed them).
     */
    @Test
    void removingADeadGroupRemovesTheInboxesAJoinerDiedCreating() throws Exception {
        killedMember("halfmade", 2);
        halfMadeInboxes("halfmade", 1).kill();
        CliRun ls = jipc("ls");
        assertTrue(ls.out().lines().anyMatch(l -> l.contains("mailbox:group.halfmade.1.1 ") && l.contains(" STALE ")
                && l.contains("a half-made inbox of group:halfmade, whose creator, pid ")), ls.out());
        CliRun rm = jipc("rm", "group:halfmade");
        assertEquals(0, rm.exit(), rm.err());
        assertEquals("removed group:halfmade\n"
                + "removed mailbox:group.halfmade.0.1 (an inbox of a dead member)\n"
                + "removed mailbox:group.halfmade.0.1.parts (an inbox of a dead member)\n"
                + "removed mailbox:group.halfmade.1.1 (a half-made inbox of a member that died joining)\n"
                + "removed mailbox:group.halfmade.1.1.parts (a half-made inbox of a member that died joining)\n",
                rm.out());
        assertFalse(jipc("ls").out().contains("halfmade"));
    }

    /**
     * {@code jipc gc} takes the inboxes a joiner died creating for stale once their group is stale or
     * gone (before 2026-12-06 it said "nothing stale" and they stayed for ever), but keeps one whose
     * creator still runs (it may be creating it now).
     */
    @Test
    void gcRemovesTheInboxesAJoinerDiedCreatingOnceItsGroupIsGone() throws Exception {
        killedMember("halfgc", 2);
        try (ChildJvm joiner = halfMadeInboxes("halfgc", 1)) {
            CliRun first = jipc("gc");
            assertEquals(0, first.exit(), first.err());
            assertTrue(first.out().contains("removed group:halfgc ") && first.out().contains("removed mailbox:group.halfgc.0.1 ")
                    && first.out().contains("removed mailbox:group.halfgc.1.1.parts (a half-made inbox of group:halfgc, with no"
                    + " creator recorded, unfinished for more than 2 s: truncated: 0 bytes"), first.out());
            assertFalse(first.out().contains("mailbox:group.halfgc.1.1 "), "its creator runs: " + first.out());
            assertTrue(Files.exists(inboxFile("group.halfgc.1.1")));
            joiner.kill();
        }
        CliRun gc = jipc("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertTrue(gc.out().startsWith("removed mailbox:group.halfgc.1.1 (a half-made inbox of group:halfgc, whose creator, pid "), gc.out());
        assertEquals("nothing stale\n", jipc("gc").out());
    }

    /** A shell member of {@code group} (a new one of {@code size} ranks) killed: the group is stale, rank 0's inboxes its. */
    private static void killedMember(String group, int size) {
        try (ChildJvm shell = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("group", "join", group, "--size", Integer.toString(size)).start()) {
            assertEquals("joined group '" + group + "' as rank 0 of " + size, shell.awaitLine("joined", LONG));
            shell.kill(); // SIGKILL: its rank and inboxes stay
        }
    }

    /**
     * Leaves the inboxes of {@code rank}'s first member of {@code group} half-made, as a joiner
     * killed while creating them would: the one for messages by a child JVM that is in the middle of
     * creating it (returned; the caller kills it), the one for parts an empty file from long ago.
     */
    private static ChildJvm halfMadeInboxes(String group, int rank) throws Exception {
        ChildJvm joiner = ChildJvm.builder(HalfMadeInbox.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args(GroupDescriptor.inboxName(group, rank, 1)).start();
        joiner.awaitLine("CREATED", LONG);
        Path empty = Files.createFile(inboxFile(GroupDescriptor.partsInboxName(group, rank, 1)),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.setLastModifiedTime(empty, FileTime.from(Instant.now().minusSeconds(60)));
        return joiner;
    }

    private static Path inboxFile(String mailbox) {
        return JipcRoot.path(MailboxDescriptor.DIRECTORY).resolve(mailbox);
    }

    /**
     * A message no member sent, put into the shell member's inbox by another process of the user, is
     * said on standard error, and the member goes on printing what arrives after it (until
     * 2026-12-06 its printing ended for good, silently, while it stayed in the group and its inbox
     * filled up).
     */
    @Test
    void aShellMemberReportsAMalformedMessageAndGoesOnReceiving() throws Exception {
        try (ChildJvm shell = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("group", "join", "garbled", "--size", "2").start()) {
            shell.awaitLine("joined", LONG);
            try (ProcessGroup me = ProcessGroup.join("garbled", 2)) {
                int incarnation = me.members().stream().filter(m -> m.rank() == 0).findFirst().orElseThrow().incarnation();
                try (Mailbox inbox = Mailbox.open(GroupDescriptor.inboxName("garbled", 0, incarnation))) {
                    inbox.put("garbage".getBytes(StandardCharsets.UTF_8)); // 7 bytes: shorter than the envelope
                }
                me.broadcast("after the garbage".getBytes(StandardCharsets.UTF_8));
                assertTrue(shell.awaitLine("jipc group join: ", LONG)
                        .startsWith("jipc group join: discarded a message no member of group 'garbled' sent: "), shell.output());
                assertEquals("1: after the garbage", shell.awaitLine("1: ", LONG));
                me.send(0, "still there".getBytes(StandardCharsets.UTF_8));
                assertEquals("1> still there", shell.awaitLine("1> ", LONG));
                shell.process().getOutputStream().close();
                assertEquals("left group 'garbled'", shell.awaitLine("left", LONG));
                assertEquals(0, shell.waitFor(LONG));
            }
        }
        assertFalse(ProcessGroup.exists("garbled"));
    }

    /**
     * A line longer than the group's message limit is refused as {@code jipc send} refuses one: one
     * line on standard error naming the limit, neither it nor the lines after it are sent, and the
     * member leaves with exit code 1 (until 2026-12-06 it left silently with exit code 0).
     */
    @Test
    void aLineLongerThanTheGroupsLimitEndsTheInputWithAnError() throws Exception {
        try (ProcessGroup me = ProcessGroup.join("long", 2)) {
            int limit = me.maxMessageSize();
            CliRun run = jipcWithInput("before\n" + "x".repeat(limit + 1) + "\nafter\n", "group", "join", "long");
            assertEquals(1, run.exit(), run.err());
            assertEquals("jipc group join: line 2: a message of " + (limit + 1) + " bytes is longer than the " + limit
                    + " bytes a message of group 'long' may have: not sent, nor the lines after it\n", run.err());
            assertTrue(run.out().endsWith("left group 'long'\n"), run.out());
            assertEquals("before", new String(me.poll(LONG).payload(), StandardCharsets.UTF_8));
            assertNull(me.poll(), "neither the long line nor the one after it was sent");
        }
    }

    @Test
    void aGroupThatIsNotThereIsAnErrorNotAStackTrace() {
        CliRun members = jipc("group", "members", "nowhere");
        assertEquals(1, members.exit());
        assertTrue(members.err().startsWith("jipc group members: no process group 'nowhere'"), members.err());
        CliRun join = jipc("group", "join", "nowhere");
        assertEquals(1, join.exit());
        assertTrue(join.err().startsWith("jipc group join: ") && join.err().contains("(--size N creates it)"), join.err());
    }
}
