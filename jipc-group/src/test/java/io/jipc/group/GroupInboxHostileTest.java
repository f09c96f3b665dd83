package io.jipc.group;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages written into members' inboxes by a process that is not a member (anyone with the user's
 * permissions can open a member's inbox mailbox): here the test itself, which opens the inboxes by
 * name and puts bytes of its choosing into them while the members (handles in this JVM, one thread
 * each) receive or run collective operations.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupInboxHostileTest {
    private final List<ProcessGroup> members = new ArrayList<>();
    private final List<Mailbox> opened = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private List<ProcessGroup> joinAll(String name, GroupOptions options) {
        List<ProcessGroup> group = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            ProcessGroup g = ProcessGroup.join(name, options);
            members.add(g);
            group.add(g);
        }
        return group;
    }

    /** The inbox of {@code member} for the application's messages, opened as any process of the user could. */
    private Mailbox inboxOf(ProcessGroup member) {
        int incarnation = member.members().get(member.rank()).incarnation();
        Mailbox inbox = Mailbox.open(GroupDescriptor.inboxName(member.name(), member.rank(), incarnation));
        opened.add(inbox);
        return inbox;
    }

    /** The inbox of {@code member} for the parts of collective operations, opened as any process of the user could. */
    private Mailbox partsInboxOf(ProcessGroup member) {
        int incarnation = member.members().get(member.rank()).incarnation();
        Mailbox inbox = Mailbox.open(GroupDescriptor.partsInboxName(member.name(), member.rank(), incarnation));
        opened.add(inbox);
        return inbox;
    }

    @AfterEach
    void leave() {
        threads.shutdownNow();
        opened.forEach(Mailbox::close);
        members.forEach(ProcessGroup::close);
    }

    /** Messages that are no group message: too short, unknown kind, a sender outside the group, reserved bits set. */
    private static List<byte[]> garbage() {
        byte[] unknownKind = GroupEnvelope.encode(GroupEnvelope.BROADCAST, 0, 0, 0, 1, 0, new byte[3]);
        unknownKind[0] = 9;
        byte[] reserved = GroupEnvelope.encode(GroupEnvelope.COLLECTIVE, GroupEnvelope.Op.BARRIER.code(),
                GroupEnvelope.UP, 1, 1, 1, new byte[0]);
        reserved[3] = 1;
        return List.of(new byte[5], unknownKind,
                GroupEnvelope.encode(GroupEnvelope.COLLECTIVE, GroupEnvelope.Op.BARRIER.code(), GroupEnvelope.DOWN,
                        7, 1, 1, new byte[0]),
                reserved);
    }

    // ------------------------------------------------------------------ messages that are no group message

    @Test
    void malformedMessagesDuringCollectivesAreDiscardedAndTheCollectivesGoOn() throws Exception {
        List<ProcessGroup> g = joinAll("garbled", GroupOptions.of(2).withCollectiveTimeout(Duration.ofSeconds(20)));
        List<Mailbox> inboxes = List.of(partsInboxOf(g.get(0)), partsInboxOf(g.get(1)));
        int before = 0;
        for (Mailbox inbox : inboxes) { // waiting when the barriers begin: taken by the collective's thread
            for (byte[] m : garbage()) {
                assertTrue(inbox.offer(m));
                before++;
            }
        }
        int rounds = 300;
        List<Future<Long>> loops = new ArrayList<>();
        for (ProcessGroup m : g) {
            loops.add(threads.submit((Callable<Long>) () -> {
                for (int i = 0; i < rounds; i++) {
                    m.barrier();
                }
                return m.allReduce(1L, Long::sum);
            }));
        }
        int during = 0;
        for (int i = 0; i < 200 && !(loops.get(0).isDone() && loops.get(1).isDone()); i++) {
            for (Mailbox inbox : inboxes) {
                byte[] m = garbage().get(i % garbage().size());
                if (inbox.offer(m)) {
                    during++;
                }
            }
            Thread.onSpinWait();
        }
        for (Future<Long> loop : loops) {
            assertEquals(2L, loop.get(30, TimeUnit.SECONDS), "every barrier and the last allReduce returned");
        }
        long discarded = g.get(0).discardedMessages() + g.get(1).discardedMessages();
        assertTrue(discarded >= before && discarded <= before + during, discarded + " discarded of " + before
                + " written before and " + during + " during the barriers");
        assertEquals(List.of(3L, 3L), each(g, m -> m.allReduce(m.rank() + 1L, Long::sum)), "collectives still work");
        assertNull(g.get(0).poll(), "the application's inbox got none of it");
    }

    @Test
    void pollTellsOfAMalformedMessageAndGoesOnWithTheMessagesBehindIt() throws Exception {
        List<ProcessGroup> g = joinAll("garbled-p2p", GroupOptions.of(2));
        Mailbox inbox = inboxOf(g.get(0));
        g.get(1).send(0, "first".getBytes(UTF_8));
        for (byte[] m : garbage()) {
            assertTrue(inbox.offer(m));
        }
        g.get(1).send(0, "second".getBytes(UTF_8));
        assertEquals("first", new String(g.get(0).poll().payload(), UTF_8));
        for (int i = 0; i < garbage().size(); i++) {
            assertThrows(GroupProtocolException.class, () -> g.get(0).poll(), "message " + i + " is no group message");
        }
        assertEquals(garbage().size(), g.get(0).discardedMessages());
        assertEquals("second", new String(g.get(0).poll(Duration.ofSeconds(10)).payload(), UTF_8));
        assertNull(g.get(0).poll());
        // a well-formed part of a collective operation has no business in the application's inbox
        assertTrue(inbox.offer(GroupEnvelope.encode(GroupEnvelope.COLLECTIVE, GroupEnvelope.Op.BARRIER.code(),
                GroupEnvelope.UP, 1, 1, 1, new byte[0])));
        assertThrows(GroupProtocolException.class, () -> g.get(0).poll(), "a part in the wrong inbox");
        assertEquals(garbage().size() + 1, g.get(0).discardedMessages());
        assertEquals(List.of(3L, 3L), each(g, m -> m.allReduce(m.rank() + 1L, Long::sum)), "collectives unaffected");
    }

    /** Runs {@code body} for each member on its own thread and returns the results in rank order. */
    private <T> List<T> each(List<ProcessGroup> group, GroupTest.Member<T> body) throws Exception {
        return GroupTest.each(threads, group, body);
    }
}
