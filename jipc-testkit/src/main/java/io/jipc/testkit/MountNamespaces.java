package io.jipc.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Tests that give a child process a file system of its own (a small tmpfs over a directory, to fill
 * it) run the child in a private mount namespace ({@code unshare --mount --propagation private}),
 * which goes with the child: the test's own files and the machine are untouched. That needs root.
 */
public final class MountNamespaces {
    private MountNamespaces() {
    }

    /**
     * Aborts the calling test (JUnit's {@code abort}) where this process cannot make a private mount
     * namespace (not root, or no {@code unshare}); returns otherwise. Waits at most 30 s for the probe.
     */
    public static void require() {
        try {
            Process probe = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "true")
                    .redirectErrorStream(true).start();
            String refused = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                probe.destroyForcibly();
                abort("cannot make a mount namespace here (not root?): " + refused);
            }
        } catch (IOException e) {
            abort("cannot make a mount namespace here (no unshare?): " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while probing for mount namespaces", e));
        }
    }
}
