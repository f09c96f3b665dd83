package io.jipc.testkit;

import io.jipc.platform.Futex;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run of {@link ChildClassPath}: does what nearly every child JVM of the tests does
 * first (native calls through the FFM linker, a shared mapping, a futex wake, the process identity,
 * {@link ChildMain#dieWithParent()}), so that the classes behind it land in the class-data-sharing
 * archive that is written when this JVM exits. Not for tests to call.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        ProcessIdentity.current();
        Libc.geteuid();
        Path file = Files.createTempFile("jipc-cds-training", ".bin");
        try (Arena arena = Arena.ofShared()) {
            int fd = Libc.open(file.toString(), Libc.O_RDWR | Libc.O_CLOEXEC, 0600);
            try {
                Libc.allocate(fd, 4096, "the training file");
                Libc.fstat(fd, "the training file");
                MemorySegment mapped = Libc.mapShared(fd, 4096, true, false, arena, "the training file");
                mapped.set(ValueLayout.JAVA_INT, 0, 1);
                Futex.wakeAll(mapped.address());
            } finally {
                Libc.close(fd);
            }
        } finally {
            Files.delete(file);
        }
        System.out.println("trained " + Thread.ofPlatform().start(() -> { }).getName());
    }
}
