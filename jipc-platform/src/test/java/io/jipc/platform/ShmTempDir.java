package io.jipc.platform;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts a JUnit {@code @TempDir} on {@code /dev/shm} (tmpfs, like the jipc root), so that mappings,
 * futex words and {@code fallocate} behave there as they do for jipc. JUnit deletes it afterwards
 * (links are removed, never followed).
 */
final class ShmTempDir implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
        return Files.createTempDirectory(Path.of("/dev/shm"), "jipc-platform-test-");
    }
}
