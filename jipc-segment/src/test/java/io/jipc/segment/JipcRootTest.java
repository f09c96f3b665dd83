package io.jipc.segment;

import io.jipc.InsecureFileException;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ShmScratch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link JipcRoot}: where the root is, and that only a private directory of this user is accepted
 * as root or as a kind directory. Hostile roots are built in a temporary directory under
 * {@code /dev/shm} that the test removes.
 */
@ExtendWith(JipcTestExtension.class)
class JipcRootTest {
    private static final int OTHER_UID = 65534;

    private String testRoot;
    private Path scratch;

    @BeforeEach
    void remember() throws IOException {
        testRoot = System.getProperty(JipcRoot.PROPERTY);
        scratch = ShmScratch.createDirectory("jipc-root-test");
    }

    @AfterEach
    void restore() throws IOException {
        System.setProperty(JipcRoot.PROPERTY, testRoot);
        ShmScratch.delete(scratch);
    }

    private static FileStatus lstat(Path path) {
        return Libc.lstat(path.toString());
    }

    private static void useRoot(Path root) {
        System.setProperty(JipcRoot.PROPERTY, root.toString());
    }

    private static InsecureFileException assertRefused(String kind, String... fragments) {
        InsecureFileException e = assertThrows(InsecureFileException.class, () -> JipcRoot.directory(kind));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + fragment + "' missing from: " + e.getMessage());
        }
        return e;
    }

    @Test
    void directoryCreatesTheRootAndTheKindPrivateToThisUser() {
        Path root = scratch.resolve("jipc");
        useRoot(root);
        assertFalse(Files.exists(root));
        Path mailbox = JipcRoot.directory("mailbox");
        assertEquals(root.resolve("mailbox"), mailbox);
        assertEquals(mailbox, JipcRoot.path("mailbox"));
        for (Path dir : new Path[] {root, mailbox}) {
            FileStatus status = lstat(dir);
            assertTrue(status.isDirectory(), dir::toString);
            assertEquals(0700, status.permissions(), dir::toString);
            assertEquals(Libc.geteuid(), status.uid(), dir::toString);
        }
        // again: the existing directories are accepted as they are
        assertEquals(mailbox, JipcRoot.directory("mailbox"));
        assertEquals(root.resolve("ring"), JipcRoot.directory("ring"));
    }

    @Test
    void theRootNamedByTheSystemPropertyIsUsed(Path root) {
        assertEquals(root, JipcRoot.path());
        Path kind = JipcRoot.directory("segment");
        assertEquals(root.resolve("segment"), kind);
        assertTrue(lstat(kind).isDirectory());
        assertEquals(0700, lstat(root).permissions());
    }

    @Test
    void theRootIsTakenFromTheSystemPropertyMadeAbsoluteAndNormal() {
        Path wanted = scratch.resolve("a").resolve("jipc");
        useRoot(scratch.resolve("a/./b/../jipc"));
        assertEquals(wanted, JipcRoot.path());
        System.setProperty(JipcRoot.PROPERTY, "relative/root");
        assertEquals(Path.of("").toAbsolutePath().resolve("relative/root"), JipcRoot.path());
    }

    @Test
    void missingParentsOfTheRootAreCreated() {
        Path root = scratch.resolve("x/y/jipc");
        useRoot(root);
        Path kind = JipcRoot.directory("mailbox");
        assertTrue(lstat(kind).isDirectory());
        assertEquals(0700, lstat(root).permissions());
    }

    @Test
    void withoutPropertyOrEnvironmentTheRootIsThePerUserDirectoryInDevShm() {
        assumeTrue(System.getenv(JipcRoot.ENVIRONMENT) == null, "JIPC_ROOT is set in this environment");
        System.setProperty(JipcRoot.PROPERTY, "  ");
        assertEquals(Path.of("/dev/shm/jipc-" + Libc.geteuid()), JipcRoot.path());
        System.clearProperty(JipcRoot.PROPERTY);
        assertEquals(Path.of("/dev/shm/jipc-" + Libc.geteuid()), JipcRoot.path());
    }

    @Test
    void aRootThatIsASymbolicLinkIsRefusedEvenToAPrivateDirectory() throws IOException {
        Path target = Files.createDirectory(scratch.resolve("target"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(scratch.resolve("root"), target);
        useRoot(link);
        assertRefused("mailbox", link.toString(), "it is a symbolic link");
        assertFalse(Files.exists(target.resolve("mailbox")), "nothing was created through the link");
    }

    @Test
    void aRootThatIsADanglingSymbolicLinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(scratch.resolve("root"), scratch.resolve("planted"));
        useRoot(link);
        assertRefused("mailbox", "it is a symbolic link");
        assertFalse(Files.exists(scratch.resolve("planted")));
    }

    @Test
    void aRootOwnedByAnotherUserIsRefused() throws IOException {
        assumeTrue(Libc.geteuid() == 0, "only root can give a directory to another user");
        Path root = Files.createDirectory(scratch.resolve("root"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(root, "unix:uid", OTHER_UID);
        useRoot(root);
        assertRefused("mailbox", root.toString(), "owned by uid " + OTHER_UID, "not by this user (uid 0)");
        assertFalse(Files.exists(root.resolve("mailbox")));
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(strings = {"rwxr-xr-x", "rwxrwxrwx", "rwx-----x", "rwxrwx---"})
    void aRootOpenToOtherUsersIsRefused(String mode) throws IOException {
        Path root = Files.createDirectory(scratch.resolve("root"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString(mode));
        useRoot(root);
        int before = lstat(root).permissions();
        assertRefused("mailbox", root.toString(), "mode " + FileStatus.octal(before) + " lets other users in; expected 0700");
        assertEquals(before, lstat(root).permissions(), "not repaired behind the user's back");
        assertFalse(Files.exists(root.resolve("mailbox")), "nothing was created in it");
    }

    @Test
    void aRootThatIsARegularFileIsRefused() throws IOException {
        Path root = Files.createFile(scratch.resolve("root"));
        useRoot(root);
        assertRefused("mailbox", root.toString(), "not a directory");
    }

    @Test
    void aKindDirectoryThatIsASymbolicLinkIsRefused() throws IOException {
        Path root = scratch.resolve("root");
        useRoot(root);
        JipcRoot.directory("ring");
        Path elsewhere = Files.createDirectory(scratch.resolve("elsewhere"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(root.resolve("mailbox"), elsewhere);
        assertRefused("mailbox", root.resolve("mailbox").toString(), "it is a symbolic link");
    }

    @Test
    void aKindDirectoryOpenToOthersOrOwnedByAnotherUserIsRefused() throws IOException {
        Path root = scratch.resolve("root");
        useRoot(root);
        Path kind = JipcRoot.directory("mailbox");
        Files.setPosixFilePermissions(kind, PosixFilePermissions.fromString("rwxr-x---"));
        assertRefused("mailbox", kind.toString(), "mode 0750 lets other users in");
        if (Libc.geteuid() == 0) {
            Files.setPosixFilePermissions(kind, PosixFilePermissions.fromString("rwx------"));
            Files.setAttribute(kind, "unix:uid", OTHER_UID);
            assertRefused("mailbox", kind.toString(), "owned by uid " + OTHER_UID);
        }
    }

    @Test
    void aRefusalSaysWhatToDo() throws IOException {
        Path link = Files.createSymbolicLink(scratch.resolve("root"), scratch.resolve("planted"));
        useRoot(link);
        assertRefused("mailbox", "it is a symbolic link; remove it, or set JIPC_ROOT (or -Djipc.root) to a directory"
                + " of your own");
    }

    @Test
    void checkExistingCreatesNothingAndRefusesWhatDirectoryRefuses() throws IOException {
        Path root = scratch.resolve("root");
        useRoot(root);
        assertFalse(JipcRoot.checkExisting("mailbox"), "no root: nothing to check");
        assertFalse(Files.exists(root), "nothing created");
        JipcRoot.directory("sync");
        assertTrue(JipcRoot.checkExisting("mailbox", "sync"));
        assertFalse(Files.exists(root.resolve("mailbox")), "nothing created");
        Path elsewhere = Files.createDirectory(scratch.resolve("elsewhere"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(root.resolve("mailbox"), elsewhere);
        InsecureFileException e = assertThrows(InsecureFileException.class, () -> JipcRoot.checkExisting("mailbox"));
        assertTrue(e.getMessage().contains(root.resolve("mailbox") + ": it is a symbolic link"), e.getMessage());
        Files.delete(root.resolve("mailbox"));
        Path planted = scratch.resolve("planted");
        Files.createSymbolicLink(planted, root);
        useRoot(planted);
        e = assertThrows(InsecureFileException.class, () -> JipcRoot.checkExisting());
        assertTrue(e.getMessage().contains(planted + ": it is a symbolic link"), e.getMessage());
    }
}
