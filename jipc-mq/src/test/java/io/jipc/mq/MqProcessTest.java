package io.jipc.mq;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/** POSIX queues between this JVM and child JVMs: priorities, wake-ups, notification, limits, permissions. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MqProcessTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final int NOBODY = 65534;

    @RegisterExtension
    static final QueueNames NAMES = new QueueNames(MqProcessTest.class);

    private static ChildJvm child(String... args) {
        return ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofMinutes(2)).args(args).start();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(MqMessage m) {
        return m.priority() + ":" + new String(m.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void messagesSentByAnotherProcessComeOutHighestPriorityFirst() throws Exception {
        NAMES.withQueue(MqAttributes.of(8, 64), queue -> {
            String name = queue.name();
            ChildJvm sender = child("send", name, "1:low", "7:urgent", "3:normal", "7:urgent-too", "0:idle");
            sender.awaitLine("SENT 5", LINE);
            sender.assertSuccess(LINE);
            List<String> received = List.of(queue.poll(), queue.poll(), queue.poll(), queue.poll(), queue.poll())
                    .stream().map(MqProcessTest::text).toList();
            assertEquals(List.of("7:urgent", "7:urgent-too", "3:normal", "1:low", "0:idle"), received);
            assertNull(queue.poll());
        });
    }

    @Test
    void aTakeBlockedHereIsWokenByAnotherProcessAndTheOtherWayRound() throws Exception {
        NAMES.withQueue(MqAttributes.of(4, 64), queue -> {
            String name = queue.name();
            CompletableFuture<MqMessage> taken = new CompletableFuture<>();
            Thread taker = Thread.ofPlatform().start(() -> {
                try {
                    taken.complete(queue.take());
                } catch (Throwable t) {
                    taken.completeExceptionally(t);
                }
            });
            child("send", name, "2:from-child").assertSuccess(LINE);
            assertEquals("2:from-child", text(taken.get(LINE.toSeconds(), TimeUnit.SECONDS)));
            taker.join();

            ChildJvm receiver = child("recv", name, "2");
            receiver.awaitLine("RECEIVING", LINE);
            queue.put(bytes("first"), 1);
            queue.put(bytes("second"), 1);
            assertEquals("RECEIVED 1 first", receiver.awaitLine("RECEIVED", LINE));
            assertEquals("RECEIVED 1 second", receiver.awaitLine("RECEIVED", LINE));
            receiver.assertSuccess(LINE);
        });
    }

    @Test
    void aListenerHearsOfMessagesFromAnotherProcess() throws Exception {
        NAMES.withQueue(MqAttributes.of(4, 64), queue -> {
            String name = queue.name();
            BlockingQueue<String> heard = new LinkedBlockingQueue<>();
            try (MqSubscription ignored = queue.subscribe(m -> heard.add(text(m)))) {
                child("send", name, "5:one", "9:two", "5:three").assertSuccess(LINE);
                List<String> got = List.of(poll(heard), poll(heard), poll(heard));
                // the listener may run between the sends: each message once, and "one" before "three"
                assertEquals(3, got.stream().distinct().count(), got.toString());
                assertTrue(got.containsAll(List.of("5:one", "9:two", "5:three")), got.toString());
                assertTrue(got.indexOf("5:one") < got.indexOf("5:three"), got.toString());
            }
        });
    }

    @Test
    void aReceiverKilledWhileBlockedLeavesTheQueueUntouched() throws Exception {
        NAMES.withQueue(MqAttributes.of(4, 64), queue -> {
            String name = queue.name();
            ChildJvm receiver = child("recv", name, "1");
            receiver.awaitLine("RECEIVING", LINE);
            Thread.sleep(200); // let it block
            receiver.kill();
            assertTrue(queue.offer(bytes("kept"), 4));
            assertEquals("4:kept", text(queue.poll()));
        });
    }

    @Test
    void aQueueBeyondTheUsersRlimitMsgqueueIsRefusedWithBothFigures() {
        String name = NAMES.next();
        ChildJvm creator = ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .wrapper("/bin/bash", "-c", "ulimit -q 20000 && exec \"$@\"", "bash")
                .args("create", name, "10", "4096").start();
        creator.assertSuccess(LINE);
        long needs = MqLimits.accountedBytes(10, 4096);
        String output = creator.output();
        assertTrue(output.contains("FAILED io.jipc.mq.MqLimitException cannot create POSIX message queue " + name
                + ": this queue alone needs " + needs + " bytes, more than RLIMIT_MSGQUEUE = 20000 bytes"), output);
        assertTrue(!PosixMessageQueue.unlink(name), "the refused queue exists");
    }

    /**
     * Out of descriptors, {@code mq_open} fails with {@code EMFILE}, and so does the reading of the
     * limits that would explain a refusal: the {@code EMFILE} is the error, the unreadable limits only
     * suppressed in it. (Until 2026-12-06 the error was an {@code UncheckedIOException} "cannot read the
     * POSIX message queue limits", and the {@code EMFILE} was lost.)
     */
    @Test
    void aCreateOutOfDescriptorsFailsWithItsEmfileNotWithTheUnreadableLimits() {
        String warm = NAMES.next();
        String name = NAMES.next();
        ChildJvm child = ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .wrapper("/bin/bash", "-c", "ulimit -n 256 && exec \"$@\"", "bash")
                .args("emfile", warm, name).start();
        child.assertSuccess(LINE);
        String output = child.output();
        assertTrue(output.contains("OUT-OF-DESCRIPTORS"), output);
        assertTrue(output.contains("\nREFUSED io.jipc.ErrnoException EMFILE (Too many open files) from mq_open of " + name
                + " errno=EMFILE\nSUPPRESSED java.io.UncheckedIOException cannot read the POSIX message queue limits\n"),
                output);
        assertTrue(!PosixMessageQueue.unlink(name), "the refused queue exists");
    }

    /**
     * Root of a user namespace has every capability there, {@code CAP_SYS_RESOURCE} too, but the kernel
     * checks that one in the initial user namespace ({@code capable()}), so it is held to
     * {@code msg_max}, {@code msgsize_max} and {@code queues_max}; each refusal names its limit.
     * In an IPC namespace of its own (limits 4 messages, 128 bytes, 1 queue), so that nothing touches
     * the host's queues. (Until 2026-12-06 {@link MqLimits} took the capability of the process's own
     * namespace for the kernel's, saw nothing exceeded and let the bare {@code EINVAL} or
     * {@code ENOSPC} through.)
     */
    @Test
    void rootOfAUserNamespaceIsHeldToTheLimitsAndEachRefusalNamesItsLimit() throws Exception {
        cannotUnshareUserAndIpc().ifPresent(reason -> abort("cannot test a user namespace: " + reason));
        String manyMessages = NAMES.next();
        String longMessages = NAMES.next();
        String first = NAMES.next();
        String second = NAMES.next();
        ChildJvm child = ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .wrapper(UNSHARE, "-U", "-r", "-i", "--", "/bin/sh", "-c", "echo 4 > /proc/sys/fs/mqueue/msg_max"
                        + " && echo 128 > /proc/sys/fs/mqueue/msgsize_max && echo 1 > /proc/sys/fs/mqueue/queues_max"
                        + " && exec \"$@\"", "sh")
                .args("limits", ";", "create", manyMessages, "5", "16", ";", "create", longMessages, "4", "129", ";",
                        "create", first, "1", "16", ";", "create", second, "1", "16", ";", "unlink", first)
                .start();
        child.assertSuccess(LINE);
        List<String> lines = child.output().lines().filter(l -> !l.startsWith("WARNING")).toList();
        String prefix = "FAILED io.jipc.mq.MqLimitException cannot create POSIX message queue ";
        assertEquals(List.of("LIMITS msg_max=4 msgsize_max=128 queues_max=1 privileged=false",
                prefix + manyMessages + ": 5 messages asked, more than fs.mqueue.msg_max = 4 (/proc/sys/fs/mqueue/msg_max;"
                        + " a process with CAP_SYS_RESOURCE in the initial user namespace may ask up to 65536)",
                prefix + longMessages + ": messages of 129 bytes asked, more than fs.mqueue.msgsize_max = 128"
                        + " (/proc/sys/fs/mqueue/msgsize_max; a process with CAP_SYS_RESOURCE in the initial user"
                        + " namespace may ask up to 16777216)",
                "CREATED",
                prefix + second + ": fs.mqueue.queues_max = 1 queues exist already (/proc/sys/fs/mqueue/queues_max)",
                "UNLINKED true"), lines, child.output());
        assertTrue(!PosixMessageQueue.exists(first), "the child's queue was in its own IPC namespace");
    }

    /**
     * Where {@code msg_max} and {@code msgsize_max} are below {@code msg_default} and
     * {@code msgsize_default} (10 and 8192 in a new IPC namespace; here 5 and 4096), the kernel gives
     * a queue created without attributes the maxima, and {@link MqAttributes#kernelDefaults()} says
     * so: a queue created with them is created, 5 × 4096. (Until 2026-12-06 it returned the raw
     * defaults: the creation failed with "10 messages asked, more than fs.mqueue.msg_max = 5", or,
     * with {@code CAP_SYS_RESOURCE}, made a queue larger than a default one.)
     */
    @Test
    void theKernelDefaultsAreCappedAtTheMaximaAsTheKernelCapsThem() throws Exception {
        cannotUnshareUserAndIpc().ifPresent(reason -> abort("cannot test an IPC namespace of its own: " + reason));
        String name = NAMES.next();
        ChildJvm child = ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .wrapper(UNSHARE, "-U", "-r", "-i", "--", "/bin/sh", "-c", "echo 5 > /proc/sys/fs/mqueue/msg_max"
                        + " && echo 4096 > /proc/sys/fs/mqueue/msgsize_max && exec \"$@\"", "sh")
                .args("default", name, ";", "exists", name)
                .start();
        child.assertSuccess(LINE);
        List<String> lines = child.output().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(List.of("DEFAULT max=5 size=4096", "EXISTS false"), lines, child.output());
    }

    /**
     * Messages longer than the per-thread buffer (64 KiB) go through the handle's spare buffer, or a
     * buffer of their own while another call has it: eight threads on one handle (four put, four take)
     * move messages of up to 150,000 bytes without one corrupt (a queue of four: the user's
     * {@code RLIMIT_MSGQUEUE}, 800 KiB, bounds it). In a child in an IPC namespace of its
     * own, whose {@code msgsize_max} it raises (the host's is 8192).
     */
    @Test
    void manyThreadsOnOneHandleMoveMessagesLongerThanTheThreadsBuffersIntact() throws Exception {
        cannotUnshareUserAndIpc().ifPresent(reason -> abort("cannot test an IPC namespace of its own: " + reason));
        ChildJvm child = ChildJvm.builder(MqChild.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .wrapper(UNSHARE, "-U", "-r", "-i", "--", "/bin/sh", "-c",
                        "echo 1048576 > /proc/sys/fs/mqueue/msgsize_max && exec \"$@\"", "sh")
                .args("large", NAMES.next(), "150000", "4", "300")
                .start();
        child.assertSuccess(Duration.ofMinutes(1));
        List<String> lines = child.output().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(List.of("LARGE received=1200 corrupt=0"), lines, child.output());
    }

    private static final String UNSHARE = "/usr/bin/unshare";

    /**
     * Why a child cannot run as root of a new user namespace with a new IPC namespace whose mqueue
     * limits it sets ({@code unshare -U -r -i}), or empty if it can.
     */
    private static Optional<String> cannotUnshareUserAndIpc() throws Exception {
        if (!Files.isExecutable(Path.of(UNSHARE))) {
            return Optional.of(UNSHARE + " (util-linux) is missing");
        }
        Process probe = new ProcessBuilder(UNSHARE, "-U", "-r", "-i", "--", "/bin/sh", "-c",
                "echo 1 > /proc/sys/fs/mqueue/queues_max").redirectErrorStream(true).start();
        if (!probe.waitFor(LINE.toSeconds(), TimeUnit.SECONDS)) {
            probe.destroyForcibly();
            return Optional.of("unshare -U -r -i did not end within " + LINE);
        }
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return probe.exitValue() == 0 ? Optional.empty()
                : Optional.of("unshare -U -r -i (setting fs.mqueue.queues_max there) failed with exit "
                        + probe.exitValue() + ": " + output + " (user namespaces disabled or not permitted?)");
    }

    @Test
    void anotherUserMayUseAQueueOnlyAsItsPermissionsSay() throws Exception {
        ChildJvm.cannotRunAsOtherUser().ifPresent(reason -> abort("cannot test another user: " + reason));
        String closed = NAMES.next();
        String dropBox = NAMES.next();
        try (PosixMessageQueue mine = PosixMessageQueue.create(closed, MqAttributes.of(2, 32), 0600);
             PosixMessageQueue open = PosixMessageQueue.create(dropBox, MqAttributes.of(2, 32), 0622)) {
            ChildJvm other = ChildJvm.builder(MqChild.class).asUser(NOBODY, NOBODY).quickStart()
                    .jvmArg("-XX:-UsePerfData").hardTimeout(Duration.ofMinutes(2))
                    .args("hello", ";", "send", closed, "1:intruder", ";", "send", dropBox, "6:letter", ";",
                            "recv", dropBox, "1", ";", "create", NAMES.next(), "11", "32", ";", "exists", closed)
                    .start();
            int exit = other.waitFor(LINE);
            String output = other.output();
            if (!output.contains("HELLO uid=" + NOBODY)) {
                abort("a JVM running as uid " + NOBODY + " could not run the test classes (class path or JDK not "
                        + "readable by that user?), exit " + exit + ":\n" + output);
            }
            List<String> results = output.lines().filter(l -> l.startsWith("SENT") || l.startsWith("FAILED")).toList();
            assertEquals(4, results.size(), output);
            assertTrue(results.get(0).startsWith("FAILED io.jipc.ErrnoException EACCES (Permission denied) from mq_open of "
                    + closed), output);
            assertEquals("SENT 1", results.get(1), output);
            assertTrue(results.get(2).startsWith("FAILED io.jipc.ErrnoException EACCES"), "0622: others may not receive\n"
                    + output);
            // and an unprivileged process is held to fs.mqueue.msg_max
            MqLimits limits = MqLimits.current();
            assertTrue(limits.maxMessages() >= 11 || results.get(3).contains("11 messages asked, more than "
                    + "fs.mqueue.msg_max = " + limits.maxMessages()), output);
            assertTrue(output.contains("EXISTS true"), "a queue exists even for a user who may not open it\n" + output);
            assertEquals("6:letter", text(open.poll()));
            assertNull(mine.poll());
        } finally {
            PosixMessageQueue.unlink(closed);
            PosixMessageQueue.unlink(dropBox);
        }
    }

    private static String poll(BlockingQueue<String> queue) throws InterruptedException {
        String s = queue.poll(LINE.toSeconds(), TimeUnit.SECONDS);
        assertTrue(s != null, "no message within " + LINE);
        return s;
    }
}
