package io.jipc.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The scheduling state of a process as {@code /proc/PID/stat} shows it (its third field, after the
 * command name in parentheses: {@code R}, {@code S}, {@code T} for stopped, {@code Z} for zombie,
 * ...), for tests that stop a child ({@code SIGSTOP}) or wait for one to become a zombie. Read
 * here, independently of {@code ProcessIdentity}, so that tests of that class and of what tools show
 * do not check it against itself.
 *
 * <p>Any thread may call these. A signal takes effect soon, not at once: a test that has sent
 * {@code SIGSTOP} waits with {@link #awaitStopped} before it counts on the stop. The waits poll
 * every 5 ms and fail the test (an {@link AssertionError}) when their timeout passes; a process that
 * goes away while waited for is seen in state {@link #GONE}, so the wait for any other state runs
 * into its timeout.
 */
public final class ProcessStates {
    /** The state {@link #state} answers for a process that is gone (no {@code /proc/PID/stat} to read). */
    public static final char GONE = '-';

    private static final long POLL_MILLIS = 5;

    private ProcessStates() {
    }

    /**
     * The state letter of {@code /proc/PID/stat}, or {@link #GONE} if there is no such process (or it
     * went away while the file was read). The command name may hold spaces and {@code ')'}: the
     * letter is the one after the last {@code ')'}.
     */
    public static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return GONE;
        }
    }

    /** Whether the process is stopped now ({@code SIGSTOP}: state {@code T}); false if it is gone. */
    public static boolean isStopped(long pid) {
        return state(pid) == 'T';
    }

    /**
     * Waits until the process is in state {@code expected}, polling; blocks the calling thread.
     *
     * @throws AssertionError if {@code timeout} passes first (with the last state seen)
     */
    public static void awaitState(long pid, char expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        char state;
        while ((state = state(pid)) != expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("process " + pid + " not in state " + expected + " within " + timeout
                        + " (state " + state + ")");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Waits until the process is stopped ({@link #isStopped}), as it is soon after {@code SIGSTOP};
     * blocks the calling thread.
     *
     * @throws AssertionError if {@code timeout} passes first
     */
    public static void awaitStopped(long pid, Duration timeout) throws InterruptedException {
        awaitState(pid, 'T', timeout);
    }
}
