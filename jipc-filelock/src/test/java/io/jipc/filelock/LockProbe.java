package io.jipc.filelock;

import io.jipc.testkit.ChildMain;

import java.nio.file.Path;

/**
 * A child process that tries once for an exclusive lock on a file and prints {@code TRIED held}
 * (another open holds a lock) or {@code TRIED free} (it got the lock, then releases it).
 *
 * <p>Argument: the path.
 */
public final class LockProbe {
    public static void main(String[] args) {
        ChildMain.dieWithParent();
        try (LockableFile file = LockableFile.open(Path.of(args[0]));
             FileLock lock = file.tryLock(LockMode.EXCLUSIVE)) {
            System.out.println("TRIED " + (lock == null ? "held" : "free"));
        }
    }
}
