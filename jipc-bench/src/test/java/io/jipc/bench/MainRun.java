package io.jipc.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Asserts that {@code main} given {@code helpFlag} prints exactly {@code usage} and ends with exit code 0. */
    public static void assertHelpIsUsage(Main main, String usage, String helpFlag) throws Exception {
        MainRun help = of(main, helpFlag);
        assertEquals(0, help.exit(), help.err());
        assertEquals(usage + "\n", help.out());
    }

    /** Asserts that {@code main} given {@code args} is a usage error (exit code 2) that begins with {@code err}. */
    public static void assertUsageError(Main main, String err, String... args) throws Exception {
        MainRun bad = of(main, args);
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().startsWith(err), bad.err());
    }
}
