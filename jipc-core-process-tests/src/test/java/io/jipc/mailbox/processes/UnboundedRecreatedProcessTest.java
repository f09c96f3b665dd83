package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Handles of an {@link UnboundedMailbox} that another process destroyed and created again under the
 * same name: each keeps what it has mapped, and its next operation that needs another segment (a
 * receive that moves on to the next segment, a first receive, a send that maps the newest
 * segment) throws {@link MailboxNotFoundException} ("was destroyed"), not
 * {@link io.jipc.CorruptSegmentException}; none of them changes or removes a file of the new
 * mailbox.
 */
class UnboundedRecreatedProcessTest extends ProcessTestFixture {
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(512)
            .build();
    private static final long CEILING = 1 << 20;
    private static final int MESSAGES = 60; // of 200 bytes: segments 0..3
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);

    /**
     * Destroys unbounded mailbox {@code args[0]}, creates it again with {@link #OPTIONS} and sends it
     * {@link #MESSAGES} messages of {@link #message} (its segments 0..3), then says {@code REBORN}.
     */
    public static final class Recreator {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            String name = args[0];
            if (!UnboundedMailbox.destroy(name)) {
                throw new AssertionError("no mailbox " + name + " to destroy");
            }
            try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, CEILING)) {
                for (int i = 0; i < MESSAGES; i++) {
                    mailbox.put(message(1000 + i));
                }
                say("REBORN segments=" + mailbox.segmentCount());
            }
        }
    }

    /**
     * Opens unbounded mailbox {@code args[0]}, says {@code OPENED}, destroys it through its handle
     * and says {@code DESTROYED <what destroy() returned>}.
     */
    public static final class Destroyer {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            try (UnboundedMailbox mailbox = UnboundedMailbox.open(args[0])) {
                say("OPENED");
                say("DESTROYED " + mailbox.destroy());
            }
        }
    }

    static byte[] message(int i) {
        byte[] bytes = new byte[200];
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putInt(0, i);
        for (int b = 4; b < bytes.length; b++) {
            bytes[b] = (byte) (i * 7 + b);
        }
        return bytes;
    }

    /** Every file of the unbounded directory with its bytes. */
    private static Map<String, byte[]> files() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String file : UnboundedFiles.files()) {
            files.put(file, Files.readAllBytes(UnboundedFiles.directory().resolve(file)));
        }
        return files;
    }

    @Test
    void handlesOfAMailboxDestroyedAndCreatedAgainByAnotherProcessThrowMailboxNotFoundAndLeaveTheNewOneAlone()
            throws Exception {
        String name = "reborn";
        try {
            recreatedUnderTheOldHandles(name);
        } finally {
            UnboundedMailbox.destroy(name);
        }
        assertEquals(List.of(), UnboundedFiles.files());
    }

    /**
     * A process destroying its mailbox through its handle ({@link UnboundedMailbox#destroy()}) is
     * stopped after it removed the control file and before it removes the segment files (fault
     * point {@code before-segments-removed}, action {@code stop}); meanwhile this process creates a
     * mailbox of the same name and sends it messages over four segments. The destroyer, continued,
     * removes no file of the new mailbox: every message of it arrives. Until 2026-12-06 it removed
     * every {@code name@k} file by name, the new mailbox's segments: its messages were lost and its
     * receive failed ("segment 0 ... is missing").
     */
    @Test
    void aDestroyerStoppedBeforeItRemovesTheSegmentFilesLeavesThoseOfAMailboxCreatedUnderTheNameMeanwhile()
            throws Exception {
        String name = "destroyed-meanwhile";
        try {
            try (UnboundedMailbox old = UnboundedMailbox.create(name, OPTIONS, CEILING)) {
                for (int i = 0; i < MESSAGES; i++) {
                    old.put(message(i));
                }
            }
            try (ChildJvm destroyer = ChildJvm.builder(Destroyer.class).args(name).quickStart()
                    .hardTimeout(Duration.ofSeconds(90)).property("jipc.faults", "before-segments-removed:1:stop")
                    .start()) {
                try {
                    destroyer.awaitLine("FAULT before-segments-removed", CHILD);
                    ProcessStates.awaitStopped(destroyer.pid(), CHILD);
                    assertEquals(List.of(name + "@0", name + "@1", name + "@2", name + "@3"), UnboundedFiles.files(),
                            "the control file removed, the segment files not yet");
                    try (UnboundedMailbox reborn = UnboundedMailbox.create(name, OPTIONS, CEILING)) {
                        for (int i = 0; i < MESSAGES; i++) {
                            reborn.put(message(1000 + i));
                        }
                        assertEquals(4, reborn.segmentCount());
                        Map<String, byte[]> made = files();
                        Signals.kill(destroyer.pid(), Signals.SIGCONT);
                        assertEquals("DESTROYED true", destroyer.awaitLine("DESTROYED", CHILD));
                        destroyer.assertSuccess(CHILD);
                        Map<String, byte[]> after = files();
                        assertEquals(made.keySet(), after.keySet(), "the new mailbox's files");
                        for (String file : made.keySet()) {
                            assertArrayEquals(made.get(file), after.get(file), file + " changed");
                        }
                        assertTimeoutPreemptively(HANG_GUARD, () -> {
                            for (int i = 0; i < MESSAGES; i++) {
                                assertArrayEquals(message(1000 + i), reborn.poll(), "message " + i + " of the new mailbox");
                            }
                            assertEquals(null, reborn.poll());
                        }, "hang guard");
                    }
                } finally {
                    if (destroyer.isAlive()) {
                        Signals.kill(destroyer.pid(), Signals.SIGCONT); // never left stopped (close kills it)
                    }
                }
            }
        } finally {
            UnboundedMailbox.destroy(name);
        }
        assertEquals(List.of(), UnboundedFiles.files());
    }

    private void recreatedUnderTheOldHandles(String name) throws Exception {
        try (UnboundedMailbox receiver = UnboundedMailbox.create(name, OPTIONS, CEILING);
             UnboundedMailbox sender = UnboundedMailbox.open(name); // maps no segment before the re-creation
             UnboundedMailbox late = UnboundedMailbox.open(name)) { // receives first after the re-creation
            for (int i = 0; i < MESSAGES; i++) {
                receiver.put(message(i));
            }
            assertEquals(4, receiver.segmentCount());
            // a receiver of another handle drains segments 0 and 1 and goes: `first` is 2
            int taken = 0;
            try (UnboundedMailbox drainer = UnboundedMailbox.open(name)) {
                while (drainer.segmentCount() > 2) {
                    assertArrayEquals(message(taken), drainer.poll(), "message " + taken);
                    taken++;
                }
            }
            // the receiver maps segment 2
            assertArrayEquals(message(taken), receiver.poll());
            taken++;

            try (ChildJvm recreator = start(Recreator.class, name)) {
                assertEquals("REBORN segments=4", recreator.awaitLine("REBORN", CHILD));
                recreator.assertSuccess(CHILD);
            }
            Map<String, byte[]> reborn = files();
            assertEquals(List.of(name, name + "@0", name + "@1", name + "@2", name + "@3"), List.copyOf(reborn.keySet()));

            // the old receiver finishes the segment it maps; the next one is the new mailbox's
            MailboxNotFoundException e = assertTimeoutPreemptively(HANG_GUARD, () -> {
                for (int i = 0; i < MESSAGES; i++) {
                    try {
                        receiver.take();
                    } catch (MailboxNotFoundException gone) {
                        return gone;
                    }
                }
                throw new AssertionError("the old receiver took " + MESSAGES + " messages");
            }, "hang guard");
            assertTrue(e.getMessage().contains("'" + name + "' was destroyed"), e.getMessage());
            receiver.close(); // gives the receiving role of the old mailbox up for `late`

            // a first receive: takes the old mailbox's receiver lease, and removes no file
            e = assertThrows(MailboxNotFoundException.class, late::poll, "a first receive");
            assertTrue(e.getMessage().contains("was destroyed"), e.getMessage());
            // a send that maps the newest segment
            e = assertThrows(MailboxNotFoundException.class, () -> sender.offer(new byte[10]), "a send");
            assertTrue(e.getMessage().contains("was destroyed"), e.getMessage());

            Map<String, byte[]> after = files();
            assertEquals(reborn.keySet(), after.keySet(), "the new mailbox's files");
            for (String file : reborn.keySet()) {
                assertArrayEquals(reborn.get(file), after.get(file), file + " changed");
            }
        }
        try (UnboundedMailbox mailbox = UnboundedMailbox.open(name)) {
            for (int i = 0; i < MESSAGES; i++) {
                assertArrayEquals(message(1000 + i), mailbox.poll(), "message " + i + " of the new mailbox");
            }
            assertEquals(null, mailbox.poll());
        }
    }
}
