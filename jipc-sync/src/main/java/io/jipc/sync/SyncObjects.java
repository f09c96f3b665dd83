package io.jipc.sync;

import io.jipc.CorruptSegmentException;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
