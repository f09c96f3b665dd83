package io.jipc.cli;

import io.jipc.pipe.Fifo;
import io.jipc.platform.Errno;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's failures through {@link CommandFailures}: bad input is a usage error (exit code 2,
 * the message, then the usage), a failure of the object one line {@code jipc <command>: ...} (exit
 * code 1), and neither prints a stack trace. The command lines below printed stack traces before.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CommandFailuresTest {
    @TempDir
    static Path dir;

    static List<List<String>> usageErrors() {
        return List.of(
                List.of("capacity must be positive: -1", "mailbox", "create", "box", "--capacity", "-1"),
                List.of("priority levels must be 1..32: 0", "mailbox", "create", "box", "--priorities", "0"),
                List.of("invalid mailbox name 'a/b'", "mailbox", "create", "a/b"),
                List.of("protocol label 'a b': use at most 16 printable ASCII", "mailbox", "create", "box", "--protocol", "a b"),
                List.of("not a duration: 'soon'", "mailbox", "recv", "box", "--timeout", "soon"),
                List.of("permits -5 < 0", "sync", "create", "semaphore", "s", "--permits", "-5"),
                List.of("invalid name 'a/b'", "sync", "create", "mutex", "a/b"),
                List.of("unknown signal 'NOPE'", "signal", "send", "1", "NOPE"),
                List.of("unknown signal 'NOPE'", "signal", "wait", "NOPE"),
                List.of("pid must be 1..", "signal", "send", "--", "-999999", "TERM"),
                List.of("invalid group name 'a/b'", "group", "members", "a/b"),
                List.of("invalid group name 'a/b'", "group", "join", "a/b"),
                List.of("--size must be 8 to 1073741824 bytes (1 GiB): 0", "bench", "mailbox", "--size", "0"),
                List.of("--size must be at least 8 bytes: -1", "bench", "ring", "--size", "-1"),
                List.of("--count must not be negative: -1", "mailbox", "recv", "box", "-n", "-1"),
                List.of("--timeout -1s is negative", "mailbox", "recv", "box", "--timeout", "-1s"),
                List.of("--count must not be negative: -3", "signal", "wait", "USR1", "--count", "-3"),
                List.of("--timeout -1s is negative", "signal", "wait", "USR1", "--timeout", "-1s"),
                List.of("--timeout -5s is negative", "recv", "mailbox:box", "--timeout", "-5s"),
                List.of("--timeout -1s is negative", "fifo", "read", dir.resolve("f").toString(), "--timeout", "-1s"),
                List.of("--for -1s is negative", "filelock", "hold", dir.resolve("lock").toString(), "--for", "-1s"),
                List.of("--for -1s is negative", "sync", "hold", "m", "--for", "-1s"),
                List.of("--interval must be positive: 0s", "top", "--interval", "PT0S", "--once"),
                List.of("the FIFO's path is empty", "fifo", "create", ""),
                List.of("an empty name names no object", "rm", ""),
                List.of("port 99999 of tcp://127.0.0.1:99999/orders is outside 0..65535", "send",
                        "tcp://127.0.0.1:99999/orders", "x"),
                List.of("--bind wants HOST:PORT: an address is HOST:PORT, not 127.0.0.1:70000: port out of range 0..65535", "gateway", "--bind", "127.0.0.1:70000", "box"),
                List.of("--bind 0.0.0.0:0 listens on every address: say which one other hosts reach it at with "
                        + "--advertise HOST", "gateway", "--bind", "0.0.0.0:0", "box"),
                List.of("invalid mailbox name 'a b'", "rm", "mailbox:a b"),
                List.of("no kind of object has URIs 'bogus:'; the schemes: mailbox,", "rm", "bogus:x"),
                List.of("region:/x is a POSIX name: say shm:/x", "rm", "region:/x"),
                List.of("invalid name '../x'", "rm", "sync:../x"),
                List.of("invalid POSIX message queue name '/a/b'", "rm", "mq:/a/b"),
                // every name is checked before any is looked for
                List.of("invalid group name 'a.b'", "rm", "mailbox:kept", "group:a.b"),
                // checked before the home is asked (nobody listens on port 1 here)
                List.of("--offset 1020 with 5 bytes is outside the region's 1024 bytes", "dsm", "write", "127.0.0.1:1",
                        "r", "--size", "1024", "--offset", "1020", "--text", "hello"),
                List.of("--offset 1020 with 8 bytes is outside the region's 1024 bytes", "dsm", "write", "127.0.0.1:1",
                        "r", "--size", "1024", "--offset", "1020", "--add-long", "1"),
                List.of("--hex 'zz' is not bytes in hex", "dsm", "write", "127.0.0.1:1", "r", "--size", "1024", "--hex", "zz"),
                List.of("--offset 0 --length 2000 is outside the region's 1024 bytes", "dsm", "show", "127.0.0.1:1", "r",
                        "--size", "1024", "--length", "2000"),
                List.of("--length must not be negative: -2", "dsm", "watch", "127.0.0.1:1", "r", "--size", "8",
                        "--length", "-2"),
                // -1 was the option's "not given" and went through as the default
                List.of("--length must not be negative: -1", "dsm", "show", "127.0.0.1:1", "r", "--size", "8",
                        "--length", "-1"),
                List.of("--count must not be negative: -1", "dsm", "watch", "127.0.0.1:1", "r", "--size", "8",
                        "--count", "-1"),
                List.of("--bind wants HOST:PORT: ", "gateway", "--bind", "127.0.0.1:99999", "orders"),
                List.of("name the mailboxes to export, or give --all", "gateway", "--bind", "127.0.0.1:0"),
                List.of("--mode must be octal permission bits such as 600, not '999'", "mq", "create", "/never-made",
                        "--mode", "999"),
                List.of("--mode must be octal permission bits such as 600, not '10000'", "fifo", "create",
                        dir.resolve("never").toString(), "--mode", "10000"),
                List.of("--rank 5 is not a rank of a group of --size 3 (0..2)", "group", "join", "g", "--size", "3",
                        "--rank", "5"),
                List.of("signal number must be 1..64, got 99", "signal", "send", "1", "99"),
                // signal 0 is refused in the command's terms: it pointed a shell user at Java methods
                // (canSignal(pid), ProcessIdentity.isAlive())
                List.of("signal number must be 1..64, got 0 (0 sends nothing: 'test -e /proc/1' tells whether pid 1 is"
                        + " in use)\n", "signal", "send", "1", "0"),
                List.of("signal number must be 1..64, got 0 (0 sends nothing: pid 1 is still the process started at"
                        + " tick 5 if \"sed 's/.*) //' /proc/1/stat | cut -d' ' -f20\" prints 5)\n", "signal", "send",
                        "--start-time", "5", "1", "0"),
                List.of("signal number must be 1..64, got 99999999999\n", "signal", "send", "1", "99999999999"),
                // a number too long for an int names itself and the range (it was "For input string: ...")
                List.of("no standard signal numbered 99999999999 (1..31; ", "signal", "wait", "99999999999"),
                // --group takes numbers as without it (it refused every number above 31 as "no standard signal")
                List.of("signal number must be 1..64, got 99999999999\n", "signal", "send", "--group", "1",
                        "99999999999"),
                List.of("signal number must be 1..64, got 65\n", "signal", "send", "--group", "1", "65"),
                List.of("unknown signal '\u0661\u0660'", "signal", "send", "1", "\u0661\u0660"),
                // these printed the reason without the usage
                List.of("a name has 1 to ", "lookup", ""),
                List.of("a name may contain only ", "lookup", "a b"),
                List.of("a prefix may contain only ", "names", "a b"),
                List.of("a prefix may contain only ", "names", "x y", "--json"),
                List.of("an address is HOST:PORT, not nohost:x", "dsm", "home", "--bind", "nohost:x"),
                // HOST:PORT is read as a tcp: URI reads it: these were taken for other addresses
                List.of("an address is HOST:PORT, not [127.0.0.1]:0: brackets are for an IPv6 address only", "dsm",
                        "home", "--bind", "[127.0.0.1]:0"),
                List.of("--bind wants HOST:PORT: an address is HOST:PORT, not ::1:0: an IPv6 host goes in brackets",
                        "gateway", "--bind", "::1:0", "box"),
                List.of("an address is HOST:PORT, not []:0: empty host", "dsm", "home", "--bind", "[]:0"),
                List.of("an address is HOST:PORT, not 127.0.0.1:+1: port is not a number", "dsm", "show", "127.0.0.1:+1",
                        "r", "--size", "8"),
                List.of("cannot register the home as a b: a name may contain only ", "dsm", "home", "--bind",
                        "127.0.0.1:0", "--register", "a b"),
                List.of("invalid mailbox name 'a/b'", "gateway", "--bind", "127.0.0.1:0", "--no-register", "a/b"),
                // said "... wildcard address: say what other hosts should connect to (register(names, name, host))", exit 1
                List.of("--bind 0.0.0.0:0 listens on every address: say which one other hosts reach the home at with"
                        + " --advertise HOST", "dsm", "home", "--bind", "0.0.0.0:0", "--register", "wild"));
    }

    @Test
    void aMailboxMadeWithAProtocolLabelSaysItInItsDescription() {
        CliRun created = jipc("mailbox", "create", "labelled", "--protocol", "chat/2");
        try {
            assertEquals(0, created.exit(), created.err());
            assertTrue(created.out().contains(", protocol chat/2]"), created.out());
            CliRun info = jipc("mailbox", "info", "labelled");
            assertTrue(info.out().contains(", protocol chat/2]"), info.out());
        } finally {
            assertEquals(0, jipc("mailbox", "destroy", "labelled").exit());
        }
    }

    @Test
    void askingForTheHeadersOfAMailboxWithoutThemIsAUsageError() {
        assertEquals(0, jipc("mailbox", "create", "plain").exit());
        try {
            CliRun run = jipc("mailbox", "recv", "plain", "--headers", "--timeout", "1s");
            assertEquals(2, run.exit(), run.err());
            assertTrue(run.err().startsWith("--headers: mailbox 'plain' was created without headers"), run.err());
            assertNoStackTrace(run);
        } finally {
            assertEquals(0, jipc("mailbox", "destroy", "plain").exit());
        }
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void badInputIsAUsageError(List<String> expectation) {
        String[] args = expectation.subList(1, expectation.size()).toArray(String[]::new);
        CliRun run = jipc(args);
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith(expectation.getFirst()), run.err());
        String verb = expectation.get(2);
        String command = expectation.get(1) + (verb.matches("[a-z][a-z-]*") ? " " + verb : ""); // "top --interval": top
        assertTrue(run.err().contains("Usage: jipc " + command), run.err());
        assertEquals("", run.out(), "nothing starts before the usage is checked");
        assertNoStackTrace(run);
    }

    static List<List<String>> failures() {
        return List.of(
                List.of("jipc mailbox send: no mailbox 'never-was'", "mailbox", "send", "never-was", "x"),
                List.of("jipc mailbox recv: no mailbox 'never-was'", "mailbox", "recv", "never-was", "--timeout", "1s"),
                List.of("jipc mailbox info: no mailbox 'never-was'", "mailbox", "info", "never-was"),
                List.of("jipc sync info: no synchronization object 'never-was'", "sync", "info", "never-was"),
                List.of("jipc sync destroy: no synchronization object 'never-was'", "sync", "destroy", "never-was"),
                List.of("jipc mailbox destroy: no mailbox 'never-was'", "mailbox", "destroy", "never-was"),
                List.of("jipc gateway: no mailbox 'never-was'", "gateway", "--bind", "127.0.0.1:0", "--no-register",
                        "never-was"),
                List.of("jipc fifo remove: no FIFO at " + dir.resolve("nothing"), "fifo", "remove",
                        dir.resolve("nothing").toString()),
                List.of("jipc fifo remove: " + dir + " is not a FIFO; not removed", "fifo", "remove", dir.toString()),
                List.of("jipc fifo create: ENOENT (No such file or directory) from mkfifo of " + dir.resolve("no/f"),
                        "fifo", "create", dir.resolve("no/f").toString()),
                List.of("jipc fifo read: ENOENT", "fifo", "read", dir.resolve("nothing").toString()),
                List.of("jipc fifo write: ENOENT", "fifo", "write", dir.resolve("nothing").toString(), "x"),
                // a file of another kind where a FIFO should be: not done, like no file at all (it was a usage error)
                List.of("jipc fifo read: " + plainFile() + " is not a FIFO", "fifo", "read", plainFile(), "--timeout", "1s"),
                List.of("jipc fifo read: " + plainFile() + " is not a FIFO", "fifo", "read", plainFile()),
                List.of("jipc fifo write: " + plainFile() + " is not a FIFO", "fifo", "write", plainFile(), "x"),
                List.of("jipc fifo remove: " + plainFile() + " is not a FIFO; not removed", "fifo", "remove", plainFile()),
                List.of("jipc send: " + plainFile() + " is not a FIFO", "send", "fifo:" + plainFile(), "x"),
                List.of("jipc recv: " + plainFile() + " is not a FIFO", "recv", "fifo:" + plainFile(), "--timeout", "1s"),
                // a symbolic link, even to a FIFO, is not followed, and said to be a link (it was "is not a FIFO")
                List.of("jipc send: " + fifoLink() + " is a symbolic link (not followed)", "send", "fifo:" + fifoLink(),
                        "--nonblock", "x"),
                List.of("jipc recv: " + fifoLink() + " is a symbolic link (not followed)", "recv", "fifo:" + fifoLink(),
                        "--timeout", "1s"),
                List.of("jipc fifo write: " + fifoLink() + " is a symbolic link (not followed)", "fifo", "write",
                        fifoLink(), "x"),
                List.of("jipc fifo remove: " + fifoLink() + " is a symbolic link (not followed); not removed", "fifo",
                        "remove", fifoLink()),
                List.of("jipc rm: " + fifoLink() + " is a symbolic link (not followed); not removed", "rm",
                        "fifo:" + fifoLink()));
    }

    /** A symbolic link in {@link #dir} to a FIFO there, made on first use. */
    private static String fifoLink() {
        Path link = dir.resolve("fifo-link");
        try {
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Fifo.create(dir.resolve("fifo"), 0600);
                Files.createSymbolicLink(link, Path.of("fifo"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return link.toString();
    }

    /** A regular file in {@link #dir}, made on first use. */
    private static String plainFile() {
        Path file = dir.resolve("plain-file");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, "not a pipe\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toString();
    }

    @ParameterizedTest
    @MethodSource("failures")
    void aFailureOfTheObjectIsOneLine(List<String> expectation) {
        CliRun run = jipc(expectation.subList(1, expectation.size()).toArray(String[]::new));
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().startsWith(expectation.getFirst()), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertNoStackTrace(run);
    }

    /**
     * A name service that cannot be reached is a failure of the system, exit code 1, for {@code names}
     * as for every command that uses one; only {@code lookup}, whose 1 means "free", says 3, which a
     * script can tell from its usage errors (2): it said 2 for both before.
     */
    @Test
    void anUnreachableNameServiceIsNotDoneButForLookup() throws IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // closed: nothing listens there
        }
        String naming = "--naming=zk://127.0.0.1:" + port + "/x?timeout=1s";
        for (List<String> args : List.of(List.of("names", naming), List.of("names", "svc/", "--json", naming),
                List.of("dsm", "show", "reg", "notes", "--size", "8", naming))) {
            CliRun run = jipc(args.toArray(String[]::new));
            String err = withoutSlf4j(run.err());
            assertEquals(1, run.exit(), args + ": " + err);
            assertTrue(err.startsWith("jipc " + args.get(0) + ": "), err); // dsm says "jipc dsm:"
            assertTrue(err.contains("127.0.0.1:" + port), err);
            assertEquals(1, err.lines().count(), err);
            assertNoStackTrace(run);
        }
        CliRun lookup = jipc("lookup", "svc", naming);
        String err = withoutSlf4j(lookup.err());
        assertEquals(3, lookup.exit(), err);
        assertTrue(err.startsWith("jipc lookup: ") && err.contains("127.0.0.1:" + port), err);
        assertEquals(1, err.lines().count(), err);
        assertNoStackTrace(lookup);
        CliRun usage = jipc("lookup", naming); // no NAME: bad usage, whatever the service
        assertEquals(2, usage.exit(), usage.err());
        assertTrue(usage.err().contains("Usage: jipc lookup"), usage.err());
    }

    /**
     * The local name service cannot be read when its directory is refused (here: open to other
     * users): {@code lookup} says 3 as for an unreachable ensemble, {@code names} 1.
     */
    @Test
    void anUnreadableLocalNameServiceIsExitCode3ForLookup() throws IOException {
        Path names = io.jipc.segment.JipcRoot.directory("names");
        try {
            Files.setPosixFilePermissions(names, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            CliRun lookup = jipc("lookup", "svc");
            assertEquals(3, lookup.exit(), lookup.err());
            assertTrue(lookup.err().startsWith("jipc lookup: refusing jipc directory " + names), lookup.err());
            assertEquals(1, lookup.err().lines().count(), lookup.err());
            CliRun list = jipc("names");
            assertEquals(1, list.exit(), list.err());
            assertTrue(list.err().startsWith("jipc names: refusing jipc directory " + names), list.err());
        } finally {
            Files.setPosixFilePermissions(names, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        assertEquals(1, jipc("lookup", "svc").exit(), "free again once the directory is this user's own");
    }

    /**
     * A jipc root that is a regular file, or lies below one, cannot hold names: {@code lookup} exits 3
     * (the name service cannot be read), not 1 ("free"), and {@code names} and {@code ls} 1, not 0 with
     * an empty table, as every command that makes something refuses such a root. Before, the JDK's
     * NoSuchFileException for its ENOTDIR made the names directory look merely absent (and ls listed
     * nothing below the file). Nothing is created.
     */
    @Test
    void aJipcRootThatIsARegularFileIsExitCode3ForLookup(Path classRoot) throws IOException {
        Files.createDirectories(classRoot);
        Path file = Files.writeString(classRoot.resolve("root-file"), "not a directory");
        String previous = System.getProperty(io.jipc.segment.JipcRoot.PROPERTY);
        try {
            for (Path root : List.of(file, file.resolve("below"))) {
                System.setProperty(io.jipc.segment.JipcRoot.PROPERTY, root.toString());
                CliRun lookup = jipc("lookup", "svc");
                assertEquals(3, lookup.exit(), root + ": " + lookup.err());
                assertTrue(lookup.err().startsWith("jipc lookup: ") && lookup.err().contains(file.toString()),
                        lookup.err());
                CliRun list = jipc("names");
                assertEquals(1, list.exit(), root + ": " + list.err());
                CliRun ls = jipc("ls");
                assertEquals(1, ls.exit(), root + ": " + ls.err()); // as ls, which said "(none)" below the file
            }
            assertEquals("not a directory", Files.readString(file));
        } finally {
            System.setProperty(io.jipc.segment.JipcRoot.PROPERTY, previous);
            Files.delete(file);
        }
    }

    static List<List<String>> namingCommands() {
        String bogus = "--naming=bogus://x";
        return List.of(List.of("names", bogus), List.of("lookup", "svc", bogus),
                List.of("dsm", "home", "--bind", "127.0.0.1:0", "--register", "h", bogus),
                List.of("dsm", "show", "h", "r", "--size", "8", bogus),
                List.of("dsm", "write", "h", "r", "--size", "8", "--text", "x", bogus),
                List.of("dsm", "watch", "h", "r", "--size", "8", bogus),
                List.of("rpc", "call", "svc", "greet", "x", "--interface", io.jipc.cli.rpcdesk.Desk.class.getName(), bogus),
                List.of("gateway", "--bind", "127.0.0.1:0", "box", bogus));
    }

    /**
     * A {@code --naming} scheme no backend serves is bad usage for every command that takes the option
     * (names said 1 and lookup 2): exit code 2, the name service's reason, then the usage; nothing starts.
     */
    @ParameterizedTest
    @MethodSource("namingCommands")
    void anUnknownNamingSchemeIsAUsageError(List<String> args) {
        CliRun run = jipc(args.toArray(String[]::new));
        String err = withoutSlf4j(run.err());
        assertEquals(2, run.exit(), args + ": " + err);
        assertTrue(err.contains("no name service backend for 'bogus://x' (schemes here: local"), err);
        assertTrue(err.contains("Usage: jipc "), err);
        assertEquals("", run.out(), "nothing starts before the usage is checked");
        assertNoStackTrace(run);
    }

    /**
     * A configured naming URI (no {@code --naming}) whose scheme no backend serves is bad usage too:
     * exit code 2, the reason with where the URI came from, and the usage. Until 2026-12-07 it exited 1.
     */
    @ParameterizedTest
    @MethodSource("namingCommands")
    void anUnknownConfiguredNamingSchemeIsAUsageErrorToo(List<String> args) {
        String previous = System.setProperty(io.jipc.naming.NamingConfiguration.PROPERTY, "bogus://x");
        try {
            CliRun run = jipc(args.stream().filter(arg -> !arg.startsWith("--naming=")).toArray(String[]::new));
            String err = withoutSlf4j(run.err());
            assertEquals(2, run.exit(), args + ": " + err);
            assertTrue(err.contains("no name service backend for 'bogus://x' (schemes here: local"), err);
            assertTrue(err.contains("(the configured naming URI: -Djipc.naming, $JIPC_NAMING or "), err);
            assertTrue(err.contains("Usage: jipc "), err);
            assertNoStackTrace(run);
        } finally {
            if (previous == null) {
                System.clearProperty(io.jipc.naming.NamingConfiguration.PROPERTY);
            } else {
                System.setProperty(io.jipc.naming.NamingConfiguration.PROPERTY, previous);
            }
        }
    }

    /** Standard error without the warning ZooKeeper's SLF4J prints once a JVM here (bin/jipc silences it). */
    private static String withoutSlf4j(String err) {
        return err.lines().filter(line -> !line.startsWith("SLF4J")).map(line -> line + "\n")
                .collect(java.util.stream.Collectors.joining());
    }

    /** A duration in a message is written as Timeouts.text writes it, whatever way it was typed. */
    @Test
    void messagesWriteDurationsTheShortWay() throws Exception {
        assertEquals(0, jipc("mailbox", "create", "empty").exit());
        assertEquals(0, jipc("sync", "create", "latch", "shut", "--count", "1").exit());
        Path file = dir.resolve("locked");
        try (io.jipc.filelock.LockableFile other = io.jipc.filelock.LockableFile.openOrCreate(file);
             io.jipc.filelock.FileLock held = other.tryLock(io.jipc.filelock.LockMode.EXCLUSIVE)) {
            for (String[] typed : new String[][] {{"-0", "0s"}, {"PT0S", "0s"}, {" 0.01s", "10ms"}, {"PT0.02S", "20ms"}}) {
                CliRun recv = jipc("mailbox", "recv", "empty", "--timeout", typed[0]);
                assertEquals(1, recv.exit(), recv.err());
                assertEquals("jipc mailbox recv: no message in 'empty' within " + typed[1] + "; 0 received\n", recv.err());
            }
            CliRun latch = jipc("sync", "await", "shut", "--timeout", "PT0.01S");
            assertEquals("jipc sync await: latch 'shut' still at 1 after 10ms\n", latch.err());
            CliRun signal = jipc("signal", "wait", "URG", "--timeout", "0.010s");
            assertTrue(signal.err().endsWith(" within 10ms\n"), signal.err());
            CliRun lock = jipc("filelock", "hold", file.toString(), "--timeout", "PT0.01S");
            assertEquals("jipc filelock hold: " + file + " is locked by another process (waited 10ms)\n", lock.err());
            CliRun negative = jipc("mailbox", "recv", "empty", "--timeout", "-0.5s");
            assertTrue(negative.err().startsWith("--timeout -500ms is negative"), negative.err());
        } finally {
            assertEquals(0, jipc("mailbox", "destroy", "empty").exit());
            assertEquals(0, jipc("sync", "destroy", "shut").exit());
        }
    }

    @Test
    void aFifoThatCouldNotBeCreatedLeavesNothing() throws IOException {
        jipc("fifo", "create", dir.resolve("no/f").toString());
        assertFalse(Files.exists(dir.resolve("no")));
    }

    /** A command that throws what {@link #thrown} holds: an unchecked exception or an {@link Error}. */
    @Command(name = "throwing")
    static final class Throwing implements Callable<Integer> {
        final Throwable thrown;

        Throwing(Throwable thrown) {
            this.thrown = thrown;
        }

        @Override
        public Integer call() {
            if (thrown instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) thrown;
        }
    }

    /** Runs a command that throws {@code thrown}, as {@link Main} runs commands. */
    private static CliRun runThrowing(Throwable thrown) {
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new Throwing(thrown)).setErr(new PrintWriter(err, true))
                .setOut(new PrintWriter(new StringWriter(), true)).setExecutionExceptionHandler(new CommandFailures())
                .setExecutionStrategy(CommandFailures::runLast);
        int exit = line.execute();
        return new CliRun(exit, "", err.toString());
    }

    @Test
    void systemFailuresAreOneLineAndAnExceptionWithoutMessageIsNamed() {
        CliRun errno = runThrowing(Errno.exception(Errno.EACCES, "open", "/x"));
        assertEquals(1, errno.exit());
        assertTrue(errno.err().startsWith("throwing: EACCES"), errno.err());
        CliRun io = runThrowing(new UncheckedIOException(new IOException("disk on fire")));
        assertEquals("throwing: java.io.IOException: disk on fire", io.err().strip());
        CliRun unsupported = runThrowing(new UnsupportedOperationException());
        assertEquals(1, unsupported.exit());
        assertEquals("throwing: UnsupportedOperationException", unsupported.err().strip());
    }

    @Test
    void aBugStillShowsItsStackTrace() {
        CliRun bug = runThrowing(new IllegalStateException("should not happen"));
        assertEquals(1, bug.exit());
        assertTrue(bug.err().contains("IllegalStateException: should not happen"), bug.err());
        assertTrue(bug.err().contains("\tat "), "a bug keeps its stack trace: " + bug.err());
    }

    @Test
    void theFaultOfATruncatedMappingIsOneLineNamingTheObjectIfItsCloseDid() {
        InternalError fault = new InternalError("a fault occurred in an unsafe memory access operation");
        CliRun bare = runThrowing(fault);
        assertEquals(1, bare.exit());
        assertEquals("throwing: shared memory faulted (was its file truncated by another process?): a fault"
                + " occurred in an unsafe memory access operation", bare.err().strip());
        fault.addSuppressed(new io.jipc.CorruptSegmentException("mutex 'm': its memory faulted at close"));
        CliRun named = runThrowing(fault);
        assertEquals(1, named.exit());
        assertEquals("throwing: mutex 'm': its memory faulted at close", named.err().strip());
    }

    @Test
    void anotherErrorIsNotTurnedIntoAMessage() {
        InternalError other = new InternalError("something else");
        assertEquals(other, org.junit.jupiter.api.Assertions.assertThrows(InternalError.class, () -> runThrowing(other)));
        OutOfMemoryError memory = new OutOfMemoryError("a fault occurred in an unsafe memory access operation");
        assertEquals(memory, org.junit.jupiter.api.Assertions.assertThrows(OutOfMemoryError.class,
                () -> runThrowing(memory)));
    }

    private static void assertNoStackTrace(CliRun run) {
        assertFalse(run.err().contains("\tat ") || run.out().contains("\tat "), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }
}
