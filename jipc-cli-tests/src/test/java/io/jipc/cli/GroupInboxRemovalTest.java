package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.Removal;
import io.jipc.group.GroupDescriptor;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc gc} and {@code jipc rm group:NAME} list a dead member's inboxes as stale and remove
 * them later; a group's new first joiner in between must not lose its inboxes to that removal. Until
 * 2026-12-06 the new group started again at incarnation 1: its first joiner removed the dead
 * member's inboxes {@code group.NAME.0.1} and made exactly those names again, and a removal whose
 * check of the file had passed before the join unlinked the live member's inboxes (every send to
 * it: "has left"; the explorer's probe lost one in 2 of 11 runs with the identity check of
 * 21aec0ec). Now the joiner takes an incarnation that no inbox of its rank still there has, so the
 * listed names are never its own. Deterministic: the steps are taken in this order by the test,
 * the dead member a child JVM killed after joining, the second live member a child {@code jipc group join}.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GroupInboxRemovalTest {
    private static final Duration LONG = Duration.ofSeconds(60);

    /** gc's listing, the group removed, a new first joiner, then the removal of the listed inboxes. */
    @Test
    void removingTheListedInboxesAfterANewFirstJoinerRemovesOnlyTheDeadMembers() throws Exception {
        List<ObjectRow> inboxes = deadMemberListed("anew");
        try (ProcessGroup live = ProcessGroup.join("anew", 2)) {
            assertLiveNamesNotListed(live, inboxes);
            for (ObjectRow inbox : inboxes) {
                assertTrue(Removal.remove(inbox), "the listed file is still the dead member's: " + inbox.uri());
                assertFalse(Mailbox.exists(inbox.uri().substring("mailbox:".length())));
            }
            GroupShellMember.assertStillReached(live, "anew");
        }
        assertFalse(ProcessGroup.exists("anew"));
    }

    /**
     * The window that stayed open after 21aec0ec: a remover whose check found the listed file (its
     * {@code lstat}, device and inode) before the new member joined, and that unlinks the name
     * afterwards. Its unlink by name hits the dead member's file, not the live member's.
     */
    @Test
    void aRemovalThatCheckedTheListedFilesBeforeTheJoinUnlinksOnlyThem() throws Exception {
        List<ObjectRow> inboxes = deadMemberListed("late");
        for (ObjectRow inbox : inboxes) {
            assertFalse(Removal.replaced(inbox), "checked: the listed file is there");
        }
        try (ProcessGroup live = ProcessGroup.join("late", 2)) {
            assertLiveNamesNotListed(live, inboxes);
            for (ObjectRow inbox : inboxes) { // the removal's last step, Mailbox.destroy by name
                assertTrue(Mailbox.destroy(inbox.uri().substring("mailbox:".length())), inbox.uri());
            }
            GroupShellMember.assertStillReached(live, "late");
        }
        assertFalse(ProcessGroup.exists("late"));
    }

    /**
     * The second layer: a removal leaves alone an inbox that a live process holds the rank of at
     * the incarnation its name carries, even one whose file is the very file listed, unless
     * {@code othersToo} ({@code jipc rm --force}).
     */
    @Test
    void aRemovalLeavesALiveMembersInboxAloneUnlessForced() throws Exception {
        try (ProcessGroup live = ProcessGroup.join("held", 1)) {
            String name = GroupDescriptor.inboxName("held", 0, live.members().getFirst().incarnation());
            ObjectRow row = find(ObjectInventory.list(), "mailbox:" + name);
            assertFalse(Removal.replaced(row));
            assertTrue(Removal.liveGroupInbox(row));
            assertFalse(Removal.remove(row));
            assertTrue(Mailbox.exists(name));
            live.send(0, "still here".getBytes(StandardCharsets.UTF_8));
            assertEquals("still here", new String(live.poll(LONG).payload(), StandardCharsets.UTF_8));

            assertTrue(Removal.remove(row, true), "forced");
            assertFalse(Mailbox.exists(name));
        }
        assertFalse(ProcessGroup.exists("held"));
    }

    /**
     * A member of a new group {@code group} of 2 killed in a child JVM, gc's stale rows taken, and
     * the group's file removed from them without the inboxes (a second remover, or rm --force, has
     * done that much): returns the rows of the dead member's two inboxes, still there.
     */
    private static List<ObjectRow> deadMemberListed(String group) {
        try (ChildJvm shell = GroupShellMember.start(group, "--size", "2")) {
            assertEquals("joined group '" + group + "' as rank 0 of 2", shell.awaitLine("joined", LONG));
            shell.kill(); // SIGKILL: its rank, inboxes and the group's file stay
        }
        List<ObjectRow> rows = ObjectInventory.list();
        ObjectRow groupRow = find(rows, "group:" + group);
        List<ObjectRow> inboxes = List.of(find(rows, "mailbox:" + GroupDescriptor.inboxName(group, 0, 1)),
                find(rows, "mailbox:" + GroupDescriptor.partsInboxName(group, 0, 1)));
        assertTrue(groupRow.stale(), groupRow.toString());
        for (ObjectRow inbox : inboxes) {
            assertTrue(inbox.stale(), inbox.toString());
        }
        assertTrue(Removal.remove(groupRow, true)); // the file alone, as jipc rm --force removes it (a remover
        assertFalse(ProcessGroup.exists(group));   // since 2026-12-06 removes the dead member's inboxes with it)
        return inboxes;
    }

    /** The live member's inboxes are named otherwise than any listed inbox, and are there. */
    private static void assertLiveNamesNotListed(ProcessGroup live, List<ObjectRow> listed) {
        assertEquals(0, live.rank());
        int incarnation = live.members().getFirst().incarnation();
        Set<String> names = listed.stream().map(r -> r.uri().substring("mailbox:".length())).collect(Collectors.toSet());
        for (String own : List.of(GroupDescriptor.inboxName(live.name(), 0, incarnation),
                GroupDescriptor.partsInboxName(live.name(), 0, incarnation))) {
            assertFalse(names.contains(own), own + " was listed as the dead member's: " + names);
            assertTrue(Mailbox.exists(own), own);
        }
    }
}
