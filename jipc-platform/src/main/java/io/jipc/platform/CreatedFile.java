package io.jipc.platform;

/**
 * The clean-up of a creator that fails after it created a file under a name: it removes the name
 * only if the name still refers to the file it created. Between the create and the failure
 * (a {@code fallocate} that finds the memory file system full, a mapping that fails: long for a
 * large file) another process may have removed the name and created its own file under it (a
 * cleanup tool, a user's {@code rm} then a new creator); a removal by name would lose that file.
 * Any thread; nothing is kept.
 */
public final class CreatedFile {
    private CreatedFile() {
    }

    /**
     * Removes {@code path} if it still names the file that {@code fd} (the creator's descriptor,
     * still open, so that its inode cannot be reused meanwhile) refers to: compares the
     * {@code fstat} of {@code fd} with the {@code lstat} of {@code path} (device and inode), then
     * unlinks. Best effort, for a failure path: nothing is thrown (the name gone already, say). A
     * process that swaps the name between the {@code lstat} and the unlink still loses its file:
     * nothing but a lock both take closes that window of two system calls.
     *
     * @return whether the name was removed
     */
    public static boolean unlinkQuietlyIfStillNamed(int fd, String path) {
        try {
            FileStatus own = Libc.fstat(fd, path);
            FileStatus named = Libc.lstat(path);
            if (named.device() == own.device() && named.inode() == own.inode()) {
                Libc.unlink(path);
                return true;
            }
        } catch (RuntimeException ignored) {
            // best effort while failing creation
        }
        return false;
    }
}
