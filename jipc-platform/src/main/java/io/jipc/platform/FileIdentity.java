package io.jipc.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The identity of the file at a path (device and inode, {@link BasicFileAttributes#fileKey()}),
 * read with one {@code lstat}: equal for the same file under any name, different for a file
 * removed and created again under the same name while the old one is still referenced (mapped or
 * open, so that its inode is not reused). Used to tell whether a name still refers to the file a
 * handle maps. Any thread; nothing is kept.
 */
public final class FileIdentity {
    private FileIdentity() {
    }

    /**
     * The identity of the file at {@code path}, not following a symbolic link (a link has its own);
     * null if there is no file there.
     *
     * @throws UncheckedIOException if the attributes cannot be read for another reason (e.g. a
     *                              directory on the way that may not be searched)
     */
    public static Object of(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the attributes of " + path, e);
        }
    }
}
