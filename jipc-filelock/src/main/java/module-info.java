/**
 * Advisory file locks between processes ({@link io.jipc.filelock.LockableFile}): shared or
 * exclusive, taken at once, with a wait, or with a bounded wait, for the "files as a shared data
 * space" pattern of IPC.
 */
module io.jipc.filelock {
    requires transitive io.jipc.platform;

    exports io.jipc.filelock;
}
