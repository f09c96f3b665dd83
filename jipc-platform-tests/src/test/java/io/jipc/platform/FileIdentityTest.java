package io.jipc.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@link FileIdentity}: one file's identity under any name, none for a missing file, a link's own. */
class FileIdentityTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void theSameFileUnderAnyNameHasOneIdentityAndAFileCreatedAgainAnother() throws Exception {
        Path file = Files.createFile(dir.resolve("a"));
        Path hardLink = Files.createLink(dir.resolve("b"), file);
        Object identity = FileIdentity.of(file);
        assertNotNull(identity);
        assertEquals(identity, FileIdentity.of(hardLink));
        Files.delete(file); // the inode lives on through the hard link: not reused below
        Files.createFile(file);
        assertNotEquals(identity, FileIdentity.of(file));
    }

    @Test
    void aMissingFileHasNoneAndASymbolicLinkItsOwn() throws Exception {
        assertNull(FileIdentity.of(dir.resolve("missing")));
        Path file = Files.createFile(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        assertNotEquals(FileIdentity.of(file), FileIdentity.of(link), "the link is not followed");
        Files.delete(file);
        assertNotNull(FileIdentity.of(link), "a dangling link has an identity: it is there");
    }
}
