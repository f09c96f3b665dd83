package io.jipc.filelock;

/**
 * A lock held through a {@link LockableFile}, released by {@link #release()} or {@link #close()}
 * (try-with-resources), by closing the file, or by the kernel when the process dies.
 *
 * <p>Any thread may release it (an open file description lock belongs to the open file, not to a
 * thread). Releasing twice, or after the file was closed, does nothing.
 */
public final class FileLock implements AutoCloseable {
    private final LockableFile file;
    private final LockMode mode;

    FileLock(LockableFile file, LockMode mode) {
        this.file = file;
        this.mode = mode;
    }

    /** Shared or exclusive. */
    public LockMode mode() {
        return mode;
    }

    /** The file it locks. */
    public LockableFile file() {
        return file;
    }

    /** Whether the lock is still held (not released, file not closed). */
    public boolean isValid() {
        return file.holds(this);
    }

    /** Releases the lock; waiters in other processes may then get theirs. Idempotent. */
    public void release() {
        file.release(this);
    }

    /** Same as {@link #release()}. */
    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "FileLock[" + mode + " on " + file.path() + (isValid() ? "" : ", released") + "]";
    }
}
