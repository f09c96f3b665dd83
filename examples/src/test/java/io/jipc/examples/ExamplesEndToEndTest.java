package io.jipc.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs {@code examples/run-all}: every example as its README shows it, as separate processes,
 * through the same {@code examples/run} script a reader uses (with this build's class path).
 */
class ExamplesEndToEndTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void everyExampleRunsAsItsReadmeShows() throws IOException, InterruptedException {
        Path examples = Path.of("").toAbsolutePath();
        Path log = Files.createTempFile("jipc-examples", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(examples.resolve("run-all").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("JIPC_CLASSPATH", System.getProperty("java.class.path"));
            builder.environment().remove("JIPC_ROOT");
            Process process = builder.start();
            if (!process.waitFor(9, TimeUnit.MINUTES)) { // a safety net: about 2 min on a quiet 2-core machine
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            process.waitFor();
            assertEquals(0, process.exitValue(), "examples/run-all failed:\n" + Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
