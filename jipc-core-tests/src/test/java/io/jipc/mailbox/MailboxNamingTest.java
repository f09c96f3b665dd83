package io.jipc.mailbox;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mailbox names live in the host's name service ({@code mailbox/<name>}): bound on create, resolved
 * on open and by id, removed on destroy, kept after the creator exits, and repaired when a process
 * died between the file and the name.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MailboxNamingTest {
    private NameService names;

    @BeforeEach
    void openNames() {
        names = NameService.open(NamingConfiguration.LOCAL);
    }

    @AfterEach
    void closeNames() {
        names.close();
    }

    @Test
    void createBindsTheNameAndDestroyRemovesIt() {
        try (Mailbox mailbox = Mailbox.create("named")) {
            NameEntry entry = names.lookup("mailbox/named").orElseThrow();
            assertEquals("mailbox", entry.record().kind());
            assertEquals(Long.toHexString(mailbox.id()), entry.record().id());
            assertEquals(Mailbox.path("named").toString(), entry.record().address());
            assertEquals(List.of("mailbox/named"), names.list("mailbox/").stream().map(NameEntry::name).toList());
        }
        assertTrue(Mailbox.destroy("named"));
        assertEquals(Optional.empty(), names.lookup("mailbox/named"));
        assertThrows(MailboxNotFoundException.class, () -> Mailbox.open("named"));
    }

    /**
     * A record of another kind bound at {@code mailbox/<name>} (a program's, through the name service)
     * is not a mailbox's name: create, open and destroy leave it in place, and the mailbox works
     * without its name. (Until 2026-12-06 create replaced it silently.)
     */
    @Test
    void aNameOfAnotherKindIsLeftInPlace() throws InterruptedException {
        NameRecord service = NameRecord.of("service", "2a", "tcp://127.0.0.1:1/someone-elses");
        names.bind("mailbox/foreign", service);
        try {
            try (Mailbox created = Mailbox.create("foreign"); Mailbox opened = Mailbox.open("foreign")) {
                assertEquals(service, names.lookup("mailbox/foreign").orElseThrow().record(), "create left it");
                created.put(new byte[] {5});
                assertArrayEquals(new byte[] {5}, opened.take());
            }
            assertTrue(Mailbox.destroy("foreign"));
            assertEquals(service, names.lookup("mailbox/foreign").orElseThrow().record(), "destroy left it");
        } finally {
            Mailbox.destroy("foreign");
            names.unregister("mailbox/foreign");
        }
    }

    /**
     * Another process holds the name directory's lock for longer than a removal waits (as a jipc process
     * stopped while it removed a name would: here {@code flock(1)}): a destroy removes the mailbox and
     * returns true, leaving its name, which the next create of the name replaces. Until 2026-12-07 the
     * destroy waited for as long as the lock was held (and, on the day, threw after removing the
     * mailbox, so that a retry returned false).
     */
    @Test
    void aDestroyWhileAnotherProcessHoldsTheNameLockRemovesTheMailboxAndLeavesItsName() throws Exception {
        Mailbox.create("locked").close();
        java.nio.file.Path dir = io.jipc.segment.JipcRoot.path("names");
        // -o: the lock is flock's own, not its command's, so that ending flock frees it
        Process holder = new ProcessBuilder("/usr/bin/flock", "-o", dir.toString(), "/bin/sh", "-c",
                "echo HELD; exec sleep 120").redirectErrorStream(true).start();
        try {
            assertEquals("HELD", holder.inputReader().readLine());
            assertTrue(Mailbox.destroy("locked"));
            assertFalse(Mailbox.exists("locked"));
            assertTrue(names.lookup("mailbox/locked").isPresent(), "the name, left");
        } finally {
            holder.descendants().forEach(ProcessHandle::destroyForcibly);
            holder.destroyForcibly().waitFor();
        }
        try (Mailbox again = Mailbox.create("locked")) {
            assertEquals(Long.toHexString(again.id()), names.lookup("mailbox/locked").orElseThrow().record().id());
        }
        assertTrue(Mailbox.destroy("locked"));
        assertEquals(Optional.empty(), names.lookup("mailbox/locked"));
    }

    @Test
    void destroyThroughAHandleRemovesTheNameToo() {
        try (Mailbox mailbox = Mailbox.create("handle-destroyed")) {
            assertTrue(mailbox.destroy());
            assertEquals(Optional.empty(), names.lookup("mailbox/handle-destroyed"));
            assertFalse(mailbox.destroy(), "already gone");
        }
    }

    @Test
    void openByIdFindsTheMailboxThroughItsName() {
        try (Mailbox created = Mailbox.create("by-id"); Mailbox opened = Mailbox.open(created.id())) {
            assertEquals("by-id", opened.name());
            created.put(new byte[] {7});
            assertArrayEquals(new byte[] {7}, opened.take());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            Mailbox.destroy("by-id");
        }
    }

    /** An interrupt pending does not hide a mailbox from open-by-id, with or without its name. */
    @Test
    void openByIdWithAnInterruptPendingFindsTheMailbox() {
        try (Mailbox created = Mailbox.create("by-id-interrupted")) {
            for (boolean named : new boolean[] {true, false}) {
                if (!named) {
                    assertTrue(names.unregister("mailbox/by-id-interrupted")); // found by its file's header then
                }
                Thread.currentThread().interrupt();
                try (Mailbox opened = Mailbox.open(created.id())) {
                    assertEquals("by-id-interrupted", opened.name());
                } finally {
                    assertTrue(Thread.interrupted(), "the interrupt is kept");
                }
            }
        } finally {
            Mailbox.destroy("by-id-interrupted");
        }
    }

    @Test
    void aNameWhoseFileIsGoneIsReplacedByTheNextCreate() {
        names.bind("mailbox/stale", new NameRecord("mailbox", "1234", Mailbox.path("stale").toString(), java.util.Map.of()));
        try (Mailbox mailbox = Mailbox.create("stale")) {
            assertEquals(Long.toHexString(mailbox.id()), names.lookup("mailbox/stale").orElseThrow().record().id());
        } finally {
            Mailbox.destroy("stale");
        }
        assertEquals(Optional.empty(), names.lookup("mailbox/stale"));
    }

    @Test
    void aMailboxWithoutItsNameIsFoundByItsFileAndGetsItsNameBack() {
        try (Mailbox created = Mailbox.create("unnamed")) {
            assertTrue(names.unregister("mailbox/unnamed")); // as if the creator died before binding
            try (Mailbox opened = Mailbox.open("unnamed")) {
                assertEquals(created.id(), opened.id());
            }
            assertEquals(Long.toHexString(created.id()), names.lookup("mailbox/unnamed").orElseThrow().record().id());
        } finally {
            Mailbox.destroy("unnamed");
        }
    }

    /** Creates the mailbox args[0] and exits without destroying it. */
    public static final class CreateAndExit {
        public static void main(String[] args) {
            Mailbox.create(args[0]).close();
        }
    }

    @Test
    void theNameOutlivesTheCreatorLikeTheMailbox() throws Exception {
        try (ChildJvm creator = ChildJvm.builder(CreateAndExit.class).args("kept").quickStart()
                .hardTimeout(Duration.ofSeconds(60)).start()) {
            creator.assertSuccess(Duration.ofSeconds(50));
        }
        NameEntry entry = names.lookup("mailbox/kept").orElseThrow();
        assertEquals("mailbox", entry.record().kind());
        try (Mailbox mailbox = Mailbox.open("kept")) {
            assertEquals(Long.toHexString(mailbox.id()), entry.record().id());
        } finally {
            assertTrue(Mailbox.destroy("kept"));
        }
        assertFalse(names.lookup("mailbox/kept").isPresent());
    }

    /**
     * Someone removes the whole jipc root while this process runs (e.g. {@code rm -rf
     * /dev/shm/jipc-<uid>}): the next create makes the directories again and binds its name.
     */
    @Test
    void aRootRemovedWhileTheProcessRunsIsMadeAgainByTheNextCreate() throws Exception {
        try (Mailbox mailbox = Mailbox.create("before")) {
            mailbox.put(new byte[] {1});
        }
        assertTrue(Mailbox.destroy("before"));
        deleteTree(JipcTestExtension.root());
        try (Mailbox mailbox = Mailbox.create("after")) {
            mailbox.put(new byte[] {2});
            assertArrayEquals(new byte[] {2}, mailbox.poll());
            try (NameService fresh = NameService.open(NamingConfiguration.LOCAL)) {
                assertEquals(Long.toHexString(mailbox.id()), fresh.lookup("mailbox/after").orElseThrow().record().id());
            }
        }
        try (Mailbox opened = Mailbox.open("after")) {
            assertEquals(null, opened.poll(), "the message was received");
        }
        assertTrue(Mailbox.destroy("after"));
    }

    /**
     * A create refused for its arguments makes nothing, not even the jipc root and its
     * {@code mailbox/} directory, as an unbounded mailbox's, a region's or a group's join do. Until
     * 2026-12-07 {@code Mailbox.create(null)} and {@code create("..")} made both before they threw.
     */
    @Test
    void aCreateRefusedForItsArgumentsMakesNoDirectory() {
        java.nio.file.Path fresh = JipcTestExtension.root().resolve("fresh-root");
        String previous = System.getProperty(JipcRoot.PROPERTY);
        System.setProperty(JipcRoot.PROPERTY, fresh.toString());
        try {
            assertThrows(NullPointerException.class, () -> Mailbox.create(null));
            assertThrows(IllegalArgumentException.class, () -> Mailbox.create(".."));
            assertThrows(IllegalArgumentException.class, () -> Mailbox.create("a/b", MailboxOptions.defaults()));
            assertThrows(NullPointerException.class, () -> Mailbox.create("fine", null));
            assertFalse(java.nio.file.Files.exists(fresh), "a refused create made " + fresh);
        } finally {
            System.setProperty(JipcRoot.PROPERTY, previous);
        }
    }

    private static void deleteTree(java.nio.file.Path root) throws java.io.IOException {
        try (var paths = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }
}
