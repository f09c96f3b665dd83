package io.jipc.testkit;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A memory cgroup of a test's own, with a memory limit, for child JVMs started in it
 * ({@link #wrapper()}): cgroup v1 ({@code /sys/fs/cgroup/memory/<name>}, {@code memory.limit_in_bytes})
 * or v2 ({@code /sys/fs/cgroup/<name>}, {@code memory.max}), whichever controls memory here. Making
 * one needs root and a writable cgroup file system; {@link #create} aborts the test (an assumption)
 * with the reason where it cannot. {@link #close} removes it once its processes have exited
 * (a {@link ChildJvm}'s close waits for that). One thread.
 */
public final class MemoryCgroup implements AutoCloseable {
    private static final Path V1 = Path.of("/sys/fs/cgroup/memory");
    private static final Path V2 = Path.of("/sys/fs/cgroup");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Path directory;

    private MemoryCgroup(Path directory) {
        this.directory = directory;
    }

    /** A fresh cgroup limited to {@code limitBytes}; aborts the calling test where none can be made. */
    public static MemoryCgroup create(long limitBytes) {
        try {
            boolean v1 = Files.isRegularFile(V1.resolve("memory.limit_in_bytes"));
            boolean v2 = !v1 && Files.isRegularFile(V2.resolve("cgroup.subtree_control"))
                    && Files.readString(V2.resolve("cgroup.subtree_control")).contains("memory");
            Assumptions.assumeTrue(v1 || v2, () -> "no memory cgroup controller is mounted at " + V1
                    + " (v1) or enabled for the children of " + V2 + " (v2)");
            Path group = (v1 ? V1 : V2).resolve("jipc-test-" + ProcessHandle.current().pid() + "-"
                    + COUNTER.incrementAndGet());
            try {
                Files.createDirectory(group);
            } catch (IOException e) {
                Assumptions.abort("cannot make a memory cgroup (needs root and a writable cgroup file system): " + e);
            }
            MemoryCgroup cgroup = new MemoryCgroup(group);
            try {
                Files.writeString(group.resolve(v1 ? "memory.limit_in_bytes" : "memory.max"), Long.toString(limitBytes));
            } catch (IOException | RuntimeException e) {
                cgroup.close();
                throw e;
            }
            return cgroup;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * For {@link ChildJvm.Builder#wrapper}: a shell that moves itself into this cgroup and then
     * execs the JVM, so that all the child allocates is charged to it.
     */
    public String[] wrapper() {
        return new String[] {"/bin/sh", "-c", "echo $$ > '" + directory.resolve("cgroup.procs") + "' && exec \"$@\"", "sh"};
    }

    /** Removes the cgroup ({@code rmdir}; its control files go with it). Its processes must have exited. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
