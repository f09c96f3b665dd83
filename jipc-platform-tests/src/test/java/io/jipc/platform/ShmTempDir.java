package io.jipc.platform;

import io.jipc.testkit.ShmScratch;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.nio.file.Path;

/**
 * Puts a JUnit {@code @TempDir} on {@code /dev/shm} (tmpfs, like the jipc root), so that mappings,
 * futex words and {@code fallocate} behave there as they do for jipc. JUnit deletes it afterwards
 * (links are removed, never followed). It is a {@link ShmScratch} directory (0700, named after this
 * JVM), so if the test JVM is stopped or killed first, its shutdown hook or the next test JVM
 * removes it.
 */
final class ShmTempDir implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
        return ShmScratch.createDirectory("jipc-platform-test");
    }
}
