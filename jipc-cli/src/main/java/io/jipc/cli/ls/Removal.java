package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;

/**
 * Removes one object found by the inventory: unlinks its name, the way its own API does
 * ({@code Mailbox.destroy}, which also drops the mailbox's binding in the name service;
 * {@code UnboundedMailbox.destroy}, its control and segment files; the file of a
 * region, buffer, sync object or durable mailbox; a FIFO; {@code mq_unlink}; the name service's
 * unregister).
 * Processes that still map or hold the object keep using it; nobody can open it by name anymore.
 *
 * <p>Never through a link or another user's directory: right before each removal the jipc root and
 * its kind directories are checked again ({@link ObjectInventory#checkRoot}), and the object's file is
 * {@code lstat}ed: it must still be a file of its kind (a regular file; a FIFO for {@code fifo:}), not
 * a link, and this user's unless the caller allows others' ({@code jipc rm --force}). In the
 * directories checked (this user's, mode 0700) and in sticky {@code /dev/shm}, no other user can
 * swap the name between that check and the unlink.
 *
 * <p>The caller decides whether removal is allowed ({@link ObjectRow#users()}, {@link ObjectRow#stale()});
 * this class only removes. Any thread; does not block.
 */
public final class Removal {
    private Removal() {
    }

    /** Whether an object of this row's kind can be removed at all (an anonymous region has no name). */
    public static boolean removable(ObjectRow row) {
        return !row.kind().equals("anonymous-region");
    }

    /**
     * Removes the object, if it is this user's; false if it was gone already.
     *
     * @throws JipcException            if the kernel or the name service refuses (permissions, a live owner's name),
     *                                  the file is another user's, or the jipc root is refused
     * @throws IllegalArgumentException if the object has no name to remove
     */
    public static boolean remove(ObjectRow row) {
        return remove(row, false);
    }

    /**
     * Removes the object; false if it was gone already.
     *
     * @param othersToo whether a file another user owns may be removed (the kernel still decides)
     * @throws JipcException            if the kernel or the name service refuses (permissions, a live owner's name),
     *                                  the file is another user's and {@code othersToo} is false, it is no longer
     *                                  a file of its kind, or the jipc root is refused
     * @throws IllegalArgumentException if the object has no name to remove
     */
    public static boolean remove(ObjectRow row, boolean othersToo) {
        ObjectInventory.checkRoot();
        if (row.uri().startsWith("mailbox:")) {
            return checkFile(row, othersToo)
                    && Mailbox.destroy(row.uri().substring("mailbox:".length())); // also drops its name binding
        }
        if (row.uri().startsWith("unbounded:")) {
            return checkFile(row, othersToo) // control and segment files
                    && UnboundedMailbox.destroy(row.uri().substring("unbounded:".length()));
        }
        return switch (row.kind()) {
            case "mq" -> PosixMessageQueue.unlink(row.uri().substring("mq:".length()));
            case "name" -> {
                try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                    yield names.unregister(row.uri().substring("name:".length()));
                }
            }
            case "anonymous-region" -> throw new IllegalArgumentException(row.uri()
                    + " has no name: it goes when the last process unmaps it");
            default -> checkFile(row, othersToo) && unlink(row.path());
        };
    }

    /**
     * Whether the row's file is still there as a file of its kind that may be removed; false if it is
     * gone.
     *
     * @throws JipcException if it is a link or another kind of file now, or another user's and
     *         {@code othersToo} is false
     */
    private static boolean checkFile(ObjectRow row, boolean othersToo) {
        FileStatus status;
        try {
            status = Libc.lstat(row.path());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
        boolean rightKind = row.kind().equals("fifo") ? status.isFifo() : status.isRegularFile();
        if (!rightKind) {
            throw new InsecureFileException("not removing " + row.path() + ": it is no longer "
                    + (row.kind().equals("fifo") ? "a FIFO" : "a regular file")
                    + (status.isSymbolicLink() ? " but a symbolic link" : ""));
        }
        int euid = Libc.geteuid();
        if (status.uid() != euid && !othersToo) {
            throw new InsecureFileException("not removing " + row.path() + ": owned by uid "
                    + Integer.toUnsignedString(status.uid()) + ", not by this user (uid "
                    + Integer.toUnsignedString(euid) + ")");
        }
        return true;
    }

    private static boolean unlink(String path) {
        try {
            Libc.unlink(path);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw new JipcException(e.getMessage() + owner(path), e);
        }
    }

    /** {@code " (owned by uid N)"}, or empty once the file is gone. */
    private static String owner(String path) {
        try {
            return " (owned by uid " + Integer.toUnsignedString(Libc.lstat(path).uid()) + ")";
        } catch (ErrnoException gone) {
            return "";
        }
    }
}
