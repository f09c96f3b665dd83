package io.jipc.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The CLI this build has just packaged (the examples module depends on jipc-cli), as the scripts
 * see it: {@code bin/jipc} and {@code examples/run} build jipc-cli first unless its marker
 * {@code jipc-cli/target/modules/.built} is newer than every source. Tests that drive the scripts
 * mark it fresh first, so that no script starts a Maven build of its own inside this one.
 */
final class BuiltCli {
    private BuiltCli() {
    }

    /** Marks {@code project}'s jipc-cli build as fresh (creates or touches the marker). */
    static void markFresh(Path project) throws IOException {
        Path modules = Files.createDirectories(project.resolve("jipc-cli/target/modules"));
        Path marker = modules.resolve(".built");
        if (!Files.exists(marker)) {
            Files.createFile(marker);
        }
        Files.setLastModifiedTime(marker, FileTime.fromMillis(System.currentTimeMillis()));
    }
}
