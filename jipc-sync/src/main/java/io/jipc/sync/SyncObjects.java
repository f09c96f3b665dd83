package io.jipc.sync;

import io.jipc.CorruptSegmentException;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The named synchronization objects of this user, for tools: their names and kinds. */
public final class SyncObjects {
    private SyncObjects() {
    }

    /** The names of the named objects under the jipc root, sorted. */
    public static List<String> names() {
        Path directory = JipcRoot.path(SyncFileDescriptor.DIRECTORY);
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (NoSuchFileException none) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens the named object {@code name} of this user whatever its kind and whatever its permission
     * bits, for tools ({@code jipc sync}): as {@link #open(String, int)} with the bits the file has
     * now (read without following a link). Only the exact-mode check gives way: the file must still
     * be a regular file, not a symbolic link, owned by this user, and a file whose mode changes
     * between the two looks is refused ({@link io.jipc.InsecureFileException}), as are set-id and
     * sticky bits.
     *
     * @throws SyncObjectNotFoundException    if there is none of that name
     * @throws CorruptSegmentException        if the file is damaged or of an unknown kind
     * @throws io.jipc.InsecureFileException  if the file is a link, not a regular file, or another user's
     */
    public static AutoCloseable open(String name) {
        Path path = SyncFile.path(name);
        int permissions;
        try {
            permissions = (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
        } catch (NoSuchFileException none) {
            throw new SyncObjectNotFoundException("no synchronization object '" + name + "' (" + path + ")", none);
        } catch (IOException | UnsupportedOperationException unreadable) {
            permissions = 0600; // the open then says what is wrong, in its words
        }
        return open(name, permissions);
    }

    /**
     * Opens the named object {@code name}, whatever its kind: a {@link ProcessMutex},
     * {@link ProcessSemaphore}, {@link ProcessCondition}, {@link ProcessBarrier} or {@link ProcessCountDownLatch}.
     *
     * @throws SyncObjectNotFoundException      if there is none of that name
     * @throws CorruptSegmentException         if the file is damaged or of an unknown kind
     */
    public static AutoCloseable open(String name, int permissions) {
        int kind = SyncFile.kindOf(name, permissions);
        if (kind == ProcessMutex.TAG) {
            return ProcessMutex.open(name, permissions);
        }
        if (kind == ProcessSemaphore.TAG) {
            return ProcessSemaphore.open(name, permissions);
        }
        if (kind == ProcessCondition.TAG) {
            return ProcessCondition.open(name, permissions);
        }
        if (kind == ProcessBarrier.TAG) {
            return ProcessBarrier.open(name, permissions);
        }
        if (kind == ProcessCountDownLatch.TAG) {
            return ProcessCountDownLatch.open(name, permissions);
        }
        throw new CorruptSegmentException("'" + name + "' (" + SyncFile.path(name) + ") is an object of unknown kind "
                + Slots.text(kind));
    }

    /**
     * Whether a named object {@code name} exists now (its file; its creator may have died).
     *
     * @throws IllegalArgumentException if no object can have that name
     */
    public static boolean exists(String name) {
        return Files.exists(SyncFile.path(name));
    }

    /** Removes the name of the named object {@code name}; false if there was none. */
    public static boolean destroy(String name) {
        return SyncFile.destroy(name);
    }
}
