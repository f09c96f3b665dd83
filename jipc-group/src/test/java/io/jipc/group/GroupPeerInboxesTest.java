package io.jipc.group;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long-lived member's handles of other members' inboxes: one that came and went is unmapped once
 * the rank changes hands (until 2026-12-07 each stayed mapped until the long-lived member left, 2
 * mappings of removed files per member that came and went), and a send still waiting in one when
 * another thread finds the rank changed hands is not cut off by its closing.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupPeerInboxesTest extends InProcessMembers {
    /** This process's mappings of files named as inboxes of group {@code group}. */
    private static long inboxMappings(String group) throws IOException {
        String named = "/group." + group + ".";
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(line -> line.contains(named)).count();
    }

    @Test
    void aMemberDoesNotKeepTheInboxesOfMembersThatCameAndWentMapped() throws Exception {
        ProcessGroup stays = ProcessGroup.join("churn", 2);
        members.add(stays);
        long before = inboxMappings("churn");
        for (int i = 0; i < 300; i++) {
            try (ProcessGroup comes = ProcessGroup.join("churn", 2)) {
                assertTrue(stays.offer(1, new byte[100]));
                assertEquals(0, comes.receive().sender());
            }
        }
        // its own two inboxes, and at most the two of the last member of rank 1, which it has not looked up since
        long after = inboxMappings("churn");
        assertTrue(after <= before + 2, "mappings of the group's inboxes: " + before + " before, " + after + " after 300 members came and went");
    }

    @Test
    void aSendWaitingForRoomWhenAnotherThreadFindsTheRankTakenOverEndsAsLostNotClosed() throws Exception {
        GroupOptions small = GroupOptions.of(2).withInboxBytes(4096).withMaxMessageSize(1024);
        ProcessGroup sender = ProcessGroup.join("taken", small);
        members.add(sender);
        ProcessGroup first = ProcessGroup.join("taken", small);
        while (sender.offer(1, new byte[1024])) {
            // until rank 1's inbox has no room
        }
        Future<?> waiting = threads.submit(() -> {
            sender.send(1, new byte[1024]);
            return null;
        });
        Thread.sleep(50); // the send waits for room (if not yet, it finds the newcomer and ends the same way)
        first.close();
        ProcessGroup newcomer = ProcessGroup.join("taken", small);
        members.add(newcomer);
        assertTrue(sender.offer(1, new byte[1]), "this thread's lookup finds the newcomer");
        Throwable ended = assertThrows(ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS)).getCause();
        assertEquals(1, assertInstanceOf(GroupMemberLostException.class, ended, ended.toString()).rank());
        assertEquals(1, newcomer.receive().payload().length, "the waiting send did not reach the newcomer");
        assertFalse(newcomer.poll() != null);
    }
}
