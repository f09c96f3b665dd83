package io.jipc.cli;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.MqLimits;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static io.jipc.cli.CliRun.jipcWithInput;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/** {@code jipc send} and {@code jipc recv} on POSIX queues and mailboxes, in this JVM and across processes. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SendRecvCommandTest {
    private final List<String> queues = new ArrayList<>();

    private String queue() {
        String name = TestQueues.name("jipc-test-cli");
        queues.add(name);
        return name;
    }

    /** Each test unlinks the queues it (or the commands it ran) created; a leftover is removed and fails it. */
    @AfterEach
    void noQueueLeftBehind() {
        List<String> left = queues.stream().filter(PosixMessageQueue::unlink).toList();
        assertEquals(List.of(), left, "queues left behind");
    }

    private interface QueueUse {
        void accept(String name, PosixMessageQueue queue) throws Exception;
    }

    /** Creates a queue for a test, and unlinks it whatever happens. */
    private void withQueue(MqAttributes attributes, QueueUse use) throws Exception {
        String name = queue();
        try (PosixMessageQueue queue = PosixMessageQueue.create(name, attributes)) {
            use.accept(name, queue);
        } finally {
            PosixMessageQueue.unlink(name);
        }
    }

    /**
     * ... and the send that creates it says so on standard error (a typo in the name would otherwise
     * make a queue nobody reads, silently, as it did until 2026-12-06); one that opens it says nothing.
     */
    @Test
    void aQueueIsCreatedOnFirstUseAndDeliversHighestPriorityFirst() {
        String uri = "mq:" + queue();
        assertEquals(new CliRun(0, "", "jipc send: created " + uri + " (it did not exist; --no-create refuses instead)\n"),
                jipc("send", uri, "routine"));
        assertEquals(new CliRun(0, "", ""), jipc("send", uri, "--priority", "30", "urgent", "also urgent"));
        assertEquals(0, jipcWithInput("line one\nline two\n", "send", uri, "--priority", "5").exit());
        CliRun recv = jipc("recv", uri, "--count", "5", "--show-priority");
        assertEquals(new CliRun(0, "30\turgent\n30\talso urgent\n5\tline one\n5\tline two\n0\troutine\n", ""), recv);
        try (PosixMessageQueue q = PosixMessageQueue.open(uri.substring(3))) {
            assertEquals(MqAttributes.kernelDefaults(), q.attributes(), "created with the kernel's defaults");
        }
        assertTrue(PosixMessageQueue.unlink(uri.substring(3)));
    }

    /** The created object is named as {@code jipc ls} and {@code jipc rm} name it, not as typed (docs58 explorer). */
    @Test
    void aCreatedQueueIsNamedInItsCanonicalForm() {
        String name = queue();
        try {
            assertEquals(new CliRun(0, "", "jipc send: created mq:" + name + " (it did not exist; --no-create refuses"
                    + " instead)\n"), jipc("send", "MQ:" + name.substring(1), "x"));
        } finally {
            PosixMessageQueue.unlink(name);
        }
    }

    @Test
    void nonblockAndTimeoutGiveUpWithExitCodeOne() throws Exception {
        withQueue(MqAttributes.of(1, 16), (name, ignored) -> {
            CliRun empty = jipc("recv", "mq:" + name, "--nonblock");
            assertEquals(1, empty.exit());
            assertTrue(empty.err().contains("no message in mq:" + name + " (waited not at all); 0 received"), empty.err());
            CliRun timedOut = jipc("recv", "mq:" + name, "--timeout", "50ms");
            assertEquals(1, timedOut.exit());
            assertTrue(timedOut.err().contains("(waited at most 50ms)"), timedOut.err());
            CliRun full = jipc("send", "mq:" + name, "--nonblock", "fits", "does not fit");
            assertEquals(1, full.exit());
            assertTrue(full.err().contains("no room in mq:" + name + " (waited not at all); 1 message(s) sent"), full.err());
            assertEquals(1, jipc("send", "mq:" + name, "--timeout", "50ms", "still no room").exit());
            assertEquals(new CliRun(0, "fits\n", ""), jipc("recv", "mq:" + name, "-n", "0", "--nonblock"));
        });
    }

    @Test
    void noCreateRefusesAMissingObject() {
        String name = queue();
        CliRun run = jipc("recv", "mq:" + name, "--no-create", "--nonblock");
        assertEquals(1, run.exit());
        assertEquals("jipc recv: no POSIX message queue " + name + "\n", run.err());
        assertFalse(PosixMessageQueue.exists(name));
        CliRun mailbox = jipc("send", "mailbox:absent", "--no-create", "x");
        assertEquals(1, mailbox.exit());
        assertTrue(mailbox.err().startsWith("jipc send: no mailbox 'absent'"), mailbox.err());
    }

    @Test
    void aTooLongMessageIsRefusedWithTheSizes() throws Exception {
        withQueue(MqAttributes.of(1, 4), (name, ignored) -> {
            CliRun run = jipc("send", "mq:" + name, "12345");
            assertEquals(1, run.exit());
            assertTrue(run.err().contains("a message of 5 bytes is longer than the 4 bytes"), run.err());
        });
    }

    /**
     * Lines from standard input stop at the first one the queue refuses, and the error says how many went
     * before it, as a "no room" failure does (until 2026-12-05 it did not: the user could not tell
     * where to resume).
     */
    @Test
    void aTooLongLineFromStandardInputSaysHowManyWereSent() throws Exception {
        withQueue(MqAttributes.of(4, 4), (name, queue) -> {
            CliRun run = jipcWithInput("ab\ncd\n12345\nef\n", "send", "mq:" + name);
            assertEquals(1, run.exit());
            assertEquals("jipc send: a message of 5 bytes is longer than the 4 bytes POSIX message queue " + name
                    + " takes: message 3 not sent; 2 message(s) sent\n", run.err());
            assertEquals("ab", new String(queue.poll().payload(), StandardCharsets.UTF_8));
            assertEquals("cd", new String(queue.poll().payload(), StandardCharsets.UTF_8));
            assertNull(queue.poll(), "the line after the refused one was not sent");
        });
    }

    @Test
    void bytesThatAreNotUtf8AreReceivedAndPrintedAsTheyAre() throws Exception {
        withQueue(MqAttributes.of(2, 8), (name, queue) -> {
            queue.put(new byte[] {'a', (byte) 0xff, (byte) 0xc3, 'b'}, 3);
            queue.put(new byte[] {(byte) 0xe2, (byte) 0x82}, 1); // a truncated sequence at the end
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CliRun run = CliRun.jipc(new byte[0], out, "recv", "mq:" + name, "-n", "2", "--show-priority");
            assertEquals(0, run.exit(), run.err());
            assertArrayEquals(new byte[] {'3', '\t', 'a', (byte) 0xff, (byte) 0xc3, 'b', '\n', '1', '\t', (byte) 0xe2,
                    (byte) 0x82, '\n'}, out.toByteArray());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"send mailbox:bytes-box", "mailbox send bytes-box"})
    void linesOfStandardInputAreSentByteForByte(String command) throws InterruptedException {
        byte[] input = {'a', (byte) 0xff, '\r', '\n', '\n', (byte) 0xc3, 0, 'z'};
        assertEquals(0, jipc("mailbox", "create", "bytes-box").exit());
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        CliRun sent = CliRun.jipc(input, new ByteArrayOutputStream(), args.toArray(String[]::new));
        assertEquals(0, sent.exit(), sent.err());
        try (Mailbox mailbox = Mailbox.open("bytes-box")) {
            assertArrayEquals(new byte[] {'a', (byte) 0xff, '\r'}, mailbox.poll(), "split at \\n only, the \\r kept");
            assertArrayEquals(new byte[0], mailbox.poll());
            assertArrayEquals(new byte[] {(byte) 0xc3, 0, 'z'}, mailbox.poll(), "a last line without a newline");
            assertNull(mailbox.poll());
            mailbox.put(new byte[] {(byte) 0xfe, '\r'});
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, CliRun.jipc(new byte[0], out, "mailbox", "recv", "bytes-box").exit());
        assertArrayEquals(new byte[] {(byte) 0xfe, '\r', '\n'}, out.toByteArray());
        assertTrue(Mailbox.destroy("bytes-box"));
    }

    @Test
    void mailboxesWorkTheSameWayWithoutPriorities() {
        assertEquals(0, jipc("send", "mailbox:cli-box", "one", "two").exit());
        assertEquals(new CliRun(0, "one\ntwo\n", ""), jipc("recv", "mailbox:cli-box", "-n", "2"));
        CliRun priority = jipc("send", "mailbox:cli-box", "--priority", "3", "x");
        assertEquals(2, priority.exit());
        assertTrue(priority.err().startsWith("mailbox 'cli-box' has no priorities (asked for 3)"), priority.err());
        assertEquals(0, jipc("send", "mailbox:cli-box", "three").exit());
        assertEquals(new CliRun(0, "0\tthree\n", ""), jipc("recv", "mailbox:cli-box", "--show-priority"),
                "one level: every message's priority is 0");
        assertTrue(Mailbox.destroy("cli-box"));
    }

    /** A mailbox created with levels: sends at a priority, receives highest first and says which. */
    @Test
    void aMailboxWithPriorityLevelsTakesAndShowsPriorities() {
        assertEquals(0, jipc("mailbox", "create", "cli-levels", "--priorities", "4").exit());
        try {
            assertEquals(0, jipc("send", "mailbox:cli-levels", "low").exit());
            assertEquals(0, jipc("send", "mailbox:cli-levels", "--priority", "3", "urgent", "also urgent").exit());
            assertEquals(0, jipc("send", "mailbox:cli-levels", "--priority", "1", "later").exit());
            assertEquals(new CliRun(0, "3\turgent\n3\talso urgent\n1\tlater\n0\tlow\n", ""),
                    jipc("recv", "mailbox:cli-levels", "-n", "4", "--show-priority"));
            CliRun outside = jipc("send", "mailbox:cli-levels", "--priority", "4", "x");
            assertEquals(2, outside.exit());
            assertTrue(outside.err().startsWith("mailbox 'cli-levels' has priority levels 0..3 (asked for 4)"),
                    outside.err());
            assertEquals(0, jipc("send", "mailbox:cli-levels", "--priority", "2", "a message of 28 bytes, or so").exit());
            CliRun cut = jipc("recv", "mailbox:cli-levels", "--max-bytes", "4", "--show-priority");
            assertEquals(2, cut.exit(), "a truncating receive has no header to tell the priority");
            assertTrue(cut.err().startsWith("--show-priority: a truncating receive (--max-bytes)"), cut.err());
            assertEquals(new CliRun(0, "a me\n", "jipc recv: cut to 4 of its 28 bytes\n"),
                    jipc("recv", "mailbox:cli-levels", "--max-bytes", "4"), "the refusal took nothing");
        } finally {
            assertTrue(Mailbox.destroy("cli-levels"));
        }
    }

    /** create --receive-policy makes a mailbox with that policy, and info (its toString) says which. */
    @Test
    void aMailboxIsCreatedWithTheReceivePolicyAskedForAndInfoSaysIt() {
        CliRun created = jipc("mailbox", "create", "cli-shared", "--receive-policy", "SHARED");
        assertEquals(0, created.exit(), created.err());
        try {
            try (Mailbox mailbox = Mailbox.open("cli-shared")) {
                assertEquals(io.jipc.mailbox.ReceivePolicy.SHARED, mailbox.receivePolicy());
            }
            CliRun info = jipc("mailbox", "info", "cli-shared");
            assertTrue(info.out().lines().findFirst().orElseThrow().contains(", SHARED receive policy"), info.out());
            assertEquals(2, jipc("mailbox", "create", "cli-other", "--receive-policy", "NONE").exit());
        } finally {
            assertTrue(Mailbox.destroy("cli-shared"));
        }
    }

    /** A rendezvous mailbox has no room to lack: a send that nobody took says so. */
    @Test
    void aSendToARendezvousThatNobodyTookSaysSo() {
        assertEquals(0, jipc("mailbox", "create", "cli-meet", "--limit", "0").exit());
        try {
            CliRun nobody = jipc("send", "mailbox:cli-meet", "--timeout", "50ms", "hello");
            assertEquals(1, nobody.exit());
            assertEquals("jipc send: no receiver took the message from mailbox:cli-meet (waited at most 50ms); "
                    + "0 message(s) sent\n", nobody.err());
            CliRun now = jipc("send", "mailbox:cli-meet", "--nonblock", "hello");
            assertTrue(now.err().startsWith("jipc send: no receiver took the message from mailbox:cli-meet"), now.err());
        } finally {
            assertTrue(Mailbox.destroy("cli-meet"));
        }
    }

    /**
     * {@code mailbox send} waits as {@code send mailbox:} does: for ever, at most --timeout, or not at all;
     * and says, as it does, which message the mailbox refused and how many went before it (until
     * 2026-12-06 a message too long said neither).
     */
    @Test
    void mailboxSendGivesUpAtItsTimeoutOrAtOnce() {
        assertEquals(0, jipc("mailbox", "create", "cli-tight", "--limit", "1", "--max-message", "16").exit());
        assertEquals(0, jipc("mailbox", "create", "cli-meet2", "--limit", "0").exit());
        try {
            CliRun full = jipc("mailbox", "send", "cli-tight", "--nonblock", "fits", "does not fit");
            assertEquals(new CliRun(1, "", "jipc mailbox send: no room for message 2 in 'cli-tight' (waited not at all); "
                    + "1 message(s) sent\n"), full);
            CliRun timed = jipc("mailbox", "send", "cli-tight", "--timeout", "20ms", "still no room");
            assertEquals(new CliRun(1, "", "jipc mailbox send: no room for message 1 in 'cli-tight' (waited at most 20ms); "
                    + "0 message(s) sent\n"), timed);
            CliRun nobody = jipc("mailbox", "send", "cli-meet2", "--nonblock", "hello");
            assertEquals(new CliRun(1, "", "jipc mailbox send: no receiver took message 1 in 'cli-meet2' (waited not at "
                    + "all); 0 message(s) sent\n"), nobody);
            assertEquals(2, jipc("mailbox", "send", "cli-tight", "--nonblock", "--timeout", "1s", "x").exit());
            assertEquals(new CliRun(0, "fits\n", ""), jipc("mailbox", "recv", "cli-tight"));
            assertEquals(0, jipc("mailbox", "send", "cli-tight", "--timeout", "1s", "room again").exit());
            assertEquals(new CliRun(0, "room again\n", ""), jipc("recv", "mailbox:cli-tight"));
            // a message too long for the mailbox: which one, and how many went before it, as jipc send says
            assertEquals(new CliRun(1, "", "jipc mailbox send: message of 17 bytes exceeds the maximum of 16 bytes of"
                    + " mailbox 'cli-tight': message 2 not sent; 1 message(s) sent\n"),
                    jipc("mailbox", "send", "cli-tight", "--nonblock", "fits", "seventeen bytes!!"));
        } finally {
            assertTrue(Mailbox.destroy("cli-tight"));
            assertTrue(Mailbox.destroy("cli-meet2"));
        }
    }

    /** With no count to reach, a receive that waits at most --timeout ends well when none comes in it. */
    @Test
    void aCountOfZeroEndsWellWhenNothingComesInTime() {
        assertEquals(0, jipc("send", "mailbox:cli-quiet", "one", "two").exit());
        try {
            assertEquals(new CliRun(0, "one\ntwo\n", ""), jipc("recv", "mailbox:cli-quiet", "-n", "0", "--timeout", "20ms"));
            assertEquals(0, jipc("send", "mailbox:cli-quiet", "three").exit());
            assertEquals(new CliRun(0, "three\n", ""),
                    jipc("mailbox", "recv", "cli-quiet", "-n", "0", "--timeout", "20ms"));
            assertEquals(new CliRun(0, "", ""), jipc("recv", "mailbox:cli-quiet", "-n", "0", "--nonblock"));
            CliRun counted = jipc("mailbox", "recv", "cli-quiet", "-n", "2", "--timeout", "20ms");
            assertEquals(1, counted.exit(), "a count not reached is still a failure");
            assertTrue(counted.err().contains("0 received"), counted.err());
        } finally {
            assertTrue(Mailbox.destroy("cli-quiet"));
        }
    }

    /** Lecture 004's receive(from, msg, sz) from the shell: the first SZ bytes, and a word on stderr. */
    @Test
    void maxBytesKeepsTheFirstBytesOfALongerMessageAndSaysSo() {
        assertEquals(0, jipc("send", "mailbox:cli-cut", "a message of 28 bytes, or so", "short").exit());
        assertEquals(new CliRun(0, "a message \nshort\n", "jipc recv: cut to 10 of its 28 bytes\n"),
                jipc("recv", "mailbox:cli-cut", "-n", "2", "--max-bytes", "10"));
        assertEquals(1, jipc("recv", "mailbox:cli-cut", "--max-bytes", "10", "--nonblock").exit(), "the rest is gone");
        assertEquals(2, jipc("recv", "mailbox:cli-cut", "--max-bytes", "-1").exit());
        String name = queue();
        CliRun queue = jipc("recv", "mq:" + name, "--max-bytes", "10", "--nonblock");
        assertEquals(2, queue.exit(), queue.err());
        assertTrue(queue.err().contains("only a mailbox: and a datagram socket"), queue.err());
        PosixMessageQueue.unlink(name);
        assertTrue(Mailbox.destroy("cli-cut"));
    }

    @Test
    void mqCommandsCreateDescribeAndUnlinkAQueue() {
        String name = queue();
        assertEquals(0, jipc("mq", "create", name, "--max-messages", "3", "--message-size", "100", "--mode", "0622").exit());
        assertEquals(1, jipc("mq", "create", name).exit(), "exists");
        assertEquals(0, jipc("send", "mq:" + name, "--no-create", "hello").exit());
        CliRun info = jipc("mq", "info", name);
        assertTrue(info.out().contains("max messages:  3") && info.out().contains("message size:  100 bytes")
                && info.out().contains("messages now:  1"), info.out());
        CliRun tooMany = jipc("mq", "create", queue(), "--max-messages", "100000");
        assertEquals(1, tooMany.exit());
        assertTrue(tooMany.err().startsWith("jipc mq create: cannot create POSIX message queue"), tooMany.err());
        assertTrue(tooMany.err().contains("100000 messages asked, more than"), tooMany.err());
        assertTrue(jipc("mq", "limits").out().contains("RLIMIT_MSGQUEUE"));
        assertEquals(0, jipc("mq", "unlink", name).exit());
        assertEquals(1, jipc("mq", "unlink", name).exit());
    }

    /**
     * In an IPC namespace whose {@code msg_max} and {@code msgsize_max} (5, 4096) are below
     * {@code msg_default} and {@code msgsize_default} (10, 8192), a queue made by {@code send},
     * {@code recv} or {@code mq create} without attributes gets what the kernel gives a default queue,
     * 5 × 4096, and an explicit {@code --max-messages} alone takes the capped size; {@code mq limits}
     * says so. (Until 2026-12-06 each failed with "10 messages asked, more than fs.mqueue.msg_max = 5".)
     * Each command is a child JVM of one {@code unshare --ipc} shell, so the host's tunables are untouched.
     */
    @Test
    void queuesMadeWithoutAttributesGetTheDefaultsCappedAtTheMaxima() throws Exception {
        IpcNamespace.cannotUnshare().ifPresent(reason -> abort("cannot test an IPC namespace of its own: " + reason));
        String sent = queue();
        String received = queue();
        String created = queue();
        String sized = queue();
        String script = "echo 5 > /proc/sys/fs/mqueue/msg_max && echo 4096 > /proc/sys/fs/mqueue/msgsize_max || exit 9\n"
                + "\"$@\" send mq:" + sent + " hello; echo \"rc send $?\"\n"
                + "\"$@\" recv mq:" + received + " --nonblock; echo \"rc recv $?\"\n"
                + "\"$@\" mq create " + created + "; echo \"rc create $?\"\n"
                + "\"$@\" mq create " + sized + " --max-messages 3; echo \"rc create sized $?\"\n"
                + "for q in " + sent + " " + received + " " + created + " " + sized + "; do \"$@\" mq info $q; done\n"
                + "\"$@\" mq limits\n"
                + "for q in " + sent + " " + received + " " + created + " " + sized + "; do \"$@\" mq unlink $q; done\n";
        try (ChildJvm shell = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .wrapper(IpcNamespace.UNSHARE, "--ipc", "--", "/bin/sh", "-c", script, "sh").start()) {
            shell.assertSuccess(Duration.ofSeconds(110));
            String out = shell.output();
            assertTrue(out.contains("rc send 0\n"), out);
            assertTrue(out.contains("rc recv 1\n") && out.contains("no message in mq:" + received), "created, then empty\n" + out);
            assertTrue(out.contains("rc create 0\n") && out.contains("rc create sized 0\n"), out);
            assertEquals(3, out.split("max messages:  5\n  message size:  4096 bytes", -1).length - 1, out);
            assertTrue(out.contains("max messages:  3\n  message size:  4096 bytes"), out);
            assertTrue(out.contains("fs.mqueue.msg_default     10 (a default queue gets 5: msg_max is lower)\n"), out);
            assertTrue(out.contains("fs.mqueue.msgsize_default 8192 (a default queue gets 4096: msgsize_max is lower)\n"), out);
            assertTrue(out.contains("RLIMIT_MSGQUEUE           unlimited") || out.contains("(a default queue takes "
                    + MqLimits.accountedBytes(5, 4096) + ")"), out);
            assertFalse(out.contains("asked"), out);
        }
        assertTrue(queues.stream().noneMatch(PosixMessageQueue::exists), "the queues were in the child's IPC namespace");
    }

    /** {@code mq create/info/unlink} take a queue in every form send and recv take: /NAME, NAME, mq:/NAME, mq:NAME. */
    @Test
    void mqCommandsTakeTheNameFormsOfSendAndRecv() {
        String name = queue(); // "/jipc-test-cli-..."
        String bare = name.substring(1);
        CliRun created = jipc("mq", "create", bare);
        assertEquals(0, created.exit(), created.err());
        assertEquals(0, jipc("send", "mq:" + bare, "--no-create", "hello").exit());
        CliRun info = jipc("mq", "info", "mq:" + name);
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().startsWith(name + "\n") && info.out().contains("messages now:  1"), info.out());
        assertEquals(0, jipc("mq", "info", "mq:" + bare).exit());
        CliRun bad = jipc("mq", "info", "mq:/a/b");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().startsWith("invalid POSIX message queue name '/a/b'"), bad.err());
        assertEquals(0, jipc("mq", "unlink", "mq:" + bare).exit());
        CliRun gone = jipc("mq", "unlink", bare);
        assertEquals(new CliRun(1, "", "jipc mq unlink: no POSIX message queue " + name + "\n"), gone);
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "mq:/a/b", "pipe:/x", "mailbox:../x", "mq:/x?maxmsg=3"})
    void aBadUriIsAUsageError(String uri) {
        CliRun run = jipc("send", uri, "x");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("Usage: jipc send"), run.err());
        if (!uri.contains(":") || uri.startsWith("pipe:")) { // no kind, or an unknown one: the known ones are listed
            assertTrue(run.err().contains("known: mailbox:orders, unbounded:orders, mq:/orders"), run.err());
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        String uri = "mq:" + queue();
        assertEquals(2, jipc("recv", uri, "--nonblock", "--timeout", "1s").exit());
        assertEquals(2, jipc("recv", uri, "--timeout", "soon").exit());
        assertEquals(2, jipc("recv", uri, "--count", "-1").exit());
        assertEquals(2, jipc("send", uri, "--priority", "32768", "x").exit());
        PosixMessageQueue.unlink(uri.substring(3));
    }

    @Test
    void aUsageErrorCreatesNothing() {
        String queue = queue();
        List<List<String>> refused = List.of(
                List.of("send", "mailbox:u1", "--priority", "1", "x"),
                List.of("send", "mq:" + queue, "--priority", "40000", "x"),
                List.of("send", "unbounded:u2", "--priority", "1", "x"),
                List.of("recv", "mq:" + queue, "--max-bytes", "3"),
                List.of("recv", "unbounded:u2", "--max-bytes", "3", "--nonblock"));
        for (List<String> args : refused) {
            CliRun run = jipc(args.toArray(String[]::new));
            assertEquals(2, run.exit(), args + ": " + run.err());
        }
        assertFalse(Mailbox.exists("u1"));
        assertFalse(PosixMessageQueue.exists(queue));
        assertFalse(UnboundedMailbox.exists("u2"));
        CliRun missing = jipc("send", "mailbox:u1", "--priority", "1", "x");
        assertTrue(missing.err().startsWith("no mailbox 'u1', and one made with default attributes has no priorities "
                + "(asked for 1)"), missing.err());
    }

    @Test
    void recvInAnotherProcessGetsWhatSendSendsHere() {
        String name = queue();
        try (ChildJvm receiver = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args("recv", "mq:" + name, "--count", "2", "--show-priority").start()) {
            // the receiver creates the queue if it comes first; either order works
            assertEquals(0, jipc("send", "mq:" + name, "--priority", "1", "first").exit());
            assertEquals(0, jipc("send", "mq:" + name, "--priority", "2", "second").exit());
            receiver.assertSuccess(Duration.ofSeconds(90));
            String out = receiver.output();
            assertTrue(out.contains("1\tfirst\n") && out.contains("2\tsecond\n"), out);
        } finally {
            PosixMessageQueue.unlink(name);
        }
    }
}
