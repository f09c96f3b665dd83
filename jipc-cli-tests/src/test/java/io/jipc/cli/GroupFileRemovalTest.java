package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.OwnerState;
import io.jipc.cli.ls.Removal;
import io.jipc.group.GroupDescriptor;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.Mailbox;
import io.jipc.platform.Libc;
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

import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc gc} and {@code jipc rm group:NAME} remove a group's file only through the group's own
 * closing protocol ({@link ProcessGroup#removeIfAbandoned}). Until 2026-12-06 they unlinked the file
 * by name after listing the group stale, and a joiner that had taken a dead member's rank in that
 * very file meanwhile was cut off for good (the explorer's loop: 13 of 200 gc rounds; "no process
 * group" for every sender). Deterministic: the steps are taken in this order by the test, the dead
 * members child JVMs killed after joining, the second live member a child {@code jipc group join}.
 * Also: a member cut off from its file leaves the inboxes of a new group of that name alone, and a
 * group file its creator died making is stale, and removed.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GroupFileRemovalTest {
    private static final Duration LONG = Duration.ofSeconds(60);

    /** gc's listing, a joiner that takes the dead rank in the listed file, then gc's removals. */
    @Test
    void aJoinerThatTookADeadRankOfTheListedFileKeepsItsGroup() throws Exception {
        killedMember("took", 2);
        int euid = Libc.geteuid();
        List<ObjectRow> stale = ObjectInventory.list().stream().filter(r -> r.stale() && r.ownedBy(euid)).toList();
        ObjectRow groupRow = find(stale, "group:took");
        try (ProcessGroup live = ProcessGroup.join("took", 2)) {
            assertEquals(0, live.rank(), "the dead member's rank, in the very file listed");
            assertFalse(Removal.replaced(groupRow), "the same file");
            for (ObjectRow row : stale) { // in gc's order: the group before its inboxes
                boolean removed = Removal.remove(row);
                if (row == groupRow) {
                    assertFalse(removed, "a live process holds a rank of the listed group file");
                }
            }
            assertTrue(ProcessGroup.exists("took"));
            assertTrue(Removal.stillThere(groupRow), "left alone");
            GroupShellMember.assertStillReached(live, "took");
        }
        assertFalse(ProcessGroup.exists("took"), "its last member removed it");
    }

    /**
     * Without a joiner, the removal closes the group (as its last member would) and removes its file;
     * the dead member's inboxes stay for the remover to judge (gc keeps one holding messages), and a
     * joiner of the group made anew takes no name of theirs.
     */
    @Test
    void anAbandonedGroupIsRemovedAndItsDeadMembersInboxesLeftToTheRemover() throws Exception {
        killedMember("gone", 2);
        List<ObjectRow> rows = ObjectInventory.list();
        ObjectRow groupRow = find(rows, "group:gone");
        assertTrue(groupRow.stale(), groupRow.toString());
        assertTrue(Removal.remove(groupRow));
        assertFalse(ProcessGroup.exists("gone"));
        assertFalse(Removal.stillThere(groupRow));
        try (ProcessGroup anew = ProcessGroup.join("gone", 2)) {
            assertEquals(2, anew.members().getFirst().incarnation(), "past the names left");
            for (String dead : List.of(GroupDescriptor.inboxName("gone", 0, 1), GroupDescriptor.partsInboxName("gone", 0, 1))) {
                assertTrue(Removal.remove(find(rows, "mailbox:" + dead)), dead);
            }
            GroupShellMember.assertStillReached(anew, "gone");
        }
        assertFalse(ProcessGroup.exists("gone"));
    }

    /**
     * A member cut off from its group file ({@code jipc rm --force group:NAME}) whose file names a
     * dead member of rank 1, incarnation 1; a new group of that name whose rank 1 is incarnation 1
     * again; the cut-off member leaves: it removes no inbox by name, so the new group's member of
     * rank 1 is still reached (until 2026-12-06 its leaving unlinked that member's inboxes and every
     * send to it said "has left").
     */
    @Test
    void aMemberCutOffFromItsFileLeavesTheInboxesOfANewGroupOfThatNameAlone() throws Exception {
        ProcessGroup orphan = ProcessGroup.join("cut", 2);
        try {
            assertEquals(0, orphan.rank());
            killedMember("cut", 2); // rank 1, incarnation 1, dead
            ObjectRow groupRow = find(ObjectInventory.list(), "group:cut");
            assertTrue(Removal.remove(groupRow, true), "rm --force");
            for (String dead : List.of(GroupDescriptor.inboxName("cut", 1, 1), GroupDescriptor.partsInboxName("cut", 1, 1))) {
                assertTrue(Mailbox.destroy(dead), dead); // as gc removes a dead member's inboxes
            }
            try (ChildJvm b = GroupShellMember.start("cut", "--size", "2")) {
                assertTrue(b.awaitLine("joined", LONG).startsWith("joined group 'cut' as rank 0"), b.output());
                ChildJvm c = GroupShellMember.start("cut");
                assertEquals("joined group 'cut' as rank 1 of 2", c.awaitLine("joined", LONG), c.output());
                assertTrue(Mailbox.exists(GroupDescriptor.inboxName("cut", 1, 1)), "the new member's, the dead one's name");

                orphan.close(); // its file is no longer the one named: no name is its to remove
                assertTrue(Mailbox.exists(GroupDescriptor.inboxName("cut", 1, 1)));
                assertTrue(Mailbox.exists(GroupDescriptor.partsInboxName("cut", 1, 1)));
                OutputStream in = b.process().getOutputStream();
                in.write("@1 still reached\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
                assertEquals("0> still reached", c.awaitLine("0> ", LONG), b.output());
                in.close();
                c.process().getOutputStream().close();
                assertEquals(0, b.waitFor(LONG), b.output());
                assertEquals(0, c.waitFor(LONG), c.output());
                c.close();
            }
            assertFalse(ProcessGroup.exists("cut"));
        } finally {
            orphan.close();
        }
    }

    /**
     * A group file its creator died making (never published), and one with no creator recorded,
     * unfinished for long: stale for {@code jipc ls}, removed by {@code jipc gc} (until 2026-12-06
     * they were error rows nobody removed, and every gc waited for them, 2 s per inbox of that
     * group, here a stale inbox removed with it). No rank of such a file is held. A fresh empty file
     * may be being made: not stale.
     */
    @Test
    void aGroupFileItsCreatorLeftUnpublishedIsStaleAndRemoved() throws Exception {
        try (ChildJvm creator = ChildJvm.builder(HalfMadeGroupFile.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("half").start()) {
            creator.awaitLine("CREATED", LONG);
            creator.kill();
        }
        Path empty = Files.createFile(groupFile("empty"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.setLastModifiedTime(empty, FileTime.from(Instant.now().minusSeconds(60)));
        Path fresh = Files.createFile(groupFile("fresh"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.setLastModifiedTime(fresh, FileTime.from(Instant.now().plusSeconds(3600))); // "just made", however slow this run
        String inbox = GroupDescriptor.inboxName("half", 0, 1);
        try (ChildJvm creator = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("mailbox", "create", inbox).start()) {
            creator.assertSuccess(LONG); // its owner has exited: a stale inbox of that group
        }
        try {
            List<ObjectRow> rows = ObjectInventory.list();
            ObjectRow half = find(rows, "group:half");
            assertTrue(half.stale(), half.toString());
            assertEquals(OwnerState.DEAD, half.owner());
            assertTrue(half.details().startsWith("error: a half-made group file, whose creator, pid "), half.details());
            ObjectRow emptyRow = find(rows, "group:empty");
            assertTrue(emptyRow.stale(), emptyRow.toString());
            assertTrue(emptyRow.details().startsWith("error: a half-made group file, with no creator recorded"),
                    emptyRow.details());
            assertFalse(find(rows, "group:fresh").stale(), "may be being created");
            assertFalse(ProcessGroup.isLiveInbox(inbox), "no member in such a file");
            assertTrue(find(rows, "mailbox:" + inbox).stale());

            CliRun gc = CliRun.jipc("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(gc.out().contains("removed group:half (a half-made group file, whose creator, pid "), gc.out());
            assertTrue(gc.out().contains("removed group:empty (a half-made group file, with no creator recorded"), gc.out());
            assertFalse(Files.exists(groupFile("half")));
            assertFalse(Files.exists(empty));
            assertTrue(Files.exists(fresh));
            assertTrue(gc.out().contains("removed mailbox:" + inbox + " (owner pid "), gc.out());
            assertFalse(Mailbox.exists(inbox));
        } finally {
            Files.deleteIfExists(fresh);
            Files.deleteIfExists(empty);
            Files.deleteIfExists(groupFile("half"));
            Mailbox.destroy(inbox);
        }
    }

    private static Path groupFile(String name) {
        return JipcRoot.directory(GroupDescriptor.DIRECTORY).resolve(name);
    }

    /** A child {@code jipc group join group args...} that joins and is SIGKILLed: its rank, inboxes and the file stay. */
    private static void killedMember(String group, int size) {
        try (ChildJvm shell = GroupShellMember.start(group, "--size", String.valueOf(size))) {
            assertTrue(shell.awaitLine("joined", LONG).startsWith("joined group '" + group + "' as rank "), shell.output());
            shell.kill();
        }
    }
}
