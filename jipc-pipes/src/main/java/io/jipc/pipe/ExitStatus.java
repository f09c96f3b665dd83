package io.jipc.pipe;

/**
 * How a child process ended: it exited with a {@linkplain #code() code}, or a
 * {@linkplain #signal() signal} killed it.
 */
public record ExitStatus(int code, int signal) {
    public ExitStatus {
        boolean exited = signal == 0 && code >= 0 && code <= 255;
        boolean killed = signal > 0 && code == -1;
        if (!exited && !killed) {
            throw new IllegalArgumentException("exactly one of exit code and signal: " + code + ", " + signal);
        }
    }

    /** Exited with {@code code} (0..255). */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0);
    }

    /** Killed by {@code signal}. */
    public static ExitStatus killed(int signal) {
        return new ExitStatus(-1, signal);
    }

    /** Exit code 0. */
    public boolean success() {
        return code == 0;
    }

    public boolean killedBySignal() {
        return signal != 0;
    }

    /** The shell's {@code $?}: the exit code, or 128 + the signal number. */
    public int shellCode() {
        return signal != 0 ? 128 + signal : code;
    }

    @Override
    public String toString() {
        return signal != 0 ? "killed by signal " + signal : "exit " + code;
    }
}
