package io.jipc.examples;

import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.remote.RemoteMailbox;
import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.ShmScratch;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code bin/jipc} launcher as a user runs it: it finds a JDK 25 by itself (here JAVA_HOME is
 * removed and PATH holds no such java), runs the CLI on the module path, and the commands work.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LauncherTest {
    private static final Path PROJECT = Path.of("").toAbsolutePath().getParent();
    /**
     * The launcher's JVMs live a second or so: C1 alone compiles what they run, without C2's CPU
     * (as in {@link ExamplesEndToEndTest}). The launcher passes it on ({@code JIPC_JAVA_OPTS}).
     */
    private static final String C1_ONLY = "-XX:TieredStopAtLevel=1";
    private static Path root;

    @BeforeAll
    static void isolatedRoot() throws IOException {
        root = ShmScratch.createDirectory("jipc-launcher-test");
        BuiltCli.markFresh(PROJECT); // this build has just packaged jipc-cli: the launcher need not build again
    }

    @AfterAll
    static void removeRoot() throws IOException {
        ShmScratch.delete(root);
    }

    private static String jipc(int expectedExit, String... args) throws IOException, InterruptedException {
        return jipc(Map.of(), expectedExit, args);
    }

    /** Runs bin/jipc with {@code environment} added to (or replacing in) the usual one. */
    private static String jipc(Map<String, String> environment, int expectedExit, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(PROJECT.resolve("bin/jipc").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("JIPC_JAVA_HOME");
        builder.environment().put("JIPC_ROOT", root.toString());
        builder.environment().put("JIPC_JAVA_OPTS", C1_ONLY);
        builder.environment().remove("JIPC_AOT");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "jipc " + String.join(" ", args) + " hung");
        assertEquals(expectedExit, process.exitValue(), "jipc " + String.join(" ", args) + ":\n" + output);
        return output;
    }

    @Test
    void versionAndHelp() throws Exception {
        String version = jipc(0, "--version");
        assertTrue(version.startsWith("jipc "), version);
        assertTrue(version.contains("Java 25") || version.matches("(?s).*Java 2[5-9].*"), version);
        String help = jipc(0, "--help");
        assertTrue(help.contains("bench") && help.contains("mailbox"), help);
        assertTrue(help.contains("send") && help.contains("recv") && help.contains("mq"), help);
    }

    /**
     * The launcher starts the CLI from an ahead-of-time cache that it makes on first use and again
     * after a build (both: a cache missing or older than the jars), unless JIPC_AOT=off. The JVM's
     * AOT log (the user's JVM options come after the launcher's) says whether it opened the cache
     * and uses its linked classes.
     */
    @Test
    void theCliStartsFromAnAheadOfTimeCacheMadeOnFirstUseAndAfterABuild() throws Exception {
        Path cache = PROJECT.resolve("jipc-cli/target/jipc-cli.aot");
        String opened = "Opened AOT cache " + cache;
        String linked = "Using AOT-linked classes: true";
        Map<String, String> aotLog = Map.of("JIPC_JAVA_OPTS", C1_ONLY + " -Xlog:aot=info");
        String first = jipc(aotLog, 0, "--version"); // makes the cache if no test of this class did yet
        assertTrue(first.contains(opened) && first.contains(linked) && first.contains("jipc "), first);
        String off = jipc(Map.of("JIPC_AOT", "off", "JIPC_JAVA_OPTS", C1_ONLY + " -Xlog:aot=info"), 0, "--version");
        assertFalse(off.contains(opened), off);

        // a cache older than a jar of the CLI (a build since) is made again before it is used
        FileTime before = FileTime.fromMillis(System.currentTimeMillis() - TimeUnit.HOURS.toMillis(1));
        Files.setLastModifiedTime(cache, before);
        String afterBuild = jipc(aotLog, 0, "ls");
        assertTrue(afterBuild.contains(opened) && afterBuild.contains(linked), afterBuild);
        assertTrue(afterBuild.contains("jipc root: " + root), afterBuild);
        assertTrue(Files.getLastModifiedTime(cache).compareTo(before) > 0, "the stale cache was kept");
        try (Stream<Path> files = Files.list(cache.getParent())) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith("jipc-cli.aot.") && !name.endsWith(".jdk")
                            && !name.endsWith(".lock")).toList(), "the training left files behind");
        }
    }

    /**
     * A JIPC_JAVA_HOME that is no JDK 25 (an older JDK, a path that does not exist) is skipped with a
     * one-line warning that says why, and the launcher goes on to the next place of its search order
     * (bin/lib/jdk.sh); until 2026-12-06 it was skipped silently.
     */
    @Test
    void aJipcJavaHomeThatIsNoJdk25IsSkippedWithAWarning(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir.resolve("jdk-17"), "17.0.9");
        String skippedOld = jipc(Map.of("JIPC_JAVA_HOME", old.toString()), 0, "--version");
        assertEquals(List.of("jipc: warning: JIPC_JAVA_HOME=" + old + " skipped: it is Java 17, jipc needs 25 or "
                + "later; looking for another JDK"), skippedOld.lines().filter(l -> l.contains("JIPC_JAVA_HOME")).toList(),
                skippedOld);
        assertTrue(skippedOld.contains("jipc ") && skippedOld.matches("(?s).*Java 2[5-9].*"), skippedOld);
        Path missing = dir.resolve("no-such-jdk");
        String skippedMissing = jipc(Map.of("JIPC_JAVA_HOME", missing.toString()), 0, "--version");
        assertTrue(skippedMissing.contains("jipc: warning: JIPC_JAVA_HOME=" + missing + " skipped: no such file or "
                + "directory; looking for another JDK\n"), skippedMissing);
        assertTrue(skippedMissing.matches("(?s).*Java 2[5-9].*"), skippedMissing);
    }

    /**
     * With no JDK 25 anywhere (here: PATH holds no java, the directories searched are none, and
     * JIPC_JAVA_HOME is a JDK 17), the launcher's search fails with the warning about JIPC_JAVA_HOME
     * and an error that lists it among the places looked at (it said "set JIPC_JAVA_HOME" and left it
     * out).
     */
    @Test
    void withNoJdk25TheErrorListsJipcJavaHomeAmongThePlacesLookedAt(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir.resolve("jdk-17"), "17.0.9");
        Path bin = Files.createDirectory(dir.resolve("bin")); // the tools the search uses, and no java
        for (String tool : new String[] {"readlink", "awk"}) {
            Files.createSymbolicLink(bin.resolve(tool), onPath(tool));
        }
        ProcessBuilder builder = new ProcessBuilder("/bin/bash", "-c",
                "source \"$1\"; _jipc_jdk_dirs() { :; }; jipc_find_java", "bash",
                PROJECT.resolve("bin/lib/jdk.sh").toString()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", bin.toString(), "HOME", dir.toString(),
                "JIPC_JAVA_HOME", old.toString()));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(1, TimeUnit.MINUTES), "the search hung");
        assertEquals(1, process.exitValue(), output);
        assertEquals(List.of("jipc: warning: JIPC_JAVA_HOME=" + old + " skipped: it is Java 17, jipc needs 25 or "
                        + "later; looking for another JDK",
                "jipc: no JDK 25 or later found; looked at JIPC_JAVA_HOME, JAVA_HOME, java on PATH, /usr/lib/jvm, "
                        + "/usr/java, /opt/java, /opt/*jdk*, ~/.sdkman/candidates/java and ~/.jdks; install one or set "
                        + "JIPC_JAVA_HOME to its directory"), output.lines().toList());
    }

    /** A directory that looks like a JDK of {@code version} to the launcher: its release file, a bin/java that fails. */
    private static Path fakeJdk(Path home, String version) throws IOException {
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        Path java = Files.writeString(home.resolve("bin/java"), "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** The file {@code tool} names on this JVM's PATH. */
    private static Path onPath(String tool) {
        return Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, tool)).filter(Files::isExecutable)
                .findFirst().orElseThrow(() -> new AssertionError(tool + " is not on PATH"));
    }

    @Test
    void mailboxCommandsDriveAMailboxFromTheShell() throws Exception {
        jipc(0, "mailbox", "create", "shell", "--capacity", "4096", "--max-message", "100");
        jipc(0, "mailbox", "send", "shell", "first", "second");
        String info = jipc(0, "mailbox", "info", "shell");
        assertTrue(info.contains("pending bytes"), info);
        assertEquals("first\nsecond\n", jipc(0, "mailbox", "recv", "shell", "--count", "2"));
        String timedOut = jipc(1, "mailbox", "recv", "shell", "--timeout", "100ms");
        assertTrue(timedOut.contains("jipc mailbox recv: no message in 'shell' within 100ms; 0 received"), timedOut);
        jipc(0, "mailbox", "destroy", "shell");
        String missing = jipc(1, "mailbox", "destroy", "shell");
        assertTrue(missing.contains("no mailbox 'shell'"), missing);
    }

    @Test
    void sendAndRecvDriveAPosixQueueWithPrioritiesFromTheShell() throws Exception {
        String queue = "mq:/jipc-launcher-test-" + ProcessHandle.current().pid();
        try {
            jipc(0, "send", queue, "plain");
            jipc(0, "send", queue, "--priority", "9", "urgent");
            assertEquals("9\turgent\n0\tplain\n", jipc(0, "recv", queue, "--count", "2", "--show-priority"));
            String empty = jipc(1, "recv", queue, "--nonblock");
            assertTrue(empty.contains("no message in " + queue), empty);
        } finally {
            jipc(0, "mq", "unlink", queue.substring("mq:".length()));
        }
        String missing = jipc(1, "recv", queue, "--no-create", "--nonblock");
        assertTrue(missing.contains("no POSIX message queue"), missing);
    }

    @Test
    void syncCommandsCreateDescribeAndDestroyNamedObjects() throws Exception {
        jipc(0, "sync", "create", "semaphore", "cli-pool", "--permits", "3");
        jipc(0, "sync", "create", "mutex", "cli-lock");
        jipc(0, "sync", "create", "latch", "cli-latch", "--count", "2");
        String info = jipc(0, "sync", "info");
        assertTrue(info.contains("cli-pool: semaphore [3 of 3 available") && info.contains("cli-lock: mutex [free")
                && info.contains("cli-latch: latch [count 2 of 2"), info);
        jipc(0, "sync", "destroy", "cli-latch");
        jipc(0, "sync", "destroy", "cli-pool");
        jipc(0, "sync", "destroy", "cli-lock");
        jipc(1, "sync", "destroy", "cli-lock");
    }

    @Test
    void namesAndLookupShowTheNameService() throws Exception {
        long pid = ProcessHandle.current().pid();
        String previous = System.getProperty("jipc.root");
        System.setProperty("jipc.root", root.toString());
        try (NameService names = NameService.open(NamingConfiguration.LOCAL);
             Registration held = names.register("shell/service", NameRecord.of("mailbox", "42", "inbox-7"))) {
            String table = jipc(0, "names", "shell/");
            assertTrue(table.lines().anyMatch(line -> line.startsWith("shell/service ") && line.contains(" mailbox ")
                    && line.contains(" " + pid + " ") && line.contains(" alive ") && line.endsWith("inbox-7")), table);
            String json = jipc(0, "names", "--json");
            assertTrue(json.contains("\"name\": \"shell/service\"") && json.contains("\"pid\": " + pid)
                    && json.contains("\"owner\": \"alive\""), json);
            String details = jipc(0, "lookup", "shell/service");
            assertTrue(details.contains("address:    inbox-7") && details.contains("pid " + pid), details);
            assertTrue(jipc(0, "lookup", "shell/service", "--json").contains("\"id\": \"42\""));
        } finally {
            if (previous == null) {
                System.clearProperty("jipc.root");
            } else {
                System.setProperty("jipc.root", previous);
            }
        }
        assertTrue(jipc(1, "lookup", "shell/service").contains("jipc lookup: no such name: shell/service"));
        assertTrue(jipc(2, "lookup", "bad name").contains("may contain only"));
        assertEquals("[]\n", jipc(0, "names", "--json"));
    }

    @Test
    void namesReachesZooKeeperThroughTheBackendOnTheClassPath(@TempDir Path home) throws Exception {
        // the server's data directory in home/data: ZooKeeper writes a configuration file it never deletes
        // next to it (with Curator's default data directory, in /tmp)
        InstanceSpec spec = new InstanceSpec(home.resolve("data").toFile(), -1, -1, -1, true, -1);
        try (TestingServer server = new TestingServer(spec, true)) {
            URI uri = URI.create("zk://" + server.getConnectString() + "/launcher-test");
            try (NameService names = NameService.open(uri);
                 Registration held = names.register("zk/service", NameRecord.of("tcp", "", "10.0.0.7:7000"))) {
                String table = jipc(0, "names", "--naming", uri.toString());
                assertTrue(table.lines().anyMatch(line -> line.startsWith("zk/service ") && line.contains(" tcp ")
                        && line.contains(" alive ") && line.endsWith("10.0.0.7:7000")), table);
                assertTrue(jipc(0, "lookup", "zk/service", "--naming", uri.toString()).contains("address:    10.0.0.7:7000"));
            }
        }
        String unreachable = jipc(1, "names", "--naming", "zk://127.0.0.1:1/x?timeout=1s"); // not done: exit code 1
        assertTrue(unreachable.contains("cannot reach ZooKeeper at 127.0.0.1:1"), unreachable);
    }

    @Test
    void gatewayExportsAMailboxOverTcpUntilTerminated() throws Exception {
        jipc(0, "mailbox", "create", "cli-remote");
        String launcher = PROJECT.resolve("bin/jipc").toString();
        ProcessBuilder builder = new ProcessBuilder(ChildCommands.dyingWithThisJvm(launcher, "gateway",
                "--bind", "127.0.0.1:0", "--advertise", "localhost", "cli-remote")).redirectErrorStream(true);
        builder.environment().put("JIPC_ROOT", root.toString());
        builder.environment().put("JIPC_JAVA_OPTS", C1_ONLY);
        Process gateway = builder.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
            String address = out.readLine();
            assertTrue(address != null && address.matches("tcp://localhost:\\d+/cli-remote"), address);
            assertTrue(out.readLine().contains("serving"));
            try (RemoteMailbox remote = RemoteMailbox.connect(URI.create(address))) {
                remote.put("over tcp".getBytes(StandardCharsets.UTF_8));
                assertEquals("over tcp", new String(remote.take(), StandardCharsets.UTF_8));
            }
            assertTrue(jipc(0, "lookup", "cli-remote").contains("address:    " + address));
        } finally {
            gateway.destroy(); // SIGTERM: the gateway closes and unregisters the name
            assertTrue(gateway.waitFor(2, TimeUnit.MINUTES));
        }
        jipc(1, "lookup", "cli-remote");
        jipc(0, "mailbox", "destroy", "cli-remote");
    }

    @Test
    void benchMailboxRunsBothProcessesAndPrintsJson() throws Exception {
        String json = jipc(0, "bench", "mailbox", "--json", "--warmup", "100ms", "--max-warmup", "100ms", "--time", "200ms",
                "--messages", "50000", "--strategies", "spin_then_futex,futex");
        assertTrue(json.contains("\"benchmark\": \"mailbox\""), json);
        assertTrue(json.contains("\"maxWarmupSeconds\": 0.100"), json);
        assertTrue(json.contains("\"mechanism\": \"mailbox spin-then-futex\""), json);
        assertTrue(json.contains("\"mechanism\": \"pipe (FIFO)\""), json);
        assertTrue(json.contains("\"pipePairing\": {\"mechanism\": \"mailbox futex\", \"sliceSeconds\": 0.020, \"pairs\": 10"),
                json); // the futex mailbox's ping-pong alternated with the pipe's
        assertTrue(json.contains("\"p99.9\""), json);
        assertTrue(json.contains("\"idleCpuPercent\""), json);
        try (Stream<Path> left = Files.walk(root)) {
            assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "the benchmark left files");
        }
    }

    @Test
    void benchSocketsMeasuresTheFourTransportsBetweenTwoProcesses() throws Exception {
        String json = jipc(0, "bench", "sockets", "--json", "--warmup", "100ms", "--max-warmup", "100ms", "--time", "200ms",
                "--messages", "20000");
        assertTrue(json.contains("\"benchmark\": \"sockets\""), json);
        for (String mechanism : new String[] {"unix stream", "tcp loopback", "unix datagram", "udp loopback"}) {
            assertTrue(json.contains("\"mechanism\": \"" + mechanism + "\""), json);
        }
        assertTrue(json.contains("\"lostShare\": {\"unix datagram\""), json);
        try (Stream<Path> left = Files.walk(root)) {
            assertEquals(List.of(), left.filter(p -> !Files.isDirectory(p)).toList(), "the benchmark left files");
        }
    }
}
