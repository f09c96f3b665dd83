package io.jipc.platform;

/**
 * What {@code statx(2)} says of a file.
 *
 * @param device      device id (major in the high 32 bits, minor in the low)
 * @param inode       inode number; with {@code device} it identifies the file
 * @param mode        {@code st_mode}: file type and permission bits
 * @param uid         owner user id
 * @param gid         owner group id
 * @param size        size in bytes
 * @param links       number of hard links (0 once the file was unlinked)
 * @param mtimeSeconds last modification, seconds since the epoch
 * @param blocks      storage allocated to the file, in 512-byte units ({@code stx_blocks}): less
 *                    than {@code size} for a sparse file, whose holes have none yet
 */
public record FileStatus(long device, long inode, int mode, int uid, int gid, long size, int links,
                         long mtimeSeconds, long blocks) {

    /**
     * Bytes of the file that its storage does not cover: {@code size - 512 * blocks}, at least 0.
     * More than 0 means the file has holes (it is sparse) of at least that many bytes; 0 that it
     * has none, unless storage allocated beyond its end ({@code fallocate} with
     * {@code FALLOC_FL_KEEP_SIZE}) hides them. Storage comes in whole blocks or pages, so a file
     * whose last page is partly used still counts as covered.
     */
    public long unallocatedBytes() {
        return Math.max(0, size - Math.min(blocks, Long.MAX_VALUE / 512) * 512);
    }

    /** The permission bits ({@code mode & 07777}). */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isRegularFile() {
        return (mode & Libc.S_IFMT) == Libc.S_IFREG;
    }

    public boolean isDirectory() {
        return (mode & Libc.S_IFMT) == Libc.S_IFDIR;
    }

    public boolean isSymbolicLink() {
        return (mode & Libc.S_IFMT) == Libc.S_IFLNK;
    }

    public boolean isFifo() {
        return (mode & Libc.S_IFMT) == Libc.S_IFIFO;
    }

    /** A Unix-domain socket's file (created by {@code bind}). */
    public boolean isSocket() {
        return (mode & Libc.S_IFMT) == Libc.S_IFSOCK;
    }

    /** The permission bits in octal, e.g. {@code "0600"}. */
    public static String octal(int permissions) {
        return String.format("0%o", permissions);
    }
}
