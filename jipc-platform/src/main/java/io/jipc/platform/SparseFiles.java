package io.jipc.platform;

import io.jipc.ErrnoException;

import java.nio.file.Path;

/**
 * Backing for the holes of a shared file before it is mapped, so that a full memory file system is an
 * exception at the open and never a {@code SIGBUS} at a later access of a page that was never
 * allocated. A file has holes when it was sized without being written ({@code shm_open} and
 * {@code ftruncate} in C) or copied sparsely ({@code cp --sparse=always}, {@code rsync -S},
 * {@code tar -S}); the files jipc creates itself are allocated in full ({@code fallocate}) before
 * they have a size, and cost nothing here. Stateless; any thread.
 */
public final class SparseFiles {
    private SparseFiles() {
    }

    /**
     * Sees that every page of the open file {@code fd} can be backed. Writable descriptor: reserves the
     * holes with {@code fallocate} over the whole size (it allocates only the holes and keeps the size),
     * after {@link MemoryBudget#check}. Read-only ({@code fallocate} needs a writable descriptor):
     * refuses the file when its file system's free space, or the memory budget, is below the holes'
     * size; that is only an estimate of the moment, since every hole this process reads is allocated
     * then. Does not block beyond the system calls.
     *
     * @param what    the file as messages should name it, e.g. {@code "region /dev/shm/x"}
     * @param origin  how such a file comes to have holes, for the message
     * @throws ErrnoException {@code ENOSPC} (or another errno of {@code fallocate}) if the holes cannot
     *                        be backed, the message saying that jipc reserves them on open; {@code
     *                        ENOMEM} if the memory budget is below the holes' size ({@link MemoryBudget#check})
     */
    public static void backHoles(int fd, Path path, FileStatus status, boolean writable, String what, String origin) {
        long holes = status.unallocatedBytes();
        if (holes == 0) {
            return; // jipc's own files (reserved at create) and any file written in full
        }
        String file = path.toString();
        String described = what + " of " + status.size() + " bytes, " + holes + " of them never allocated ("
                + origin + ")";
        MemoryBudget.check(holes, described);
        if (writable) {
            try {
                Libc.allocate(fd, status.size(), file);
            } catch (ErrnoException e) {
                throw new ErrnoException(e.errno(), e.errnoName(), Errno.description(e.errno()) + "; " + described
                        + ": jipc reserves them on open so that no access faults later", e.call(), file);
            }
            return;
        }
        long free;
        try {
            free = java.nio.file.Files.getFileStore(path).getUsableSpace();
        } catch (java.io.IOException | SecurityException e) {
            return; // not known: the kernel decides at the first access
        }
        if (holes > free) {
            throw Errno.exception(Errno.ENOSPC, "jipc's space check", described + ", but only " + free
                    + " bytes are free on its file system: reading a hole allocates it, so accesses would fault"
                    + " (SIGBUS)");
        }
    }
}
