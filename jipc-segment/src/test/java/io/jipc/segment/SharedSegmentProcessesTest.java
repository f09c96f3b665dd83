package io.jipc.segment;

import io.jipc.CorruptSegmentException;
import io.jipc.platform.Errno;
import io.jipc.platform.Futex;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ShmScratch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jipc.segment.SegmentHeaderDescriptor.LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Segments between real processes: a child JVM ({@link SegmentChild}) creates, opens, waits or
 * wakes on the other side.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedSegmentProcessesTest {
    private static final long MAGIC = SegmentChild.MAGIC;
    private static final Duration LINE = Duration.ofSeconds(20);
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int NOBODY = 65534;

    private Path path;

    @BeforeEach
    void paths() {
        path = JipcRoot.directory("segment").resolve("s-" + UUID.randomUUID());
    }

    @AfterEach
    void removeSegment() {
        SharedSegment.unlink(path);
    }

    private static ChildJvm child(String... args) {
        return ChildJvm.builder(SegmentChild.class).quickStart().hardTimeout(Duration.ofSeconds(40)).args(args).start();
    }

    private SharedSegment createPublished() {
        SharedSegment segment = SharedSegment.create(path, MAGIC, 4096, 0600);
        segment.publish(1, 0);
        return segment;
    }

    @Test
    void aChildJvmSeesTheSameJipcRoot(Path root) {
        ChildJvm child = child("root");
        assertEquals("ROOT " + root, child.awaitLine("ROOT", LINE));
        child.assertSuccess(LINE);
    }

    @Test
    void anOpenerThatStartsBeforeTheCreatorPublishesWaitsAndThenSucceeds() throws Exception {
        ChildJvm creator = child("create", path.toString(), "600", "stdin");
        long creatorPid = Long.parseLong(creator.awaitLine("CREATED", LINE).split(" ")[1]);
        CompletableFuture<SharedSegment> opener = CompletableFuture.supplyAsync(
                () -> SharedSegment.open(path, MAGIC, 1, 0600, Duration.ofSeconds(30)),
                r -> Thread.ofPlatform().start(r));
        Thread.sleep(200);
        assertFalse(opener.isDone(), () -> "the opener did not wait for the creator: "
                + opener.handle((s, t) -> String.valueOf(t)).join());
        try (OutputStream stdin = creator.process().getOutputStream()) {
            stdin.write("publish\n".getBytes(StandardCharsets.US_ASCII));
        }
        try (SharedSegment segment = opener.get(30, TimeUnit.SECONDS)) {
            assertEquals(SegmentHeaderDescriptor.version(1, 3), segment.version());
            assertEquals(creatorPid, segment.creatorPid());
            assertEquals(creatorPid, creator.pid());
        }
        creator.awaitLine("PUBLISHED", LINE);
        creator.assertSuccess(LINE);
    }

    @Test
    void aSegmentWhoseCreatorDiedBeforePublishingIsRefusedSayingTheCreatorIsDead() {
        ChildJvm creator = child("create", path.toString(), "600", "never");
        creator.awaitLine("CREATED", LINE);
        creator.assertSuccess(LINE); // exited and reaped, without publishing
        CorruptSegmentException e = assertThrows(CorruptSegmentException.class,
                () -> SharedSegment.open(path, MAGIC, 1, 0600, Duration.ofMillis(100)));
        assertTrue(e.getMessage().contains("never made ready by its creator pid " + creator.pid() + " (dead)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("remove the file"), e.getMessage());
    }

    @Test
    void anotherUserCannotOpenAPrivateSegment() throws IOException {
        ChildJvm.cannotRunAsOtherUser().ifPresent(reason -> abort("cannot test another user: " + reason));
        // a directory the other user may traverse but not list, so that only the files' modes decide
        Path shared = ShmScratch.createDirectory("jipc-other-user");
        try {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwx--x--x"));
            Path mine = shared.resolve("private");
            Path open = shared.resolve("open-to-others");
            try (SharedSegment a = SharedSegment.create(mine, MAGIC, 4096, 0600);
                 SharedSegment b = SharedSegment.create(open, MAGIC, 4096, 0606)) {
                a.publish(1, 0);
                b.publish(1, 0);
            }
            ChildJvm other = ChildJvm.builder(SegmentChild.class).asUser(NOBODY, NOBODY).quickStart()
                    .jvmArg("-XX:-UsePerfData") // no /tmp/hsperfdata_<user> left behind
                    .hardTimeout(Duration.ofSeconds(40))
                    .args("hello", ";", "stat", mine.toString(), ";", "open", mine.toString(), "600",
                            open.toString(), "606")
                    .start();
            int exit = other.waitFor(LINE);
            String output = other.output();
            if (!output.contains("HELLO uid=" + NOBODY)) {
                abort("a JVM running as uid " + NOBODY + " could not run the test classes (class path or JDK "
                        + "not readable by that user?), exit " + exit + ":\n" + output);
            }
            assertEquals(0, exit, output);
            List<String> lines = output.lines().filter(l -> l.startsWith("STAT") || l.startsWith("FAILED")
                    || l.startsWith("OPENED")).toList();
            assertEquals(3, lines.size(), output);
            // the other user sees the file (the directory lets it through), owned by us with mode 0600 ...
            assertEquals("STAT uid=" + Libc.geteuid() + " mode=0600", lines.get(0), output);
            // ... but the kernel refuses to open it
            assertTrue(lines.get(1).startsWith("FAILED io.jipc.ErrnoException EACCES EACCES (Permission denied) from open of "
                    + mine), output);
            // control: where the mode lets it open the file, jipc still refuses a foreign owner
            assertTrue(lines.get(2).startsWith("FAILED io.jipc.InsecureFileException - refusing " + open
                    + ": owned by uid " + Libc.geteuid() + ", not by this user (uid " + NOBODY + ")"), output);
        } finally {
            ShmScratch.delete(shared);
        }
    }

    // ---------------------------------------------------------------- futex across processes

    @Test
    void aWakeFromAnotherProcessReleasesAWaiterInThisProcess() throws Exception {
        try (SharedSegment segment = createPublished()) {
            long word = segment.memory().address() + LENGTH;
            AtomicInteger result = new AtomicInteger(Integer.MIN_VALUE);
            Thread waiter = Thread.ofPlatform().start(() -> {
                int rc;
                do {
                    rc = Libc.futexWait(word, 0, -1); // untimed: only a wake ends it
                } while (rc == Errno.EINTR);
                result.set(rc);
            });
            ChildJvm waker = child("wake", path.toString(), Long.toString(LENGTH));
            assertEquals("WOKE 1", waker.awaitLine("WOKE", LINE));
            waker.assertSuccess(LINE);
            waiter.join();
            assertEquals(Libc.FUTEX_WOKEN, result.get());
            assertEquals(0, segment.memory().get(ValueLayout.JAVA_INT, LENGTH), "the word never changed");
        }
    }

    @Test
    void aWakeFromThisProcessReleasesAWaiterInAnotherProcess() {
        try (SharedSegment segment = createPublished()) {
            long word = segment.memory().address() + LENGTH + 4;
            ChildJvm waiter = child("wait", path.toString(), Long.toString(LENGTH + 4));
            waiter.awaitLine("WAITING", LINE);
            int woken;
            while ((woken = Libc.futexWake(word, 1)) == 0) {
                sleepBriefly();
            }
            assertEquals(1, woken);
            assertEquals("RESULT " + Libc.FUTEX_WOKEN, waiter.awaitLine("RESULT", LINE));
            waiter.assertSuccess(LINE);
        }
    }

    @Test
    void futexAwaitOnAVirtualThreadOfAnotherProcessIsReleasedByAStoreAndWakeAll() {
        try (SharedSegment segment = createPublished()) {
            long offset = LENGTH + 64;
            ChildJvm waiter = child("await", path.toString(), Long.toString(offset));
            waiter.awaitLine("WAITING", LINE);
            sleepBriefly(); // most likely asleep by now; if not, it sees the new value without sleeping
            INT.setVolatile(segment.memory(), offset, 42);
            Futex.wakeAll(segment.memory().address() + offset);
            assertEquals("RELEASED 42", waiter.awaitLine("RELEASED", LINE));
            waiter.assertSuccess(LINE);
        }
    }

    @Test
    void theCreatorIdentityInTheHeaderIsTheLiveChildUntilItExits() throws Exception {
        ChildJvm creator = child("create", path.toString(), "600", "stdin");
        creator.awaitLine("CREATED", LINE);
        // not yet published: refused, naming the creator alive
        CorruptSegmentException notReady = assertThrows(CorruptSegmentException.class,
                () -> SharedSegment.open(path, MAGIC, 1, 0600, Duration.ZERO));
        assertTrue(notReady.getMessage().contains("creator pid " + creator.pid() + " (alive)"), notReady.getMessage());
        try (OutputStream stdin = creator.process().getOutputStream()) {
            stdin.write("publish\n".getBytes(StandardCharsets.US_ASCII));
        }
        creator.assertSuccess(LINE);
        try (SharedSegment segment = SharedSegment.open(path, MAGIC, 1, 0600, Duration.ZERO)) {
            ProcessIdentity identity = segment.creator();
            assertEquals(creator.pid(), identity.pid());
            assertFalse(identity.isAlive(), "the creator has exited");
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
