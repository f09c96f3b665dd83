package io.jipc.cli;

import io.jipc.group.GroupMessage;
import io.jipc.group.ProcessGroup;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
