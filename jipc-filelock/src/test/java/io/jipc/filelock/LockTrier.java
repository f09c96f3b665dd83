package io.jipc.filelock;

import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child process that, for each line {@code SHARED} or {@code EXCLUSIVE} on its standard input,
 * tries once for such a lock on a file through an open of its own and prints {@code TRIED held}
 * (another open holds a conflicting lock) or {@code TRIED free} (it got the lock and has released it);
 * it exits when its standard input ends. It prints {@code READY} first.
 *
 * <p>Argument: the path.
 */
public final class LockTrier {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LockableFile file = LockableFile.open(Path.of(args[0]))) {
            System.out.println("READY");
            String line;
            while ((line = in.readLine()) != null) {
                FileLock lock = file.tryLock(LockMode.valueOf(line.trim()));
                if (lock != null) {
                    lock.release(); // before the answer: the parent may lock again at once
                }
                System.out.println("TRIED " + (lock == null ? "held" : "free"));
            }
        }
    }
}
