package io.jipc.mailbox;

import io.jipc.InsecureFileException;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parts of the mailbox contract that are about processes, with real child JVMs: the receiver
 * role and the single-sender lease belong to one process at a time and pass on when it ends (even
 * by {@code SIGKILL}); a mailbox outlives the process that made it; handles of one process share
 * its roles; permissions are checked on open; blocked calls wake across processes.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MailboxProcessTest {
    private static final Duration CHILD = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofSeconds(30);
    private static int counter;

    private final Set<String> names = new LinkedHashSet<>();
    private final List<Mailbox> handles = new ArrayList<>();

    private String newName() {
        String name = "process-" + ++counter;
        names.add(name);
        return name;
    }

    private Mailbox track(Mailbox mailbox) {
        handles.add(mailbox);
        names.add(mailbox.name());
        return mailbox;
    }

    @AfterEach
    void closeAndDestroyEverything() {
        handles.forEach(Mailbox::close);
        names.forEach(Mailbox::destroy);
    }

    private static ChildJvm start(Class<?> main, String... args) {
        return ChildJvm.builder(main).args(args).quickStart().hardTimeout(Duration.ofSeconds(60)).start();
    }

    private static byte[] text(String s) {
        return s.getBytes(UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, UTF_8);
    }

    /** Tells a child waiting on its standard input to go on. */
    private static void proceed(ChildJvm child) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write('\n');
        in.flush();
    }

    /** How a child process ends. */
    enum Ending {
        /** It closes its handles and exits normally. */
        EXITS,
        /** It is killed with SIGKILL, holding its roles. */
        KILLED;

        void end(ChildJvm child) throws IOException {
            if (this == EXITS) {
                proceed(child);
                child.assertSuccess(CHILD);
            } else {
                child.kill();
            }
        }
    }

    // ================================================================== child mains

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Waits for a line on standard input (or its end). */
    private static void awaitParent() throws IOException {
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }

    /** Takes one message (becoming the receiver), says so, then holds the role until told to go. */
    public static final class TakeOneAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                say("TOOK " + text(mailbox.take()));
                awaitParent();
            }
        }
    }

    /** Sends {@code count} messages {@code <prefix><i>}, says so, then holds the sender lease until told to go. */
    public static final class SendAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                int count = Integer.parseInt(args[1]);
                for (int i = 0; i < count; i++) {
                    mailbox.put(text(args[2] + i));
                }
                say("SENT " + count);
                awaitParent();
            }
        }
    }

    /** Tries once to send; says BUSY with the holder's pid, or SENT. */
    public static final class TrySend {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                mailbox.put(text(args[1]));
                say("SENT");
            } catch (MailboxBusyException e) {
                say("BUSY " + e.holderPid());
            } catch (InterruptedException e) {
                say("INTERRUPTED");
            }
        }
    }

    /** Tries to receive until it gets a message; says BUSY (once) with the holder's pid, then TOOK. */
    public static final class ReceiveWhenFree {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                boolean told = false;
                while (true) {
                    try {
                        byte[] message = mailbox.poll(Duration.ofMillis(10));
                        if (message != null) {
                            say("TOOK " + text(message));
                            return;
                        }
                    } catch (MailboxBusyException e) {
                        if (!told) {
                            say("BUSY " + e.holderPid());
                            told = true;
                        }
                        Thread.sleep(10);
                    }
                }
            }
        }
    }

    /** Creates a mailbox, sends messages of the given sizes, says its id, then closes it or halts. */
    public static final class CreateSendAndLeave {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            Mailbox mailbox = Mailbox.create(args[0], MailboxOptions.builder().capacityBytes(16384).maxMessageSize(2000)
                    .build());
            for (int i = 2; i < args.length; i++) {
                int size = Integer.parseInt(args[i]);
                if (!mailbox.offer(MailboxContractTest.message(size, i))) {
                    throw new AssertionError("full");
                }
            }
            say("ID " + mailbox.id());
            if (args[1].equals("close")) {
                mailbox.close();
                System.exit(0);
            }
            Runtime.getRuntime().halt(0); // no clean-up at all, like a crash
        }
    }

    /** For each pair of mailbox names: receives {@code rounds} messages on the first, echoes each on the second. */
    public static final class Echo {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            int rounds = Integer.parseInt(args[0]);
            for (int i = 1; i + 1 < args.length; i += 2) {
                try (Mailbox in = Mailbox.open(args[i]); Mailbox out = Mailbox.open(args[i + 1])) {
                    say("READY " + args[i]);
                    for (int r = 0; r < rounds; r++) {
                        out.put(in.take());
                    }
                }
            }
            say("DONE");
        }
    }

    // ================================================================== receiver role

    @ParameterizedTest(name = "the receiver {0}")
    @EnumSource(Ending.class)
    void theReceiverRoleBelongsToOneProcessAndPassesOnWhenItEnds(Ending ending) throws Exception {
        Mailbox mailbox = track(Mailbox.create(newName(), MailboxOptions.builder().capacityBytes(8192)
                .maxMessageSize(100).build()));
        mailbox.put(text("first"));
        ChildJvm child = start(TakeOneAndHold.class, mailbox.name());
        child.awaitLine("TOOK first", CHILD);
        mailbox.put(text("second"));
        mailbox.put(text("third"));

        // while the child lives, this process may send but not receive, with any verb
        List<Verb> receives = List.of(Mailbox::poll, Mailbox::take, m -> m.poll(LONG), m -> m.drain(s -> { }),
                m -> m.poll(ByteBuffer.allocate(100)), m -> {
                    m.take(s -> { });
                    return null;
                });
        for (Verb receive : receives) {
            MailboxBusyException busy = assertThrows(MailboxBusyException.class, () -> receive.call(mailbox));
            assertEquals(child.pid(), busy.holderPid());
            assertTrue(busy.getMessage().contains(Long.toString(child.pid())), busy.getMessage());
        }
        Mailbox another = track(Mailbox.open(mailbox.name()));
        assertThrows(MailboxBusyException.class, another::poll, "every handle of this process is refused");

        ending.end(child);
        // the role passes on, and the messages the child did not take are here
        assertEquals("second", text(mailbox.poll()));
        assertEquals("third", text(another.take()));
        assertNull(mailbox.poll());
        assertEquals(3, mailbox.receivedCount());
    }

    @FunctionalInterface
    interface Verb {
        Object call(Mailbox mailbox) throws Exception;
    }

    @Test
    void handlesOfOneProcessShareItsReceiverRole() throws Exception {
        Mailbox first = track(Mailbox.create(newName(), MailboxOptions.builder().capacityBytes(8192)
                .maxMessageSize(100).build()));
        Mailbox second = track(Mailbox.open(first.name()));
        for (int i = 0; i < 10; i++) {
            first.put(text("m" + i));
        }
        // both handles receive, alternately, in order: no MailboxBusyException between them
        for (int i = 0; i < 10; i++) {
            assertEquals("m" + i, text((i % 2 == 0 ? first : second).poll()));
        }
        // another process is refused, naming this process
        ChildJvm child = start(ReceiveWhenFree.class, first.name());
        String busy = child.awaitLine("BUSY ", CHILD);
        assertEquals(ProcessHandle.current().pid(), Long.parseLong(busy.substring(5)));
        // closing one handle keeps the role (the other still receives); closing the last gives it up
        first.close();
        second.put(text("still mine"));
        assertEquals("still mine", text(second.poll(LONG)));
        second.put(text("for the child"));
        second.close();
        child.awaitLine("TOOK for the child", CHILD);
        child.assertSuccess(CHILD);
    }

    // ================================================================== single-sender lease

    @ParameterizedTest(name = "the first sender {0}")
    @EnumSource(Ending.class)
    void aSingleSenderMailboxTakesOneSendingProcessAtATime(Ending ending) throws Exception {
        Mailbox mailbox = track(Mailbox.create(newName(), MailboxOptions.builder().singleSender(true)
                .capacityBytes(64 * 1024).maxMessageSize(100).build()));
        ChildJvm child = start(SendAndHold.class, mailbox.name(), "100", "child-");
        child.awaitLine("SENT 100", CHILD);

        List<Verb> sends = List.of(m -> m.offer(text("x")), m -> {
            m.put(text("x"));
            return null;
        }, m -> m.offer(text("x"), LONG), m -> m.tryClaim(1), m -> m.claim(1), m -> m.claim(1, LONG));
        for (Verb send : sends) {
            MailboxBusyException busy = assertThrows(MailboxBusyException.class, () -> send.call(mailbox));
            assertEquals(child.pid(), busy.holderPid());
        }
        // receiving is not sending
        for (int i = 0; i < 40; i++) {
            assertEquals("child-" + i, text(mailbox.poll()));
        }

        ending.end(child);
        // the lease passes on; nothing the first sender committed is lost
        assertTrue(mailbox.offer(text("parent-0")));
        mailbox.put(text("parent-1"));
        for (int i = 40; i < 100; i++) {
            assertEquals("child-" + i, text(mailbox.poll()));
        }
        assertEquals("parent-0", text(mailbox.poll()));
        assertEquals("parent-1", text(mailbox.poll()));
        assertNull(mailbox.poll());
    }

    @Test
    void aSecondSendingProcessIsRefusedUntilTheFirstClosesItsLastHandle() throws Exception {
        String name = newName();
        MailboxOptions options = MailboxOptions.builder().singleSender(true).capacityBytes(8192).maxMessageSize(100)
                .build();
        Mailbox first = track(Mailbox.create(name, options));
        Mailbox second = track(Mailbox.open(name));
        first.put(text("a"));
        second.put(text("b")); // the lease is this process's: both handles send

        ChildJvm refused = start(TrySend.class, name, "child");
        String line = refused.awaitLine("BUSY ", CHILD);
        assertEquals(ProcessHandle.current().pid(), Long.parseLong(line.substring(5)));
        refused.assertSuccess(CHILD);

        first.close();
        second.close();
        ChildJvm accepted = start(TrySend.class, name, "child");
        accepted.awaitLine("SENT", CHILD);
        accepted.assertSuccess(CHILD);

        Mailbox receiver = track(Mailbox.open(name));
        assertEquals("a", text(receiver.poll()));
        assertEquals("b", text(receiver.poll()));
        assertEquals("child", text(receiver.poll()));
        assertNull(receiver.poll());
    }

    // ================================================================== persistence

    @ParameterizedTest(name = "the creator {0}")
    @EnumSource(value = Ending.class)
    void aMailboxOutlivesTheProcessThatCreatedIt(Ending ending) throws Exception {
        String name = newName();
        int[] sizes = {0, 1, 17, 2000};
        List<String> args = new ArrayList<>(List.of(name, ending == Ending.EXITS ? "close" : "halt"));
        for (int size : sizes) {
            args.add(Integer.toString(size));
        }
        ChildJvm creator = start(CreateSendAndLeave.class, args.toArray(String[]::new));
        long id = Long.parseLong(creator.awaitLine("ID ", CHILD).substring(3));
        creator.assertSuccess(CHILD);

        assertTrue(Mailbox.exists(name));
        Mailbox mailbox = track(Mailbox.open(name));
        assertEquals(id, mailbox.id());
        assertEquals(2000, mailbox.maxMessageSize());
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(MailboxContractTest.message(sizes[i], i + 2), mailbox.poll(), "message " + i);
        }
        assertNull(mailbox.poll());
        // sending works too (a halted creator held no role of a many-sender mailbox but the receiver's)
        mailbox.put(text("after"));
        assertEquals("after", text(mailbox.take()));

        assertTrue(Mailbox.destroy(name));
        assertFalse(Mailbox.exists(name));
        assertThrows(MailboxNotFoundException.class, () -> track(Mailbox.open(name)));
    }

    // ================================================================== permissions

    @Test
    void aMailboxIsOpenedOnlyWithThePermissionsItWasCreatedWith() throws Exception {
        String shared = newName();
        MailboxOptions groupOptions = MailboxOptions.builder().permissions(0660).capacityBytes(4096).maxMessageSize(100)
                .build();
        Mailbox created = track(Mailbox.create(shared, groupOptions));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(Mailbox.path(shared))));
        InsecureFileException refused = assertThrows(InsecureFileException.class, () -> track(Mailbox.open(shared)));
        assertTrue(refused.getMessage().contains("0660"), refused.getMessage());
        Mailbox opened = track(Mailbox.open(shared, 0660));
        assertEquals(created.id(), opened.id());
        Mailbox viaOpenOrCreate = track(Mailbox.openOrCreate(shared, groupOptions));
        assertEquals(created.id(), viaOpenOrCreate.id());
        created.put(text("hello"));
        assertEquals("hello", text(opened.poll()));

        String own = newName();
        track(Mailbox.create(own, MailboxOptions.builder().capacityBytes(4096).maxMessageSize(100).build()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Mailbox.path(own))));
        assertThrows(InsecureFileException.class, () -> track(Mailbox.open(own, 0660)));
        assertThrows(InsecureFileException.class, () -> track(Mailbox.openOrCreate(own, groupOptions)));
        track(Mailbox.open(own)).close();

        assertThrows(IllegalArgumentException.class, () -> MailboxOptions.builder().permissions(0400));
        assertThrows(IllegalArgumentException.class, () -> MailboxOptions.builder().permissions(01600));
    }

    /**
     * Permissions an opener expects must be permission bits (0 to 0777), as {@code ProcessSemaphore.open}
     * requires: anything else is an IllegalArgumentException before the file is looked at, for a
     * mailbox that exists and one that does not, by name, by id, durable and unbounded. Until
     * 2026-12-07 the value was compared with the file's mode: InsecureFileException "mode 0600,
     * expected 037777777777" for -1, MailboxNotFoundException for a missing mailbox.
     */
    @Test
    void thePermissionsAnOpenerExpectsMustBePermissionBits() throws Exception {
        Mailbox existing = track(Mailbox.create(newName(), MailboxOptions.builder().capacityBytes(4096).build()));
        String unbounded = newName();
        try (UnboundedMailbox u = UnboundedMailbox.create(unbounded)) {
            for (int bad : new int[] {-1, 01000, 04600, 01000000, Integer.MIN_VALUE}) {
                String expected = "permissions must be permission bits (0 to 0777): 0" + Integer.toOctalString(bad);
                for (Executable open : List.<Executable>of(
                        () -> track(Mailbox.open(existing.name(), bad)),
                        () -> track(Mailbox.open("never-made", bad)),
                        () -> track(Mailbox.open(existing.id(), bad)),
                        () -> track(Mailbox.openDurable(Path.of("/tmp/jipc-durable-never-made"), bad)),
                        () -> UnboundedMailbox.open(unbounded, bad).close())) {
                    assertEquals(expected, assertThrows(IllegalArgumentException.class, open).getMessage());
                }
            }
        } finally {
            UnboundedMailbox.destroy(unbounded);
        }
        track(Mailbox.open(existing.name(), 0600)).close(); // the bits it was made with still open it
    }

    // ================================================================== blocking across processes

    @Test
    void blockedCallsWakeUpAcrossProcessesWithEveryConfiguration() throws Exception {
        int rounds = 500;
        List<String> args = new ArrayList<>(List.of(Integer.toString(rounds)));
        List<Mailbox[]> pairs = new ArrayList<>();
        List<MailboxConfig> configs = MailboxConfig.all().toList();
        for (MailboxConfig config : configs) {
            // the smallest ring: about a dozen messages fill it, so puts block as often as takes
            MailboxOptions options = config.options().maxMessageSize(64).capacityBytes(1024).build();
            Mailbox out = track(Mailbox.create(newName(), options));
            Mailbox back = track(Mailbox.create(newName(), options));
            pairs.add(new Mailbox[] {out, back});
            args.add(out.name());
            args.add(back.name());
        }
        ChildJvm echo = start(Echo.class, args.toArray(String[]::new));
        for (int p = 0; p < pairs.size(); p++) {
            Mailbox out = pairs.get(p)[0];
            Mailbox back = pairs.get(p)[1];
            echo.awaitLine("READY " + out.name(), CHILD);
            // a thread of this process sends as fast as it can (blocking in put() when the ring is
            // full, until the child takes), this thread takes the echoes (blocking in take() until
            // the child puts); the child blocks on both sides too
            Async<Void> sender = Async.run(Async.Kind.PLATFORM, "sender", () -> {
                for (int r = 0; r < rounds; r++) {
                    out.put(MailboxContractTest.message(1 + r % 64, r));
                }
            });
            for (int r = 0; r < rounds; r++) {
                assertArrayEquals(MailboxContractTest.message(1 + r % 64, r), back.take(), configs.get(p) + " round " + r);
            }
            sender.get();
        }
        echo.awaitLine("DONE", CHILD);
        echo.assertSuccess(CHILD);
    }
}
