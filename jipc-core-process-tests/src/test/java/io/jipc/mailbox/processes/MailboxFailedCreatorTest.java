package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.platform.FileIdentity;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A creator of a {@link Mailbox} (a child JVM) is stopped right after its exclusive {@code open(2)}
 * of the mailbox's file (fault point {@code after-file-created}, action {@code stop}, the file
 * still empty); meanwhile {@link Mailbox#destroy(String)} (as {@code jipc rm} does) removes the
 * file, and this process creates a mailbox of the same name and sends to it. The creator,
 * continued, sizes and publishes its orphaned file, then finds that its name no longer names it:
 * its create fails with {@link io.jipc.mailbox.MailboxNotFoundException}, and its cleanup leaves
 * the new mailbox's file and name binding alone: every message arrives.
 *
 * <p>Until 2026-12-06 its create bound the name over the new mailbox's binding (taken for a stale
 * one) and returned a handle of the removed file; and a create failing after the file was made
 * (binding the name failed, say, for a full {@code /dev/shm}) unlinked the name, which by then could
 * be the new mailbox's file: its messages were lost and later opens failed.
 */
class MailboxFailedCreatorTest extends ProcessTestFixture {
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(64)
            .build();
    private static final int MESSAGES = 20;

    /**
     * Creates mailbox {@code args[0]} ({@code args[1]}: {@code create} or {@code openOrCreate}) and
     * says {@code CREATED <id>} (the id of the mailbox it got), or {@code FAILED <exception>}.
     */
    public static final class Creator {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = args[1].equals("create") ? Mailbox.create(args[0], OPTIONS)
                    : Mailbox.openOrCreate(args[0], OPTIONS)) {
                say("CREATED " + Long.toHexString(mailbox.id()));
            } catch (RuntimeException e) {
                say("FAILED " + e);
            }
        }
    }

    /**
     * With {@code openOrCreate} the stopped creator, continued, opens the new mailbox instead of
     * failing (its create lost to another process, as when the name is taken meanwhile).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"create", "openOrCreate"})
    void aCreatorWhoseFileWasRemovedAndTheNameTakenAgainFailsAndLeavesTheNewMailbox(String how) throws Exception {
        String name = "replaced-while-created";
        try (ChildJvm creator = ChildJvm.builder(Creator.class).args(name, how).quickStart()
                .hardTimeout(Duration.ofSeconds(90)).property("jipc.faults", "after-file-created:1:stop").start()) {
            try {
                creator.awaitLine("FAULT after-file-created", CHILD);
                ProcessStates.awaitStopped(creator.pid(), CHILD);
                assertTrue(Mailbox.destroy(name), "the creator's file, empty, removed");
                try (Mailbox mailbox = Mailbox.create(name, OPTIONS)) {
                    for (int i = 0; i < MESSAGES; i++) {
                        assertTrue(mailbox.offer(message(i)));
                    }
                    Path file = Mailbox.path(name);
                    Object made = FileIdentity.of(file);
                    Signals.kill(creator.pid(), Signals.SIGCONT);
                    String outcome = creator.awaitLine("", CHILD);
                    creator.assertSuccess(CHILD);
                    if (how.equals("create")) {
                        assertTrue(outcome.startsWith("FAILED io.jipc.mailbox.MailboxNotFoundException")
                                && outcome.contains("was destroyed while this process created it"), outcome);
                    } else {
                        assertEquals("CREATED " + Long.toHexString(mailbox.id()), outcome, "it opened the new mailbox");
                    }
                    assertEquals(made, FileIdentity.of(file), "the failed creator left the new mailbox's file");
                    try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                        NameEntry bound = names.lookup("mailbox/" + name).orElseThrow();
                        assertEquals(Long.toHexString(mailbox.id()), bound.record().id(), "the name's binding");
                    }
                    try (Mailbox opened = Mailbox.open(name)) {
                        assertEquals(mailbox.id(), opened.id());
                        for (int i = 0; i < MESSAGES; i++) {
                            assertArrayEquals(message(i), opened.poll(), "message " + i);
                        }
                        assertNull(opened.poll());
                    }
                } finally {
                    Mailbox.destroy(name);
                }
            } finally {
                if (creator.isAlive()) {
                    Signals.kill(creator.pid(), Signals.SIGCONT); // never left stopped (close kills it)
                }
            }
        }
    }

    private static byte[] message(int i) {
        return ("message " + i).getBytes(StandardCharsets.US_ASCII);
    }
}
