package io.jipc.sync;

import io.jipc.CorruptSegmentException;
import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.Printable;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Creates, opens and removes the file of a named synchronization object ({@link SyncFileDescriptor}). */
final class SyncFile {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(2);

    private SyncFile() {
    }

    /**
     * Where the object {@code name} lives, for opening, destroying or looking for it: the root and the
     * kind directory are checked as creates check them, not created ({@link JipcRoot#existing}).
     *
     * @throws io.jipc.InsecureFileException if one of them is a link, another user's, or open to others
     */
    static Path path(String name) {
        return JipcRoot.existing(SyncFileDescriptor.DIRECTORY).resolve(checkName(name));
    }

    private static String checkName(String name) {
        if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches()) {
            throw new IllegalArgumentException("invalid name " + Printable.quoted(name) + ": 1-200 characters of [A-Za-z0-9._-],"
                    + " not starting with '.' or '-'");
        }
        return name;
    }

    /** {@code permissions} if they are permission bits (0 to 0777: no set-id or sticky bit, nothing else). */
    private static int checkPermissions(int permissions) {
        if (permissions < 0 || permissions > 0777) {
            throw new IllegalArgumentException("permissions must be permission bits (0 to 0777): 0"
                    + Integer.toOctalString(permissions));
        }
        return permissions;
    }

    /**
     * {@code permissions} for a new object: permission bits that include {@code 0600}, as a mailbox's
     * ({@code MailboxOptions.permissions}): without the owner's read and write the creator's own
     * user could not open what it made.
     */
    private static int checkCreatePermissions(int permissions) {
        if ((permissions & ~0777) != 0 || (permissions & 0600) != 0600) {
            throw new IllegalArgumentException("permissions must be within 0777 and include 0600: 0"
                    + Integer.toOctalString(permissions));
        }
        return permissions;
    }

    /**
     * Creates the file, lets {@code format} format the slot, publishes the file, and attaches a
     * handle to the slot with {@code attach}; the file is removed if any of it fails.
     *
     * @throws SyncObjectExistsException if the name is taken (by an object of any kind)
     */
    static <H> H create(String name, int kind, long slotLength, int permissions, Consumer<MemorySegment> format,
                        BiFunction<MemorySegment, SharedSegment, H> attach) {
        checkName(name);
        checkCreatePermissions(permissions);
        // only then the directories: a refused create makes nothing (until 2026-12-07 the root and sync/)
        Path path = JipcRoot.directory(SyncFileDescriptor.DIRECTORY).resolve(name);
        SharedSegment segment;
        try {
            segment = SharedSegment.create(path, SyncFileDescriptor.MAGIC, SyncFileDescriptor.SLOT_OFFSET + slotLength,
                    permissions);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                throw new SyncObjectExistsException("synchronization object '" + name + "' exists (" + path + ")", e);
            }
            throw e;
        }
        try {
            MemorySegment memory = segment.memory();
            memory.set(ValueLayout.JAVA_INT, SyncFileDescriptor.KIND_OFFSET, kind);
            memory.set(ValueLayout.JAVA_INT, SyncFileDescriptor.SLOT_LENGTH_OFFSET, Math.toIntExact(slotLength));
            memory.set(ValueLayout.JAVA_LONG, SyncFileDescriptor.SLOT_OFFSET_OFFSET, SyncFileDescriptor.SLOT_OFFSET);
            memory.set(ValueLayout.JAVA_INT, SyncFileDescriptor.PERMISSIONS_OFFSET, permissions);
            format.accept(memory.asSlice(SyncFileDescriptor.SLOT_OFFSET, slotLength));
            segment.publish(SyncFileDescriptor.MAJOR_VERSION, SyncFileDescriptor.MINOR_VERSION);
            return attach.apply(slot(segment), segment);
        } catch (RuntimeException | Error e) {
            // only its own file: another process may have removed it and made its own under the name
            // meanwhile (until 2026-12-06 the name was unlinked, and with it that file)
            segment.discardCreated(e);
            throw e;
        }
    }

    /**
     * Opens the file of {@code name}, checks that it holds an object of {@code kind}, and attaches
     * a handle to its slot with {@code attach}; the file is closed if that fails.
     *
     * @throws SyncObjectNotFoundException     if there is no such object
     * @throws CorruptSegmentException         if the file is damaged or holds another kind of object
     * @throws io.jipc.InsecureFileException   if the file is a link, foreign, or has other permissions
     */
    static <H> H open(String name, int kind, int permissions, BiFunction<MemorySegment, SharedSegment, H> attach) {
        SharedSegment segment = openFile(name, permissions);
        try {
            MemorySegment memory = segment.memory();
            int found = memory.get(ValueLayout.JAVA_INT, SyncFileDescriptor.KIND_OFFSET);
            if (found != kind) {
                throw new CorruptSegmentException("'" + name + "' is a " + Slots.text(found) + " object, not a "
                        + Slots.text(kind) + " (" + segment.path() + ")");
            }
            long slotOffset = memory.get(ValueLayout.JAVA_LONG, SyncFileDescriptor.SLOT_OFFSET_OFFSET);
            long slotLength = Integer.toUnsignedLong(memory.get(ValueLayout.JAVA_INT,
                    SyncFileDescriptor.SLOT_LENGTH_OFFSET));
            if (slotOffset != SyncFileDescriptor.SLOT_OFFSET || slotLength > memory.byteSize() - slotOffset) {
                throw new CorruptSegmentException(segment.path() + ": slot of " + slotLength + " bytes at " + slotOffset
                        + " does not fit the " + memory.byteSize() + "-byte file");
            }
            try {
                return attach.apply(slot(segment), segment);
            } catch (IllegalArgumentException tooShort) { // a slot of the file is mapped, native, aligned: its length
                throw new CorruptSegmentException(segment.path() + ": " + tooShort.getMessage());
            } catch (CorruptSegmentException damaged) { // what the slot's checks found: in this file
                throw new CorruptSegmentException(segment.path() + ": " + damaged.getMessage());
            }
        } catch (RuntimeException e) {
            segment.close();
            throw e;
        }
    }

    /** The kind (the slot's tag) of the named object {@code name}. */
    static int kindOf(String name, int permissions) {
        try (SharedSegment segment = openFile(name, permissions)) {
            return segment.memory().get(ValueLayout.JAVA_INT, SyncFileDescriptor.KIND_OFFSET);
        }
    }

    private static SharedSegment openFile(String name, int permissions) {
        checkPermissions(permissions);
        Path path = path(name);
        try {
            return SharedSegment.open(path, SyncFileDescriptor.MAGIC, SyncFileDescriptor.MAJOR_VERSION, permissions,
                    READY_TIMEOUT);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new SyncObjectNotFoundException("no synchronization object '" + name + "' (" + path + ")", e);
            }
            throw e;
        }
    }

    /** The slot of a file made by {@link #create} or checked by {@link #open}. */
    private static MemorySegment slot(SharedSegment segment) {
        MemorySegment memory = segment.memory();
        long slotLength = Integer.toUnsignedLong(memory.get(ValueLayout.JAVA_INT, SyncFileDescriptor.SLOT_LENGTH_OFFSET));
        return memory.asSlice(SyncFileDescriptor.SLOT_OFFSET, slotLength);
    }

    /**
     * Removes the name; open handles keep working until closed. Returns false if there was no such
     * object.
     */
    static boolean destroy(String name) {
        return SharedSegment.unlink(path(name));
    }
}
