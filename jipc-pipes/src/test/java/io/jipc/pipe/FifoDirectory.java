package io.jipc.pipe;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixture of the FIFO tests: a temporary directory of their own for each test ({@link #dir}),
 * removed after it with the FIFOs in it; anything else left there fails the test. Also the wait for
 * the read opens' helper threads to end ({@link #awaitNoHelperThread}).
 */
abstract class FifoDirectory {
    private final String prefix;
    private final String permissions;
    protected Path dir;

    /** @param permissions the directory's mode, as {@code rwxr-xr-x} */
    FifoDirectory(String prefix, String permissions) {
        this.prefix = prefix;
        this.permissions = permissions;
    }

    @BeforeEach
    void makeDirectory() throws IOException {
        dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(permissions));
    }

    /** Removes the FIFOs of the test (and fails if anything else was left behind). */
    @AfterEach
    void removeFifos() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                assertTrue(Fifo.remove(p), "only FIFOs are left behind: " + p);
            }
        }
        Files.delete(dir);
    }

    /** Waits (at most a minute) until no {@code jipc-fifo-open-*} helper thread is alive. */
    static void awaitNoHelperThread() throws InterruptedException {
        long alive = 0;
        for (int i = 0; i < 600; i++) {
            alive = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("jipc-fifo-open-")).filter(Thread::isAlive).count();
            if (alive == 0) {
                return;
            }
            Thread.sleep(100);
        }
        assertEquals(0, alive, "helper threads left blocked in open");
    }
}
