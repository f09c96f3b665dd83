package io.jipc.shm;

/** How a process maps a region: the protection of its mapping, checked by the kernel at open. */
public enum Access {
    /** {@code O_RDONLY} and {@code PROT_READ}: the segment is read-only; the file needs read permission. */
    READ_ONLY,
    /** {@code O_RDWR} and {@code PROT_READ|PROT_WRITE}; the file needs read and write permission. */
    READ_WRITE
}
