package io.jipc.segment;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Futex;
import io.jipc.platform.Libc;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * The other process of the segment tests. Uses only jipc and JDK classes (no JUnit), so that it
 * also runs as a user who cannot read the local Maven repository. Prints one line per step.
 * Several commands may be given, separated by {@code ";"} arguments.
 *
 * <ul>
 * <li>{@code hello}: {@code HELLO uid=<euid> umask=<octal>}</li>
 * <li>{@code root}: {@code ROOT <JipcRoot.path()>}</li>
 * <li>{@code create <path> <mode> now|stdin|never}: creates a 4096-byte segment, then publishes it
 *     at once, after a line on standard input, or never; prints {@code CREATED <pid> umask=<octal>},
 *     then {@code PUBLISHED}.</li>
 * <li>{@code create-length <path> <mode> <length>}: creates a segment of {@code length} bytes and
 *     closes it unpublished: {@code CREATED <pid>} or {@code FAILED ...}</li>
 * <li>{@code pause}: prints {@code PAUSED} and waits for a line on standard input</li>
 * <li>{@code open <path> <mode>...}: opens each path expecting that mode: {@code OPENED <version>} or
 *     {@code FAILED <exception class> <errno name or -> <message>}</li>
 * <li>{@code stat <path>}: {@code STAT uid=<uid> mode=<octal>} or {@code FAILED ...}</li>
 * <li>{@code wait <path> <offset>}: futex-waits, untimed, on the word while it is 0:
 *     {@code WAITING}, then {@code RESULT <rc>}</li>
 * <li>{@code await <path> <offset>}: {@link Futex#await} loop on a virtual thread until the word
 *     is not 0: {@code WAITING}, then {@code RELEASED <value>}</li>
 * <li>{@code wake <path> <offset>}: wakes one waiter on the word, retrying until one was woken:
 *     {@code WOKE <count>}</li>
 * </ul>
 */
public final class SegmentChild {
    static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-TST");
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private SegmentChild() {
    }

    /** Runs the commands of {@code args}, separated by {@code ";"} arguments, one after the other. */
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        int start = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals(";")) {
                run(Arrays.copyOfRange(args, start, i));
                start = i + 1;
            }
        }
        System.out.flush();
    }

    private static void run(String[] args) throws Exception {
        switch (args[0]) {
            case "hello" -> System.out.println("HELLO uid=" + Libc.geteuid() + " umask=" + umask());
            case "root" -> System.out.println("ROOT " + JipcRoot.path());
            case "create" -> create(Path.of(args[1]), Integer.parseInt(args[2], 8), args[3]);
            case "create-length" -> {
                try {
                    SharedSegment.create(Path.of(args[1]), MAGIC, Long.parseLong(args[3]), Integer.parseInt(args[2], 8))
                            .close();
                    System.out.println("CREATED " + ProcessHandle.current().pid());
                } catch (RuntimeException e) {
                    failed(e);
                }
            }
            case "pause" -> {
                System.out.println("PAUSED");
                System.out.flush();
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
            case "open" -> {
                for (int i = 1; i + 1 < args.length; i += 2) {
                    open(Path.of(args[i]), Integer.parseInt(args[i + 1], 8));
                }
            }
            case "stat" -> {
                try {
                    FileStatus status = Libc.lstat(args[1]);
                    System.out.println("STAT uid=" + status.uid() + " mode=" + FileStatus.octal(status.permissions()));
                } catch (RuntimeException e) {
                    failed(e);
                }
            }
            case "wait" -> waitOn(Path.of(args[1]), Long.parseLong(args[2]));
            case "await" -> awaitOn(Path.of(args[1]), Long.parseLong(args[2]));
            case "wake" -> wake(Path.of(args[1]), Long.parseLong(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }

    private static String umask() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Umask:"))
                .map(l -> l.substring(6).trim()).findFirst().orElse("?");
    }

    private static void create(Path path, int mode, String publish) throws Exception {
        SharedSegment segment = SharedSegment.create(path, MAGIC, 4096, mode);
        System.out.println("CREATED " + ProcessHandle.current().pid() + " umask=" + umask());
        System.out.flush();
        switch (publish) {
            case "now" -> segment.publish(1, 3);
            case "stdin" -> {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                in.readLine();
                segment.publish(1, 3);
            }
            case "never" -> {
                return;
            }
            default -> throw new IllegalArgumentException(publish);
        }
        System.out.println("PUBLISHED");
        segment.close();
    }

    private static void open(Path path, int mode) {
        try (SharedSegment segment = SharedSegment.open(path, MAGIC, 1, mode, Duration.ofSeconds(5))) {
            System.out.println("OPENED " + Integer.toHexString(segment.version()));
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private static void failed(RuntimeException e) {
        String errno = e instanceof ErrnoException errnoException ? errnoException.errnoName() : "-";
        System.out.println("FAILED " + e.getClass().getName() + " " + errno + " " + e.getMessage());
    }

    private static SharedSegment openSegment(Path path) {
        return SharedSegment.open(path, MAGIC, 1, 0600, Duration.ofSeconds(5));
    }

    private static void waitOn(Path path, long offset) {
        try (SharedSegment segment = openSegment(path)) {
            long word = segment.memory().address() + offset;
            System.out.println("WAITING");
            System.out.flush();
            int rc;
            do {
                rc = Libc.futexWait(word, 0, -1);
            } while (rc == Errno.EINTR);
            System.out.println("RESULT " + rc);
        }
    }

    private static void awaitOn(Path path, long offset) throws Exception {
        try (SharedSegment segment = openSegment(path)) {
            Thread waiter = Thread.ofVirtual().start(() -> {
                System.out.println("WAITING");
                System.out.flush();
                try {
                    while ((int) INT.getVolatile(segment.memory(), offset) == 0) {
                        Futex.await(segment.memory().address() + offset, 0, Long.MAX_VALUE);
                    }
                    System.out.println("RELEASED " + (int) INT.getVolatile(segment.memory(), offset));
                } catch (InterruptedException e) {
                    System.out.println("INTERRUPTED");
                }
            });
            waiter.join();
        }
    }

    private static void wake(Path path, long offset) throws Exception {
        try (SharedSegment segment = openSegment(path)) {
            long word = segment.memory().address() + offset;
            int woken;
            while ((woken = Libc.futexWake(word, 1)) == 0) {
                Thread.sleep(1);
            }
            System.out.println("WOKE " + woken);
        }
    }
}
