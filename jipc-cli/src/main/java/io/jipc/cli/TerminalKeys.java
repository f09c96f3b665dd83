package io.jipc.cli;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The controlling terminal in non-canonical, no-echo mode, so that single key presses can be read
 * without Enter. Switched with {@code stty} on {@code /dev/tty}; the previous settings come back on
 * {@link #close()} and, should the JVM end otherwise (Ctrl-C), from a shutdown hook.
 */
final class TerminalKeys implements AutoCloseable {
    private final String saved;
    private final InputStream tty;
    private final Thread restoreHook;

    private TerminalKeys(String saved, InputStream tty) {
        this.saved = saved;
        this.tty = tty;
        this.restoreHook = new Thread(this::restore, "jipc-restore-terminal");
        Runtime.getRuntime().addShutdownHook(restoreHook);
    }

    /** Raw keys from the terminal, or null when there is none (output redirected, no /dev/tty). */
    static TerminalKeys open() {
        if (System.console() == null || !System.console().isTerminal()) {
            return null;
        }
        try {
            String saved = stty("-g").trim();
            stty("-icanon", "-echo", "min", "0", "time", "0");
            return new TerminalKeys(saved, new FileInputStream("/dev/tty"));
        } catch (IOException | InterruptedException | RuntimeException e) {
            return null;
        }
    }

    /** The keys pressed since the last call, without waiting. */
    String pressed() throws IOException {
        int n = tty.available();
        return n <= 0 ? "" : new String(tty.readNBytes(n));
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        try {
            tty.close();
        } catch (IOException ignored) {
            // nothing to restore there
        }
    }

    private void restore() {
        try {
            stty(saved);
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("jipc: could not restore the terminal; run: stty sane");
        }
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "stty";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectInput(new java.io.File("/dev/tty"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("stty " + String.join(" ", args) + " failed");
        }
        return out;
    }
}
