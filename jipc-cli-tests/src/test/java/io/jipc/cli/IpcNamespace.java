package io.jipc.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** For tests that run a child in an IPC namespace of its own ({@code unshare --ipc}, as root). */
final class IpcNamespace {
    /** The command that makes one. */
    static final String UNSHARE = "/usr/bin/unshare";

    private IpcNamespace() {
    }

    /** Why a child cannot run in an IPC namespace of its own, or empty if it can (a test aborts with the reason). */
    static Optional<String> cannotUnshare() throws Exception {
        if (!Files.isExecutable(Path.of(UNSHARE))) {
            return Optional.of(UNSHARE + " (util-linux) is missing");
        }
        Process probe = new ProcessBuilder(UNSHARE, "--ipc", "--", "/bin/true").redirectErrorStream(true).start();
        if (!probe.waitFor(60, TimeUnit.SECONDS)) {
            probe.destroyForcibly();
            return Optional.of("unshare --ipc did not end within 60 s");
        }
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return probe.exitValue() == 0 ? Optional.empty() : Optional.of("unshare --ipc failed with exit "
                + probe.exitValue() + " (it needs CAP_SYS_ADMIN): " + output.strip());
    }
}
