package io.jipc.cli.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a benchmark of known length: on a terminal, one line redrawn in place with a bar;
 * otherwise (output to a file or a pipe) one plain line per step, with the seconds since the start.
 * Used by one thread.
 */
public final class BenchProgress {
    private static final int BAR = 24;

    private final PrintStream out;
    private final boolean bar;
    private final int total;
    private final long start = System.nanoTime();
    private int done;
    private int width;

    /**
     * @param out   where progress goes
     * @param bar   whether {@code out} is a terminal (see {@link #isTerminal()})
     * @param total the number of steps
     */
    public BenchProgress(PrintStream out, boolean bar, int total) {
        this.out = out;
        this.bar = bar;
        this.total = Math.max(1, total);
    }

    /** Whether this JVM's standard streams are a terminal. */
    public static boolean isTerminal() {
        return System.console() != null && System.console().isTerminal();
    }

    /** Starts the next step, described by {@code what}. */
    public void step(String what) {
        done = Math.min(done + 1, total);
        if (!bar) {
            out.printf(Locale.ROOT, "  [%d/%d %5.1f s] %s%n", done, total, (System.nanoTime() - start) / 1e9, what);
            return;
        }
        int filled = (done - 1) * BAR / total;
        String line = String.format(Locale.ROOT, "\r[%s%s] %d/%d %s", "#".repeat(filled), "-".repeat(BAR - filled),
                done, total, what);
        int pad = Math.max(0, width - line.length());
        width = line.length();
        out.print(line + " ".repeat(pad));
        out.flush();
    }

    /** Ends the progress display (clears the bar). */
    public void finish() {
        if (bar && width > 0) {
            out.print("\r" + " ".repeat(width) + "\r");
            out.flush();
        }
    }
}
