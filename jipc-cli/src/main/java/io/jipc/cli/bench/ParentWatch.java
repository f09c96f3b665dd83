package io.jipc.cli.bench;

import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.platform.Readiness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;

/**
 * How the child JVM of a benchmark ends with the process that started it, whatever ends that
 * process ({@code SIGKILL} included, which no shutdown hook sees).
 *
 * <p>{@link PeerProcess} puts the starting process's {@linkplain ProcessIdentity identity} (pid and
 * start time) on the child's command line, as the system property {@value #PROPERTY}
 * ({@code PID:STARTTIME}). The child calls {@link #start} first thing in {@code main}: it watches
 * that very process, not its parent of the moment. Asking {@link ProcessHandle#parent()} in
 * {@code main} is not the same: a parent killed while the child JVM was still starting has already
 * made the kernel hand the child to {@code init} (or a subreaper), which the child would then watch
 * for ever. The start time makes a reused pid harmless: a later process with the same pid is not
 * the parent. {@code prctl(PR_SET_PDEATHSIG)} is no substitute either: it fires when the
 * <em>thread</em> that forked exits, in a JVM any thread.
 *
 * <p>The watch is a {@code pidfd} of the parent, polled by a daemon thread in the kernel (no
 * polling of {@code /proc}, no CPU while the parent runs); when it becomes readable the child runs
 * the given last action and {@linkplain Runtime#halt halts}. If the parent is already gone when
 * {@link #start} is called, the child halts at once. On a kernel without {@code pidfd}s (before
 * Linux 5.3) the child falls back to {@link ProcessHandle#onExit()} of the parent's pid (the JDK
 * polls it, seconds after the exit). A child started by hand, without the property, watches its
 * parent of the moment as before.
 */
public final class ParentWatch {
    /** The system property that names the process to watch: {@code PID:STARTTIME}. */
    public static final String PROPERTY = "jipc.bench.parent";

    private ParentWatch() {
    }

    /** The value of {@link #PROPERTY} that names this process. */
    static String thisProcess() {
        ProcessIdentity self = ProcessIdentity.current();
        return self.pid() + ":" + self.startTime();
    }

    /** {@link #start(int, Runnable)} with no last action. */
    public static void start(int status) {
        start(status, () -> {
        });
    }

    /**
     * Watches the process named by {@link #PROPERTY} (else this process's current parent) and, once
     * it has exited, runs {@code last} then halts with {@code status}; halts at once, in this call,
     * if it has already exited. Called by a benchmark's child in {@code main}, before anything that
     * may block. Returns at once otherwise; the watch is a daemon thread.
     *
     * @throws IllegalArgumentException if the property is set but is not {@code PID:STARTTIME}
     */
    public static void start(int status, Runnable last) {
        String value = System.getProperty(PROPERTY);
        if (value == null) { // started by hand: its parent of the moment
            ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> halt(status, last)));
            return;
        }
        ProcessIdentity parent = parse(value);
        OptionalInt pidfd = parent.openPidfd();
        if (pidfd.isEmpty()) {
            if (!parent.isAlive()) {
                halt(status, last); // it died while this JVM started
            }
            // a kernel without pidfds: the JDK's watch of the pid (the identity was alive just now)
            ProcessHandle.of(parent.pid()).ifPresentOrElse(p -> p.onExit().thenRun(() -> halt(status, last)),
                    () -> halt(status, last));
            return;
        }
        int fd = pidfd.getAsInt();
        Thread.ofPlatform().daemon().name("jipc-bench-parent-watch").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment set = Readiness.pollSet(arena, 1);
                Readiness.set(set, 0, fd, Readiness.POLLIN);
                while (Readiness.poll(set, -1, "pidfd of the benchmark's parent " + parent.pid()) == 0) {
                    // interrupted by a signal: wait on
                }
            } catch (RuntimeException e) {
                System.err.println("jipc bench peer: cannot watch its parent (" + e.getMessage() + "): halting");
            } finally {
                Libc.close(fd);
                halt(status, last);
            }
        });
    }

    /** The identity {@code PID:STARTTIME} names. */
    static ProcessIdentity parse(String value) {
        int colon = value.indexOf(':');
        try {
            if (colon > 0) {
                return new ProcessIdentity(Long.parseLong(value.substring(0, colon)),
                        Long.parseLong(value.substring(colon + 1)));
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(PROPERTY + " must be PID:STARTTIME: '" + value + "'");
    }

    private static void halt(int status, Runnable last) {
        try {
            last.run();
        } finally {
            Runtime.getRuntime().halt(status);
        }
    }
}
