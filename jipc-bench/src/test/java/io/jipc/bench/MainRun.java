package io.jipc.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One run of a benchmark main's {@code run(args, out)} in this JVM, its standard output (the
 * {@code out} given) and standard error captured. Swaps {@code System.err} for the run: tests that
 * use it run one at a time.
 *
 * @param exit the exit code
 * @param out  what it printed on {@code out}
 * @param err  what it printed on standard error
 */
public record MainRun(int exit, String out, String err) {
    /** A benchmark main: {@code run(String[] args, PrintStream out)}. */
    public interface Main {
        int run(String[] args, PrintStream out) throws Exception;
    }

    /** Runs {@code main} with {@code args}. */
    public static MainRun of(Main main, String... args) throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream err = System.err;
        try (PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8)) {
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = main.run(args, out);
            return new MainRun(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }
}
