package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Children started with pipes on their standard streams, and pipelines of them. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ChildProcessTest {

    @Test
    void bytesGoThroughCatAndComeBack() throws Exception {
        try (ChildProcess cat = Command.of("cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
            byte[] data = new byte[1 << 20]; // larger than the pipes: the writer must wait for cat
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return cat.stdout().readAllBytes();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            cat.stdin().write(data);
            cat.stdin().close();
            assertTrue(java.util.Arrays.equals(data, back.get(1, TimeUnit.MINUTES)));
            assertEquals(ExitStatus.exited(0), cat.waitFor());
        }
    }

    @Test
    void exitCodesAndSignalsAreReported() throws Exception {
        try (ChildProcess three = Command.of("sh", "-c", "exit 3").start()) {
            ExitStatus status = three.waitFor();
            assertEquals(ExitStatus.exited(3), status);
            assertEquals(3, status.shellCode());
        }
        try (ChildProcess sleeper = Command.of("sleep", "600").start()) {
            assertEquals(Optional.empty(), sleeper.waitFor(Duration.ofMillis(100)));
            assertTrue(sleeper.isAlive());
            sleeper.terminate();
            ExitStatus status = sleeper.waitFor();
            assertEquals(ExitStatus.killed(15), status);
            assertEquals(143, status.shellCode());
        }
    }

    @Test
    void virtualThreadsWaitForChildrenAndReadTheirOutput() throws Exception {
        int count = 20;
        CompletableFuture<?>[] done = new CompletableFuture<?>[count];
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                int code = i % 5;
                done[i] = CompletableFuture.runAsync(() -> {
                    try (ChildProcess child = Command.of("sh", "-c", "sleep 0.2; echo out; exit " + code)
                            .stdout(Redirect.PIPE).start()) {
                        assertEquals("out\n", new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8));
                        assertEquals(ExitStatus.exited(code), child.waitFor());
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, executor);
            }
            CompletableFuture.allOf(done).get(2, TimeUnit.MINUTES);
        }
    }

    /**
     * A virtual thread in {@code waitFor} parks on the process's one poller ({@code FdPoller}, which
     * pipe ends, sockets and queues share; the pidfd is owned by an {@link FdHandle}, whose close
     * cancels its registration), not on a poller of its own re-registering every 50 ms, and a kill
     * ends the wait with the signal.
     */
    @Test
    void aVirtualThreadWaitingForAChildParksOnTheSharedPoller() throws Exception {
        try (ChildProcess sleeper = Command.of("sleep", "600").start()) {
            CompletableFuture<ExitStatus> status = new CompletableFuture<>();
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    status.complete(sleeper.waitFor());
                } catch (Throwable t) {
                    status.completeExceptionally(t);
                }
            });
            long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // a hang guard, not a measurement
            while (!parkedIn(waiter, "io.jipc.platform.FdPoller")) {
                assertTrue(System.nanoTime() - guard < 0, "the waiter never parked on the shared FdPoller: "
                        + java.util.Arrays.toString(waiter.getStackTrace()));
                Thread.sleep(10);
            }
            sleeper.kill();
            assertEquals(ExitStatus.killed(9), status.get(1, TimeUnit.MINUTES));
        }
    }

    private static boolean parkedIn(Thread thread, String className) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(className)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aMissingProgramIsAClearError() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Command.of("no-such-program-jipc").stdout(Redirect.PIPE).start());
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().contains("no-such-program-jipc"), e.getMessage());
    }

    /**
     * posix_spawnp fails with the same ENOENT when a redirect's file or the working directory is
     * missing as when the program is: the message names what is missing, not the program (until
     * 2026-12-05 "ENOENT ... from posix_spawnp of cat" for a missing input file).
     */
    @Test
    void aMissingWorkingDirectoryOrRedirectFileIsNamedInsteadOfTheProgram() throws Exception {
        Path dir = Files.createTempDirectory("jipc-pipes");
        try {
            Path missing = dir.resolve("missing");
            ErrnoException e = assertThrows(ErrnoException.class, () -> Command.of("true").directory(missing).start());
            assertEquals("ENOENT", e.errnoName());
            assertEquals("ENOENT (No such file or directory) from posix_spawnp of true, changing to working directory "
                    + missing, e.getMessage());
            e = assertThrows(ErrnoException.class, () -> Command.of("cat").stdin(Redirect.from(missing)).start());
            assertEquals("ENOENT (No such file or directory) from open of " + missing + " (stdin of cat)",
                    e.getMessage());
            Path output = missing.resolve("out.txt");
            e = assertThrows(ErrnoException.class, () -> Command.of("true").stdout(Redirect.DISCARD)
                    .stderr(Redirect.appendTo(output)).start());
            assertEquals("ENOENT (No such file or directory) from open of " + output + " (stderr of true)",
                    e.getMessage());
            e = assertThrows(ErrnoException.class, () -> Command.of("true").stdout(Redirect.to(dir)).start());
            assertEquals("EISDIR (Is a directory) from open of " + dir + " (stdout of true)", e.getMessage());
            // files and directory fine: the program is still named
            e = assertThrows(ErrnoException.class, () -> Command.of("no-such-program-jipc").directory(dir)
                    .stdin(Redirect.DISCARD).stdout(Redirect.to(dir.resolve("out.txt"))).start());
            assertEquals("ENOENT (No such file or directory) from posix_spawnp of no-such-program-jipc", e.getMessage());
        } finally {
            Files.deleteIfExists(dir.resolve("out.txt"));
            Files.delete(dir);
        }
    }

    @Test
    void stderrCanBeMergedIntoStdoutAndFilesAndEnvironmentWork() throws Exception {
        Path dir = Files.createTempDirectory("jipc-pipes");
        Path input = Files.writeString(dir.resolve("in.txt"), "from a file\n");
        Command command = Command.of("sh", "-c", "cat; echo \"$GREETING\" >&2; pwd")
                .stdin(Redirect.from(input)).stdout(Redirect.PIPE).stderr(Redirect.TO_STDOUT).directory(dir);
        command.environment().put("GREETING", "hello from the environment");
        try (ChildProcess child = command.start()) {
            String out = new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("from a file\nhello from the environment\n" + dir.toRealPath() + "\n", out);
            assertEquals(ExitStatus.exited(0), child.waitFor());
        } finally {
            Files.delete(input);
            Files.delete(dir);
        }
    }

    @Test
    void theChildGetsNoDescriptorsButItsOwn() throws Exception {
        try (Pipe unrelated = Pipe.open();
             ChildProcess child = Command.of("sh", "-c", "ls /proc/self/fd").stdout(Redirect.PIPE).start()) {
            String out = new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8).trim();
            // 0, 1, 2 and the descriptor ls opened to list the directory
            assertEquals(List.of("0", "1", "2", "3"), List.of(out.split("\\s+")), out);
            child.waitFor();
        }
        // a passed descriptor above a gap: the gap stays closed
        try (Pipe unrelated = Pipe.open();
             ChildProcess child = Command.of("sh", "-c", "ls /proc/self/fd").stdout(Redirect.PIPE)
                     .passFd(6, Redirect.PIPE, true).start()) {
            String out = new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(List.of("0", "1", "2", "3", "6"), List.of(out.split("\\s+")), out);
            child.waitFor();
        }
    }

    @Test
    void closingAChildThatStillRunsKillsAndReapsIt() throws Exception {
        ChildProcess sleeper = Command.of("sleep", "600").stdin(Redirect.PIPE).start();
        long pid = sleeper.pid();
        sleeper.close();
        assertEquals(Optional.of(ExitStatus.killed(9)), sleeper.exitStatus());
        assertTrue(ProcessHandle.of(pid).isEmpty(), "reaped, no zombie left");
    }

    @Test
    void aThreeStagePipelineRunsLikeTheShells() throws Exception {
        // yes | head -n 1000 | wc -l : yes ends by SIGPIPE once head has exited
        try (Pipeline pipeline = Pipeline.start(Command.of("yes", "jipc"), Command.of("head", "-n", "1000"),
                Command.of("wc", "-l").stdout(Redirect.PIPE))) {
            String out = new String(pipeline.stdout().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals("1000", out);
            List<ExitStatus> statuses = pipeline.waitFor();
            assertEquals(List.of(ExitStatus.killed(13), ExitStatus.exited(0), ExitStatus.exited(0)), statuses);
        }
    }

    @Test
    void aPipelineFedByTheParentWithAJavaStage() throws Exception {
        try (Pipeline pipeline = Pipeline.start(Command.of("tr", "a-z", "A-Z").stdin(Redirect.PIPE),
                Command.java(UpperCaseCounter.class), Command.of("cat").stdout(Redirect.PIPE))) {
            pipeline.stdin().write("one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8));
            pipeline.stdin().close();
            String out = new String(pipeline.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("1 ONE\n2 TWO\n3 THREE\n", out);
            assertEquals(List.of(ExitStatus.exited(0), ExitStatus.exited(0), ExitStatus.exited(0)), pipeline.waitFor());
        }
    }

    public static final class UpperCaseCounter {
        public static void main(String[] args) throws Exception {
            io.jipc.testkit.ChildMain.dieWithParent();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                    StandardCharsets.UTF_8));
            int n = 0;
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(++n + " " + line);
            }
        }
    }

    @Test
    void aStageThatCannotStartStopsThePipelineAndKillsTheStartedStages() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> Pipeline.start(Command.of("sleep", "600"),
                Command.of("no-such-program-jipc")));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(ProcessHandle.current().children()
                .noneMatch(p -> p.info().command().orElse("").endsWith("/sleep")), "the started stage was killed");
    }

    @Test
    void innerStagesMayNotRedirectTheConnectedStreams() {
        assertThrows(IllegalArgumentException.class,
                () -> Pipeline.start(Command.of("yes").stdout(Redirect.DISCARD), Command.of("cat")));
        assertThrows(IllegalArgumentException.class, () -> Pipeline.start(Command.of("yes")));
    }
}
