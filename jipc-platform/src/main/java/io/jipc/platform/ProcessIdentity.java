package io.jipc.platform;

import io.jipc.ErrnoException;
import io.jipc.JipcException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The identity of a process that survives pid reuse: its pid and its start time.
 *
 * <h2>Design</h2>
 * A pid alone names a process only while it lives; the kernel hands the number to a new process
 * afterwards. The start time ({@code starttime}, field 22 of {@code /proc/<pid>/stat}, in clock
 * ticks since boot) never changes for a process and differs for the next process that reuses the
 * pid: pids are handed out in turn, so the same pid comes back within one tick only when a privileged
 * process picks it on purpose ({@code ns_last_pid}, {@code clone3}'s {@code set_tid}), and then the
 * two processes may share a start time. So a process is identified
 * by {@code (pid, startTime)} and is <em>alive</em> when {@code /proc/<pid>/stat} exists, shows the
 * same start time, and its state is not zombie ({@code Z}) or dead ({@code X}). A stopped process
 * ({@code T}, e.g. after {@code SIGSTOP}) is alive: it may resume.
 *
 * <p>Shared files store the identity as one 64-bit {@link #token()} (pid in the high 32 bits, the
 * low 32 bits of the start time in the low 32 bits), so that ownership can be taken with one
 * compare-and-set.
 *
 * <h2>When {@code /proc} cannot be read</h2>
 * Only the process being gone makes it dead: {@code ENOENT} from opening {@code /proc/<pid>/stat}
 * ({@code ESRCH} too), or {@code ESRCH} while reading it. Any other error is a failure of the
 * reader, not news about the process: this process is out of descriptors ({@code EMFILE}), the
 * system is ({@code ENFILE}), or memory is short ({@code ENOMEM}). Then:
 * <ul>
 * <li>{@link #isAlive()} and {@link #isAlive(long)} answer <em>alive</em>: unknown is not dead.
 *     Every caller takes "dead" as leave to destroy (take a lease or lock over, reclaim a name,
 *     unlink a file); "alive" only makes it wait or refuse until a later check can read
 *     {@code /proc}. Throwing instead was rejected: about 80 callers, many in wait loops and
 *     background threads (futex waits, listeners, sweepers), would each have to tell the
 *     exception from death, and one that did not would again destroy or stop;</li>
 * <li>{@link #of(long)} and {@link #openPidfd()}, which must return a start time or a checked
 *     descriptor, throw the {@link ErrnoException} (for example
 *     {@code EMFILE (Too many open files) from open of /proc/123/stat});</li>
 * <li>{@link #isStopped} answers false and {@link #describe} says the liveness is unknown and why.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * Liveness is judged from this process's {@code /proc}: processes that share jipc objects must be
 * in the same pid namespace (containers sharing {@code /dev/shm} must also share the pid
 * namespace), and {@code /proc} must not hide other processes of the same user
 * ({@code hidepid}). A liveness check reads one small file (about 10 µs); jipc does it only on slow
 * paths (taking over a lease, resolving a stalled record).
 *
 * @param pid       the process id
 * @param startTime clock ticks since boot at which the process started
 */
public record ProcessIdentity(long pid, long startTime) {

    /**
     * This process, once read; null until the first read that succeeded. Read at the first need, not
     * in the class initialiser: a read that fails for a shortage of the moment ({@code EMFILE}) made the
     * class unusable for the life of the JVM ({@code NoClassDefFoundError} from every later use, until
     * 2026-12-07). Racing first readers read the same values.
     */
    private static volatile ProcessIdentity current;

    /**
     * This process. Any thread; the first call (and every call after one that failed) reads
     * {@code /proc/<pid>/stat}, later calls return the identity read then.
     *
     * @throws JipcException ({@link ErrnoException} with the native layer) if the file cannot be read,
     *                       such as {@code EMFILE (Too many open files) from open of /proc/123/stat} in a
     *                       process out of descriptors: a failure of the moment, the next call reads again
     */
    public static ProcessIdentity current() {
        ProcessIdentity self = current;
        if (self == null) {
            self = of(ProcessHandle.current().pid())
                    .orElseThrow(() -> new IllegalStateException("cannot read /proc/self/stat"));
            current = self;
        }
        return self;
    }

    /**
     * The identity of the live process {@code pid}, or empty if there is none (zombies included).
     *
     * @throws JipcException ({@link ErrnoException} with the native layer) if {@code /proc/<pid>/stat}
     *                       cannot be read for another reason than the process being gone, such as
     *                       {@code EMFILE}: see the class comment
     */
    public static Optional<ProcessIdentity> of(long pid) {
        Stat stat = stat(pid);
        return stat == null || stat.dead() ? Optional.empty() : Optional.of(new ProcessIdentity(pid, stat.startTime));
    }

    /** The 64-bit token stored in shared files; never 0 for a real process. */
    public long token() {
        return tokenOf(pid, startTime);
    }

    /** Whether this process still runs; true when that cannot be told (see the class comment). */
    public boolean isAlive() {
        return isAlive(token());
    }

    /**
     * A pidfd ({@link Processes#pidfdOpen}) that refers to this very process: it polls readable
     * ({@link Readiness#POLLIN}) once the process has exited, with no signal and no parent-child
     * relation needed. Empty if the process no longer runs (its pid is gone, a zombie, or another
     * process's) or the kernel has no pidfds (before Linux 5.3). The start time is checked
     * <em>after</em> opening, so the descriptor cannot refer to a later process that reused the pid.
     * The caller closes it with {@link Libc#close}.
     *
     * @throws ErrnoException if the pidfd cannot be opened ({@code EMFILE}, say), or the start time
     *                        cannot be read afterwards (the pidfd is then closed): see the class comment
     */
    public OptionalInt openPidfd() {
        int fd;
        try {
            fd = Processes.pidfdOpen((int) pid);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) {
                return OptionalInt.empty();
            }
            throw e;
        }
        if (fd < 0) {
            return OptionalInt.empty();
        }
        boolean same;
        try {
            Stat stat = stat(pid); // strict: a descriptor that may be a later process's is not returned
            same = stat != null && !stat.dead() && tokenOf(pid, stat.startTime) == token();
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        if (!same) {
            Libc.close(fd);
            return OptionalInt.empty();
        }
        return OptionalInt.of(fd);
    }

    /** The pid stored in a {@link #token()}. */
    public static long pidOf(long token) {
        return token >>> 32;
    }

    /**
     * Whether the process a token names still runs. Token 0 (no owner) is not alive; the current
     * process is alive without reading {@code /proc}. True when {@code /proc/<pid>/stat} cannot be
     * read for another reason than the process being gone ({@code EMFILE}, say): unknown is not dead
     * (see the class comment).
     */
    public static boolean isAlive(long token) {
        if (token == 0) {
            return false;
        }
        ProcessIdentity self = current;
        if (self != null && token == self.token()) {
            return true; // else read below: this process's own file says alive
        }
        Stat stat;
        try {
            stat = stat(pidOf(token));
        } catch (JipcException unknown) {
            return true;
        }
        return stat != null && !stat.dead() && tokenOf(pidOf(token), stat.startTime) == token;
    }

    /**
     * Whether the process {@code pid} is stopped ({@code SIGSTOP}, {@code SIGTSTP}, or stopped by a
     * debugger: state {@code T} or {@code t} in {@code /proc/PID/stat}). A stopped process is alive
     * (its locks, leases and roles stay its own) but does nothing until it continues; tools show it
     * so that a stall can be told from a busy peer. False if there is no such process, or if that
     * cannot be told ({@code /proc} unreadable: see the class comment).
     */
    public static boolean isStopped(long pid) {
        Stat stat;
        try {
            stat = stat(pid);
        } catch (JipcException unknown) {
            return false;
        }
        return stat != null && stat.stopped();
    }

    /**
     * Describes a token for messages: {@code "pid 1234 (alive)"}, {@code "pid 1234 (dead)"}, or
     * {@code "pid 1234 (alive, stopped)"} for a live process that is {@linkplain #isStopped stopped}
     * (so that a wait behind it can be told from a wait behind a busy process), or
     * {@code "pid 1234 (liveness unknown: EMFILE (Too many open files) from open of /proc/1234/stat)"}.
     */
    public static String describe(long token) {
        if (token == 0) {
            return "nobody";
        }
        Stat stat;
        try {
            stat = stat(pidOf(token));
        } catch (JipcException unknown) {
            return "pid " + pidOf(token) + " (liveness unknown: " + unknown.getMessage() + ")";
        }
        if (stat == null || stat.dead() || tokenOf(pidOf(token), stat.startTime) != token) {
            return "pid " + pidOf(token) + " (dead)";
        }
        return "pid " + pidOf(token) + (stat.stopped() ? " (alive, stopped)" : " (alive)");
    }

    static long tokenOf(long pid, long startTime) {
        return (pid << 32) | (startTime & 0xFFFF_FFFFL);
    }

    private record Stat(char state, long startTime) {
        boolean dead() {
            return state == 'Z' || state == 'X' || state == 'x';
        }

        boolean stopped() {
            return state == 'T' || state == 't';
        }
    }

    /** More than any {@code /proc/<pid>/stat} holds (52 numbers and a 16-byte name). */
    private static final int STAT_BYTES = 4096;

    /**
     * The state and start time of {@code pid}, or null if there is no such process.
     *
     * @throws JipcException if the file cannot be read for another reason than the process being gone
     */
    private static Stat stat(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return null;
        }
        String path = "/proc/" + pid + "/stat";
        String text = Libc.isAvailable() ? readNative(path) : readJava(path);
        if (text == null) {
            return null;
        }
        // "pid (comm) S ppid ..." where comm may contain spaces and ')': fields after the last ')'
        int close = text.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        String[] fields = text.substring(close + 2).trim().split(" ");
        if (fields.length < 20) {
            return null;
        }
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19]
        return new Stat(fields[0].charAt(0), Long.parseLong(fields[19]));
    }

    /** The file's text, or null if the process is gone; through {@code open(2)} so that the errno is known. */
    private static String readNative(String path) {
        int fd;
        try {
            fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ESRCH) {
                return null;
            }
            throw e;
        }
        try {
            return new String(Libc.readUpTo(fd, STAT_BYTES, path), StandardCharsets.US_ASCII);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) { // it went away between open and read
                return null;
            }
            throw e;
        } finally {
            Libc.close(fd);
        }
    }

    /** As {@link #readNative} without the native layer, where only a missing file is known for gone. */
    private static String readJava(String path) {
        try {
            return new String(Files.readAllBytes(Path.of(path)), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).endsWith("No such process")) { // ESRCH while reading
                return null;
            }
            throw new JipcException("cannot read " + path + ": " + e, e);
        }
    }
}
