package io.jipc.group;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A joiner takes the next incarnation after its rank's counter, counted on past every inbox of its
 * rank present in the mailbox directory ({@link ProcessGroup#nextIncarnation}), so it never makes
 * again a name a dead member left, which
 * {@code jipc gc} or {@code jipc rm} may have listed and be about to unlink (until 2026-12-06 a group
 * made anew started again at incarnation 1, removed the leftovers {@code group.NAME.0.1} and made
 * exactly those names). Names of other groups and ranks, and names the group code never writes, do
 * not count. Counting on from the counter keeps a rank's incarnations distinct within its group
 * file's life, also next to a leftover of incarnation 4294967295.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupIncarnationTest {

    @Test
    void theIncarnationCountsOnFromTheCounterPastEveryPresentInboxOfThatRankOnly() {
        List<String> present = List.of(
                "group.cg.0.3",                 // rank 0's messages inbox
                "group.cg.0.5.parts",           // rank 0's inbox for parts, its messages inbox already gone
                "group.cg.1.9", "group.cg.1.9.parts",
                "group.other.0.20",             // another group
                "group.cg.backup", "group.cg.01.1", "group.cg.01.40", "group.cg.0.30.old", // no inboxes
                "group.cg.0.x", "cg.0.70", "group.cg.2.3000000000"); // incarnations are unsigned
        assertEquals(5, ProcessGroup.nextIncarnation("cg", 0, 4), "no inbox yet: the counter's next");
        try {
            for (String name : present) {
                Mailbox.create(name).close(); // its file stays
            }
            assertEquals(1, ProcessGroup.nextIncarnation("cg", 0, 0), "no name of 1: the counter's next");
            assertEquals(4, ProcessGroup.nextIncarnation("cg", 0, 2), "past the inbox of 3");
            assertEquals(6, ProcessGroup.nextIncarnation("cg", 0, 4), "past the parts file of 5");
            assertEquals(6, ProcessGroup.nextIncarnation("cg", 0, 5));
            assertEquals(8, ProcessGroup.nextIncarnation("cg", 0, 7), "the rank's counter's next");
            assertEquals(10, ProcessGroup.nextIncarnation("cg", 1, 8));
            assertEquals(2, ProcessGroup.nextIncarnation("cg", 1, 1), "a name below the highest present, absent");
            assertEquals((int) 3_000_000_001L, ProcessGroup.nextIncarnation("cg", 2, (int) 2_999_999_999L),
                    "counted unsigned");
            assertEquals(1, ProcessGroup.nextIncarnation("cg", 3, 0), "nothing of rank 3");
            assertEquals(21, ProcessGroup.nextIncarnation("other", 0, 19));
            assertEquals(20, ProcessGroup.nextIncarnation("cg", 0, 19), "group.other.* is not group cg's");
            assertEquals(1, ProcessGroup.nextIncarnation("c", 0, 0), "group.cg.* is not group c's");

            Mailbox.create("group.cg.4.4294967295.parts").close();
            assertEquals(0, ProcessGroup.nextIncarnation("cg", 4, (int) 4_294_967_294L), "past 4294967295: wraps");
            Mailbox.create("group.cg.4.0").close();
            assertEquals(1, ProcessGroup.nextIncarnation("cg", 4, (int) 4_294_967_294L), "and counts on");
            assertEquals(2, ProcessGroup.nextIncarnation("cg", 4, 1),
                    "a leftover of 4294967295 does not pin the rank (until 2026-12-06: 0 for every joiner)");
            assertEquals(3, ProcessGroup.nextIncarnation("cg", 4, 2));
        } finally {
            for (String name : present) {
                Mailbox.destroy(name);
            }
            Mailbox.destroy("group.cg.4.4294967295.parts");
            Mailbox.destroy("group.cg.4.0");
        }
    }

    /**
     * A leftover inbox of incarnation 4294967295: a member that leaves and joins the rank again gets
     * a new incarnation, so a peer that sent to it before reaches the new member, not the unlinked
     * inbox it had cached (between 70d1b6ac and 2026-12-06 both got 0 and the message was lost).
     */
    @Test
    void aLeftoverOfTheLastIncarnationDoesNotMakeARejoinerTakeItsPredecessorsName() throws Exception {
        String leftover = GroupDescriptor.inboxName("wrap", 0, -1);
        Mailbox.create(leftover).close();
        try (ProcessGroup peer = ProcessGroup.join("wrap", GroupOptions.of(2).withRank(1))) {
            int first;
            try (ProcessGroup member = ProcessGroup.join("wrap", GroupOptions.of(2).withRank(0))) {
                first = member.members().getFirst().incarnation();
                peer.send(0, new byte[] {1});
                assertEquals(1, member.receive().payload()[0]);
            }
            try (ProcessGroup again = ProcessGroup.join("wrap", GroupOptions.of(2).withRank(0))) {
                int second = again.members().getFirst().incarnation();
                assertEquals(first + 1, second, "the rank's counter's next");
                peer.send(0, new byte[] {2});
                assertEquals(2, again.poll(java.time.Duration.ofSeconds(30)).payload()[0]);
            }
        } finally {
            Mailbox.destroy(leftover);
        }
    }

    /**
     * A group made anew whose rank 0 has inboxes left (its member died, the group file was removed,
     * the inboxes not yet): the joiner takes incarnation 3, above the leftovers 1 and 2 (a parts
     * file only), and leaves them to {@code jipc gc}; leaving removes its own inboxes, not theirs.
     */
    @Test
    void aJoinerOfAGroupMadeAnewTakesAnIncarnationAboveTheInboxesLeftAndKeepsThem() throws Exception {
        List<String> left = List.of("group.anew.0.1", "group.anew.0.1.parts", "group.anew.0.2.parts");
        try {
            for (String name : left) {
                Mailbox.create(name).close();
            }
            assertFalse(ProcessGroup.exists("anew"));
            try (ProcessGroup member = ProcessGroup.join("anew", 2)) {
                assertEquals(0, member.rank());
                assertEquals(3, member.members().getFirst().incarnation());
                assertTrue(Mailbox.exists("group.anew.0.3") && Mailbox.exists("group.anew.0.3.parts"));
                for (String name : left) {
                    assertTrue(Mailbox.exists(name), name + " is not the joiner's to remove");
                }
                try (ProcessGroup second = ProcessGroup.join("anew", 2)) {
                    assertEquals(1, second.members().get(1).incarnation(), "rank 1 had nothing left");
                    second.send(0, new byte[] {42});
                    assertEquals(42, member.receive().payload()[0]);
                }
            }
            assertFalse(ProcessGroup.exists("anew"));
            assertFalse(Mailbox.exists("group.anew.0.3") || Mailbox.exists("group.anew.0.3.parts"));
            for (String name : left) {
                assertTrue(Mailbox.exists(name));
            }
        } finally {
            for (String name : left) {
                Mailbox.destroy(name);
            }
        }
    }

    /**
     * {@link ProcessGroup#isLiveInbox}: true for both inboxes of a live member at its incarnation,
     * false for another incarnation or rank, a name that is no inbox, and once the member left.
     */
    @Test
    void aLiveMembersInboxesAreToldApartFromEveryOtherName() {
        String messages;
        String parts;
        try (ProcessGroup member = ProcessGroup.join("alive", 2)) {
            int incarnation = member.members().getFirst().incarnation();
            messages = GroupDescriptor.inboxName("alive", 0, incarnation);
            parts = GroupDescriptor.partsInboxName("alive", 0, incarnation);
            assertTrue(ProcessGroup.isLiveInbox(messages));
            assertTrue(ProcessGroup.isLiveInbox(parts));
            assertFalse(ProcessGroup.isLiveInbox(GroupDescriptor.inboxName("alive", 0, incarnation + 1)));
            assertFalse(ProcessGroup.isLiveInbox(GroupDescriptor.inboxName("alive", 0, incarnation - 1)));
            assertFalse(ProcessGroup.isLiveInbox(GroupDescriptor.inboxName("alive", 1, incarnation)), "rank 1 is free");
            assertFalse(ProcessGroup.isLiveInbox(GroupDescriptor.inboxName("alive", 5, incarnation)), "outside the group");
            assertFalse(ProcessGroup.isLiveInbox(GroupDescriptor.inboxName("other", 0, incarnation)), "no such group");
            assertFalse(ProcessGroup.isLiveInbox("group.alive.backup"));
            assertFalse(ProcessGroup.isLiveInbox("group.alive.00." + incarnation));
        }
        assertFalse(ProcessGroup.isLiveInbox(messages), "the member left, the group is gone");
        assertFalse(ProcessGroup.isLiveInbox(parts));
    }

    @Test
    void anInboxNameIsParsedExactlyAsItIsWritten() {
        assertEquals(new GroupDescriptor.InboxName("cg", 3, -1, true),
                GroupDescriptor.parseInbox("group.cg.3.4294967295.parts").orElseThrow());
        assertEquals(new GroupDescriptor.InboxName("a-b_c", 0, 7, false),
                GroupDescriptor.parseInbox("group.a-b_c.0.7").orElseThrow());
        for (String no : List.of("group.cg.backup", "group.cg.01.1", "group.cg.0.01", "group.cg.0.1.old", "group.cg.-1.1",
                "group.cg.1024.1", "group.cg.0.4294967296", "group..0.1", "grp.cg.0.1", "group.cg.0.1.parts.parts")) {
            assertTrue(GroupDescriptor.parseInbox(no).isEmpty(), no);
        }
    }
}
