package io.jipc.mailbox;

import io.jipc.InsecureFileException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opens, destroys and existence tests refuse a kind directory ({@code mailbox/}, {@code unbounded/})
 * that is open to others or a symbolic link, as creates do, and remove nothing through it. (Until
 * 2026-12-06 only creates checked it: {@code Mailbox.open} worked and {@code Mailbox.destroy}
 * deleted a file through a link to another directory.)
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class KindDirectoryCheckTest {

    @Test
    void aMailboxDirectoryOpenToOthersIsRefused(Path root) throws IOException {
        Mailbox.create("guarded").close();
        Path dir = root.resolve(MailboxDescriptor.DIRECTORY);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            assertRefused(() -> Mailbox.open("guarded"));
            assertRefused(() -> Mailbox.openOrCreate("guarded", MailboxOptions.defaults()));
            assertRefused(() -> Mailbox.exists("guarded"));
            assertRefused(() -> Mailbox.destroy("guarded"));
            assertTrue(Files.exists(dir.resolve("guarded")), "the refused destroy removed nothing");
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        assertTrue(Mailbox.destroy("guarded"));
    }

    @Test
    void aMailboxDirectoryThatIsALinkIsRefusedAndNothingIsRemovedThroughIt(Path root) throws IOException {
        Mailbox.create("linked").close();
        Path dir = root.resolve(MailboxDescriptor.DIRECTORY);
        Path elsewhere = root.resolveSibling(root.getFileName() + "-elsewhere");
        Files.move(dir, elsewhere);
        try {
            Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.createSymbolicLink(dir, elsewhere);
            assertRefused(() -> Mailbox.open("linked"));
            assertRefused(() -> Mailbox.exists("linked"));
            assertRefused(() -> Mailbox.destroy("linked"));
            assertTrue(Files.exists(elsewhere.resolve("linked")), "nothing was removed through the link");
        } finally {
            Files.deleteIfExists(dir);
            Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
            Files.move(elsewhere, dir);
        }
        assertTrue(Mailbox.destroy("linked"));
        assertFalse(Mailbox.exists("linked"));
    }

    @Test
    void anUnboundedMailboxDirectoryOpenToOthersIsRefused(Path root) throws IOException {
        UnboundedMailbox.create("guarded-unbounded").close();
        Path dir = root.resolve(UnboundedMailboxDescriptor.DIRECTORY);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            assertRefused(() -> UnboundedMailbox.open("guarded-unbounded"));
            assertRefused(() -> UnboundedMailbox.exists("guarded-unbounded"));
            assertRefused(() -> UnboundedMailbox.destroy("guarded-unbounded"));
            assertTrue(Files.exists(dir.resolve("guarded-unbounded")), "the refused destroy removed nothing");
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        assertTrue(UnboundedMailbox.destroy("guarded-unbounded"));
    }

    private static void assertRefused(Executable call) {
        InsecureFileException e = assertThrows(InsecureFileException.class, call);
        assertTrue(e.getMessage().startsWith("refusing jipc directory "), e.getMessage());
    }
}
