package io.jipc.testkit;

import io.jipc.platform.Futex;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run of {@link ChildClassPath}: does what nearly every child JVM of the tests does
 * first (native calls through the FFM linker, a shared mapping, a futex wake, the process identity,
 * {@link ChildMain#dieWithParent()}), so that the classes behind it land in the class-data-sharing
 * archive that is written when this JVM exits. Not for tests to call.
 *
 * <p>Then the calls that {@value #CALLS} lists, for a module whose children run more of the same
 * code (the CLI's tests start it hundreds of times): {@code class.method arg...} separated by
 * {@code ;}, each a public static method that takes a {@code String[]} (its result is ignored),
 * run in a private jipc root that is removed afterwards. {@code io.jipc.cli.Main.run ls} puts the
 * classes of {@code jipc ls} in the archive: a child {@code jipc ls} then takes 0.75 CPU-s instead
 * of 0.97, {@code jipc mailbox create} 0.60 instead of 0.81 (2-core VM, C1 alone). A call that
 * throws fails the training, and the children start without an archive.
 */
public final class CdsTraining {
    /** The system property that lists more calls to train with (see the class comment). */
    public static final String CALLS = "jipc.testkit.cds.training";

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
        String calls = System.getProperty(CALLS, "");
        if (!calls.isBlank()) {
            runCalls(calls);
        }
    }

    private static void runCalls(String calls) throws Exception {
        Path root = Files.createTempDirectory("jipc-cds-training"); // 0700: a jipc root may be no other
        System.setProperty("jipc.root", root.toString());
        try {
            for (String call : calls.split(";")) {
                String[] words = call.strip().split("\\s+");
                if (words[0].isEmpty()) {
                    continue;
                }
                int dot = words[0].lastIndexOf('.');
                if (dot <= 0) {
                    throw new IllegalArgumentException(CALLS + ": '" + call.strip() + "' names no class.method");
                }
                Method method = Class.forName(words[0].substring(0, dot)).getMethod(words[0].substring(dot + 1),
                        String[].class);
                method.invoke(null, (Object) Arrays.copyOfRange(words, 1, words.length));
            }
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }
}
