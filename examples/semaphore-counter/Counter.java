import java.nio.file.NoSuchFileException;
import java.nio.file.FileAlreadyExistsException;
import io.jipc.segment.JipcRoot;
import io.jipc.sync.Acquisition;
import io.jipc.sync.ProcessSemaphore;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A counter in shared memory, protected by a binary semaphore in the same memory; any number of
 * processes add to it at once and none of their increments is lost.
 *
 * <pre>
 * examples/run semaphore-counter/Counter.java create counter
 * examples/run semaphore-counter/Counter.java add counter 1000000     # in two terminals at once
 * examples/run semaphore-counter/Counter.java show counter
 * examples/run semaphore-counter/Counter.java destroy counter
 * </pre>
 *
 * The shared memory is a plain file under the jipc root mapped with {@link FileChannel#map}: the
 * semaphore is formatted in its first bytes ({@link ProcessSemaphore#format}) and every process
 * attaches to it there ({@link ProcessSemaphore#in}); the counter is a plain long further on.
 */
public class Counter {
    private static final long SEMAPHORE = 0;
    private static final int HOLDERS = 16;
    private static final long COUNTER = 1024;
    private static final long LENGTH = 4096;

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > (args[0].equals("add") ? 3 : 2)
                || !args[0].matches("create|add|show|destroy") || args.length > 2 && !args[2].matches("\\d+")) {
            usage();
        }
        Path file = JipcRoot.directory("examples").resolve(args[1]);
        try {
            switch (args[0]) {
                case "create" -> create(file);
                case "add" -> add(file, args.length > 2 ? Long.parseLong(args[2]) : 1_000_000);
                case "show" -> show(file);
                default -> {
                    Files.delete(file);
                    System.out.println("counter '" + args[1] + "' destroyed");
                }
            }
        } catch (FileAlreadyExistsException e) {
            fail("counter '" + args[1] + "' exists already: add to it, or destroy it first");
        } catch (NoSuchFileException e) {
            fail("no counter '" + args[1] + "': create it first");
        }
    }

    /** Creates the file and formats a tracked binary semaphore (1 permit) in it. */
    private static void create(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH, arena);
            ProcessSemaphore.format(memory.asSlice(SEMAPHORE, ProcessSemaphore.slotLength(HOLDERS)), 1, HOLDERS);
            System.out.println("counter created in " + file + " (a binary semaphore and a long)");
        }
    }

    /** Adds {@code increments} to the counter, one increment per acquire and release. */
    private static void add(Path file, long increments) throws IOException, InterruptedException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH, arena);
            try (ProcessSemaphore semaphore = ProcessSemaphore.in(memory.asSlice(SEMAPHORE))) {
                System.out.println("adding " + increments + " (pid " + ProcessHandle.current().pid() + ")");
                for (long i = 0; i < increments; i++) {
                    if (semaphore.acquire() == Acquisition.OWNER_DIED) {
                        // a holder was killed inside the critical section: one plain read-modify-write
                        // on a long is either done or not, so there is nothing to repair here
                        System.out.println("a previous holder died holding the permit; it was given back");
                        semaphore.markConsistent();
                    }
                    long value = memory.get(ValueLayout.JAVA_LONG, COUNTER); // plain, not atomic:
                    memory.set(ValueLayout.JAVA_LONG, COUNTER, value + 1);   // the semaphore protects it
                    semaphore.release();
                }
                semaphore.acquire();
                long now = memory.get(ValueLayout.JAVA_LONG, COUNTER);
                semaphore.release();
                System.out.println("added " + increments + "; counter now " + now);
            }
        }
    }

    private static void show(Path file) throws IOException, InterruptedException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH, arena);
            try (ProcessSemaphore semaphore = ProcessSemaphore.in(memory.asSlice(SEMAPHORE))) {
                semaphore.acquire();
                long value = memory.get(ValueLayout.JAVA_LONG, COUNTER);
                semaphore.release();
                System.out.println("counter = " + value);
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run semaphore-counter/Counter.java create|add|show|destroy <name> [increments]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
