package io.jipc.segment;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;

import java.nio.file.Path;

/**
 * The directory under which every jipc object of this user lives.
 *
 * <p>Resolved, in order, from the system property {@value #PROPERTY}, the environment variable
 * {@value #ENVIRONMENT}, or {@code /dev/shm/jipc-<euid>}. Each kind of object has a subdirectory
 * ({@code mailbox/}, ...). jipc creates the directories with mode {@code 0700} and refuses to use one
 * that is a symbolic link, belongs to another user, or is open to group or others: {@code /dev/shm}
 * is world-writable, so another user could have planted a directory or link there first. Creates
 * check them through {@link #directory}; opens, destroys and existence tests of named objects through
 * {@link #existing}, which creates nothing.
 *
 * <p>Tests and tools point {@value #PROPERTY} at a private directory to run isolated and clean up.
 */
public final class JipcRoot {
    /** System property naming the root directory. */
    public static final String PROPERTY = "jipc.root";
    /** Environment variable naming the root directory. */
    public static final String ENVIRONMENT = "JIPC_ROOT";

    private JipcRoot() {
    }

    /** The root directory (not created). */
    public static Path path() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENVIRONMENT);
        }
        if (configured == null || configured.isBlank()) {
            configured = "/dev/shm/jipc-" + Integer.toUnsignedString(Libc.geteuid());
        }
        return Path.of(configured).toAbsolutePath().normalize();
    }

    /** The directory of one kind of object, e.g. {@code mailbox}; not created. */
    public static Path path(String kind) {
        return path().resolve(kind);
    }

    /**
     * The directory of one kind of object, created (with the root) if missing, and checked: a
     * directory, not a link, owned by this user, mode {@code 0700}.
     *
     * @throws InsecureFileException if an existing directory fails the checks
     */
    public static Path directory(String kind) {
        Path root = path();
        ensureDirectory(root, true);
        Path dir = root.resolve(kind);
        ensureDirectory(dir, false);
        return dir;
    }

    /**
     * The directory of one kind of object, checked as {@link #directory} checks it but not created:
     * for opening, destroying or looking for a named object, which must not open or delete through
     * a link or in a directory another user planted or can write. The root and the kind directory
     * are checked if they exist; the path is returned even if they do not, so that opening a
     * missing object still fails as "not found". Any thread; does not block (a few {@code lstat}s).
     *
     * @throws InsecureFileException as {@link #checkExisting} does, for the root or this kind directory
     */
    public static Path existing(String kind) {
        checkExisting(kind);
        return path(kind);
    }

    /**
     * Checks, creating nothing, the root and those of the kind directories {@code kinds} that exist,
     * exactly as {@link #directory} checks them: for tools that read or remove what lies under the
     * root ({@code jipc ls}, {@code gc}, {@code rm}), which must neither follow a link another user
     * planted nor read or delete in another user's directory. Any thread; does not block.
     *
     * @return false if there is no root (nothing was ever created under it); true if it and the
     *         existing kind directories passed
     * @throws InsecureFileException if the root or an existing kind directory is a symbolic link, not
     *         a directory, another user's, or open to others, or if the root cannot be looked at for
     *         another reason than its absence: a path above it is no directory ({@code ENOTDIR}),
     *         cannot be entered ({@code EACCES}), loops ({@code ELOOP}), or the path is too long (the
     *         message names the errno and says what to do)
     */
    public static boolean checkExisting(String... kinds) {
        Path root = path();
        try {
            Libc.lstat(root.toString());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw refused(root, e.errno() == Errno.ENOTDIR ? "a path above it is not a directory (ENOTDIR)"
                    : "it cannot be looked at (" + e.errnoName() + ")", "correct the path");
        }
        check(root);
        for (String kind : kinds) {
            Path dir = root.resolve(kind);
            if (exists(dir)) {
                check(dir);
            }
        }
        return true;
    }

    /** Creates {@code dir} (mode 0700, missing parents too) and checks it; parents are not checked. */
    private static void ensureDirectory(Path dir, boolean createParents) {
        Path parent = dir.getParent();
        if (createParents && parent != null && !exists(parent)) {
            ensureDirectory(parent, true);
            // parents are ordinary directories (e.g. a test's temporary directory): created, not checked
        }
        try {
            Libc.mkdir(dir.toString(), 0700);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EEXIST) {
                throw e;
            }
        }
        if (dir.startsWith(path())) {
            check(dir);
        }
    }

    private static boolean exists(Path path) {
        try {
            Libc.lstat(path.toString());
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** Checks that {@code dir} is a private directory of this user (and not a link). */
    static void check(Path dir) {
        FileStatus status = Libc.lstat(dir.toString());
        if (status.isSymbolicLink()) {
            throw refused(dir, "it is a symbolic link", "remove it");
        }
        if (!status.isDirectory()) {
            throw refused(dir, "not a directory", "remove it");
        }
        int euid = Libc.geteuid();
        if (status.uid() != euid) {
            throw refused(dir, "owned by uid " + Integer.toUnsignedString(status.uid()) + ", not by this user (uid "
                    + Integer.toUnsignedString(euid) + ")", "remove it (another user may have planted it)");
        }
        if ((status.permissions() & 077) != 0) {
            throw refused(dir, "mode " + FileStatus.octal(status.permissions()) + " lets other users in; expected 0700",
                    "check what is in it, then chmod 700 it");
        }
    }

    private static InsecureFileException refused(Path dir, String why, String remedy) {
        return new InsecureFileException("refusing jipc directory " + dir + ": " + why + "; " + remedy
                + ", or set " + ENVIRONMENT + " (or -D" + PROPERTY + ") to a directory of your own");
    }
}
