package io.jipc.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One {@code jipc} command run in this JVM ({@link Main#run}) with its standard input given and its
 * output captured. Swaps {@code System.in/out/err} for the run: tests that use it run one at a time.
 *
 * @param exit the exit code
 * @param out  what it printed on standard output
 * @param err  what it printed on standard error
 */
record CliRun(int exit, String out, String err) {

    /** Runs {@code jipc args...} with an empty standard input. */
    static CliRun jipc(String... args) {
        return jipcWithInput("", args);
    }

    /** Runs {@code jipc args...} reading {@code stdin}. */
    static CliRun jipcWithInput(String stdin, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        CliRun run = jipc(stdin.getBytes(StandardCharsets.UTF_8), o, args);
        return new CliRun(run.exit(), o.toString(StandardCharsets.UTF_8), run.err());
    }

    /**
     * Runs {@code jipc args...} reading the bytes {@code stdin} and writing its standard output to
     * {@code stdout}; the run's {@link #out()} is empty, what was written is {@code stdout}'s.
     */
    static CliRun jipc(byte[] stdin, OutputStream stdout, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        InputStream in = System.in;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin));
            int exit = Main.run(args);
            return new CliRun(exit, "", e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
            System.setIn(in);
        }
    }
}
