package io.jipc.signals;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The 31 standard signals of Linux (x86-64 and aarch64 numbering), each with the action the kernel
 * takes when a process has no handler for it, and whether a JVM may handle it through jipc.
 *
 * <p>Real-time signals ({@code SIGRTMIN..SIGRTMAX}, 34..64 with glibc) have no constant here: they
 * can be sent by number ({@link ProcessSignals#send(long, int)}) to non-Java peers, but a JVM
 * cannot receive them through its supported dispatch (it knows only the standard names).
 *
 * <h2>Signals a JVM keeps for itself (HotSpot, JDK 25, Linux)</h2>
 * {@link #handleableInJvm()} is false, with {@link #reservedBecause()} saying why, for:
 * <ul>
 * <li>{@code SIGSEGV}, {@code SIGBUS}, {@code SIGFPE}, {@code SIGILL}: the virtual machine turns
 *     these faults into null-pointer checks, safepoint polls, stack-overflow checks and
 *     {@code InternalError}s on mapped files; a genuine one crashes the JVM with an error report;</li>
 * <li>{@code SIGQUIT}: prints a thread dump (the JVM refuses Java handlers for it, even with
 *     {@code -Xrs}, which only stops the dumps);</li>
 * <li>{@code SIGUSR2}: the JVM's suspend/resume signal (thread sampling, e.g. JFR);</li>
 * <li>{@code SIGPIPE}, {@code SIGXFSZ}: the JVM catches them so that writes fail with
 *     {@code EPIPE}/{@code EFBIG} (an {@code IOException}) instead of killing the process;</li>
 * <li>{@code SIGABRT}: the JVM's own crash path calls {@code abort()};
 *     {@code SIGTRAP}: debuggers and, on some platforms, the JVM's traps;</li>
 * <li>{@code SIGKILL}, {@code SIGSTOP}: no process can catch them.</li>
 * </ul>
 * {@code SIGHUP}, {@code SIGINT} and {@code SIGTERM} may be handled, but by default the JVM runs
 * its shutdown hooks on them and exits with status 128 + the signal number; a doorbell on one of
 * them replaces that behaviour while it is open (see {@link SignalDoorbell}).
 */
public enum Signal {
    SIGHUP(1, DefaultAction.TERMINATE, "hangup: the controlling terminal went away", null),
    SIGINT(2, DefaultAction.TERMINATE, "interrupt from the keyboard (Ctrl-C)", null),
    SIGQUIT(3, DefaultAction.CORE_DUMP, "quit from the keyboard (Ctrl-\\)", "the JVM prints a thread dump on it"),
    SIGILL(4, DefaultAction.CORE_DUMP, "illegal instruction", "the JVM uses it for its own traps"),
    SIGTRAP(5, DefaultAction.CORE_DUMP, "trace or breakpoint trap", "debuggers and JVM traps use it"),
    SIGABRT(6, DefaultAction.CORE_DUMP, "abort(3)", "the JVM's crash path raises it"),
    SIGBUS(7, DefaultAction.CORE_DUMP, "bus error: access beyond a mapped file",
            "the JVM turns it into an error on mapped-file access"),
    SIGFPE(8, DefaultAction.CORE_DUMP, "arithmetic error", "the JVM turns it into ArithmeticException"),
    SIGKILL(9, DefaultAction.TERMINATE, "kill (cannot be caught or ignored)", "no process can catch it"),
    SIGUSR1(10, DefaultAction.TERMINATE, "user-defined signal 1", null),
    SIGSEGV(11, DefaultAction.CORE_DUMP, "invalid memory reference",
            "the JVM uses it for null checks, safepoints and stack banging"),
    SIGUSR2(12, DefaultAction.TERMINATE, "user-defined signal 2", "the JVM's thread suspend/resume signal"),
    SIGPIPE(13, DefaultAction.TERMINATE, "write to a pipe or socket nobody reads",
            "the JVM catches it so that such writes fail with an IOException"),
    SIGALRM(14, DefaultAction.TERMINATE, "timer signal from alarm(2)", null),
    SIGTERM(15, DefaultAction.TERMINATE, "termination request", null),
    SIGSTKFLT(16, DefaultAction.TERMINATE, "stack fault on a coprocessor (unused)", null),
    SIGCHLD(17, DefaultAction.IGNORE, "a child stopped, continued or terminated", null),
    SIGCONT(18, DefaultAction.CONTINUE, "continue if stopped", null),
    SIGSTOP(19, DefaultAction.STOP, "stop (cannot be caught or ignored)", "no process can catch it"),
    SIGTSTP(20, DefaultAction.STOP, "stop typed at the terminal (Ctrl-Z)", null),
    SIGTTIN(21, DefaultAction.STOP, "terminal input for a background process", null),
    SIGTTOU(22, DefaultAction.STOP, "terminal output for a background process", null),
    SIGURG(23, DefaultAction.IGNORE, "urgent data on a socket", null),
    SIGXCPU(24, DefaultAction.CORE_DUMP, "CPU time limit exceeded", null),
    SIGXFSZ(25, DefaultAction.CORE_DUMP, "file size limit exceeded",
            "the JVM catches it so that such writes fail with an IOException"),
    SIGVTALRM(26, DefaultAction.TERMINATE, "virtual alarm clock", null),
    SIGPROF(27, DefaultAction.TERMINATE, "profiling timer expired (profilers use it)", null),
    SIGWINCH(28, DefaultAction.IGNORE, "terminal window size changed", null),
    SIGIO(29, DefaultAction.TERMINATE, "I/O now possible", null),
    SIGPWR(30, DefaultAction.TERMINATE, "power failure", null),
    SIGSYS(31, DefaultAction.CORE_DUMP, "bad system call", null);

    private final int number;
    private final DefaultAction defaultAction;
    private final String description;
    private final String reservedBecause;

    Signal(int number, DefaultAction defaultAction, String description, String reservedBecause) {
        this.number = number;
        this.defaultAction = defaultAction;
        this.description = description;
        this.reservedBecause = reservedBecause;
    }

    /** The signal number of Linux on x86-64 and aarch64. */
    public int number() {
        return number;
    }

    /** What the kernel does to a process that neither handles nor ignores this signal. */
    public DefaultAction defaultAction() {
        return defaultAction;
    }

    /** One line saying what the signal means. */
    public String description() {
        return description;
    }

    /** The name without the {@code SIG} prefix, as the JVM and {@code kill -l} spell it: {@code "USR1"}. */
    public String shortName() {
        return name().substring(3);
    }

    /** Whether a JVM may receive this signal through a {@link SignalDoorbell}. */
    public boolean handleableInJvm() {
        return reservedBecause == null;
    }

    /** Why a JVM may not handle this signal, or empty if it may. */
    public Optional<String> reservedBecause() {
        return Optional.ofNullable(reservedBecause);
    }

    /**
     * The signal with this number.
     *
     * @throws IllegalArgumentException if no standard signal has it (1..31)
     */
    public static Signal of(int number) {
        return of(number, Integer.toString(number));
    }

    /** The signal with this number, which the message of a refusal shows as {@code given}. */
    private static Signal of(int number, String given) {
        Signal[] all = values();
        if (number < 1 || number > all.length) {
            throw new IllegalArgumentException("no standard signal numbered " + given + " (1.." + all.length
                    + "; real-time signals are sent by number)");
        }
        return all[number - 1];
    }

    /**
     * The signal named {@code name}, with or without the {@code SIG} prefix, in any case, or a number
     * in ASCII digits: {@code "SIGUSR1"}, {@code "usr1"}, {@code "10"}. Surrounding white space is
     * ignored.
     *
     * @throws IllegalArgumentException if no standard signal has that name or number (the message
     *                                  names the input; for a number, also the range 1..31)
     */
    public static Signal parse(String name) {
        Objects.requireNonNull(name, "name");
        String upper = name.strip().toUpperCase(Locale.ROOT);
        if (!upper.isEmpty() && upper.chars().allMatch(c -> c >= '0' && c <= '9')) {
            String digits = upper.replaceFirst("^0+(?=.)", "");
            // a number too long for an int is out of range all the same: say so, showing it as given
            return of(digits.length() > 9 ? -1 : Integer.parseInt(digits), upper);
        }
        String full = upper.startsWith("SIG") ? upper : "SIG" + upper;
        if ("SIGPOLL".equals(full)) {
            return SIGIO;
        }
        try {
            return valueOf(full);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown signal '" + name + "'", e);
        }
    }
}
