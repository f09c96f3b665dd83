package io.jipc.cli.ls;

import java.util.List;

/**
 * One live IPC object as {@code jipc ls} shows it: a row of the table, an object of the JSON.
 *
 * @param kind     {@code region}, {@code circular-buffer}, {@code mailbox}, {@code anonymous-region}, ...
 * @param name     the name to open it by ({@code /name} for a POSIX shared memory object)
 * @param path     the file, or a description where there is none
 * @param size     bytes
 * @param owner    owning user name (or uid), or {@code ?}
 * @param mode     permission bits in octal, or {@code ?}
 * @param creator  {@code pid 123 (alive)} from a jipc header, or {@code -}
 * @param attached pids of the processes that map it now (from {@code /proc/<pid>/maps}; only those
 *                 this user may inspect)
 * @param format   what the bytes are: {@code raw}, or the jipc format and its parameters
 */
public record IpcObject(String kind, String name, String path, long size, String owner, String mode, String creator,
                        List<Long> attached, String format) {
    public IpcObject {
        attached = List.copyOf(attached);
    }
}
