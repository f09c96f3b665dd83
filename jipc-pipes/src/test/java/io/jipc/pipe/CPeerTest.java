package io.jipc.pipe;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The frame format is implementable outside Java: a C program (compiled with gcc at test time)
 * answers each message of a {@link PipeChannel} through its standard input and output.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CPeerTest {

    @Test
    void aCProgramSpeaksTheFrameFormat() throws Exception {
        Path dir = Files.createTempDirectory("jipc-c-peer");
        try {
            Path program = compile(dir);
            try (ChildProcess peer = Command.of(program.toString()).stdin(Redirect.PIPE).stdout(Redirect.PIPE)
                    .start(); PipeChannel channel = PipeChannel.over(peer.stdout(), peer.stdin(), 1 << 20)) {
                for (String message : new String[] {"hello", "", "frames from java", "x".repeat(100_000)}) {
                    channel.put(message.getBytes(StandardCharsets.UTF_8));
                    assertArrayEquals(message.toUpperCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8), channel.take());
                }
                peer.stdin().close();
                assertThrows(EndOfStreamException.class, channel::take);
                assertEquals(ExitStatus.exited(0), peer.waitFor());
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static Path compile(Path dir) throws IOException, InterruptedException {
        Path gcc = Path.of("/usr/bin/gcc");
        Assumptions.assumeTrue(Files.isExecutable(gcc), "gcc is not installed: the C peer cannot be built");
        Path source = dir.resolve("frame_upper.c");
        try (InputStream in = CPeerTest.class.getResourceAsStream("frame_upper.c")) {
            Files.copy(in, source);
        }
        Path program = dir.resolve("frame_upper");
        try (ChildProcess cc = Command.of(gcc.toString(), "-O2", "-Wall", "-Werror", "-o", program.toString(),
                source.toString()).stderr(Redirect.PIPE).start()) {
            String errors = new String(cc.stderr().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(ExitStatus.exited(0), cc.waitFor(), errors);
        }
        return program;
    }
}
