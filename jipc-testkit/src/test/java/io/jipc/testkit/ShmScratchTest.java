package io.jipc.testkit;

import io.jipc.platform.Libc;
import io.jipc.platform.MessageQueues;
import io.jipc.platform.ProcessIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scratch directories and POSIX queues of a test JVM that ends without removing them are removed
 * all the same ({@link ShmScratch}, {@link TestQueues}).
 */
class ShmScratchTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private Path parent;

    /**
     * Creates a scratch directory with a file in it and a queue, prints both and waits to be
     * stopped: {@code SCRATCH <path>}, {@code QUEUE <name>}.
     */
    public static final class Owner {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            Path scratch = ShmScratch.createDirectory("jipc-shmscratch-test");
            Files.writeString(scratch.resolve("object"), "left behind");
            String queue = TestQueues.name("jipc-shmscratch-test");
            MessageQueues.close(MessageQueues.open(queue, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0600, 2, 16), queue);
            System.out.println("SCRATCH " + scratch);
            System.out.println("QUEUE " + queue);
            Thread.sleep(Duration.ofMinutes(5));
        }
    }

    /** What an {@link Owner} made: its scratch directory, its queue and the directory listing the queue. */
    private record Made(Path scratch, String queue, Path queueList) {
        static Made by(ChildJvm owner) throws Exception {
            Path scratch = Path.of(owner.awaitLine("SCRATCH ", PATIENCE).substring("SCRATCH ".length()));
            String queue = owner.awaitLine("QUEUE ", PATIENCE).substring("QUEUE ".length());
            try (var entries = Files.list(ShmScratch.SHM)) {
                Path list = entries.filter(p -> p.getFileName().toString()
                                .startsWith("jipc-test-queues-p" + owner.pid() + "s"))
                        .findFirst().orElseThrow(() -> new AssertionError("no queue list of JVM " + owner.pid()));
                return new Made(scratch, queue, list);
            }
        }
    }

    @BeforeEach
    void createParent() throws Exception {
        parent = Files.createTempDirectory(ShmScratch.SHM, "jipc-shmscratch-sweep-");
    }

    @AfterEach
    void deleteParent() throws Exception {
        JipcTestExtension.deleteRecursively(parent);
    }

    private static boolean exists(String queue) {
        try {
            MessageQueues.close(MessageQueues.open(queue, Libc.O_RDONLY, 0, 0, 0), queue);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void aJvmStoppedBySigtermRemovesItsScratchAndQueuesInItsShutdownHook() throws Exception {
        try (ChildJvm owner = ChildJvm.start(Owner.class)) {
            Made made = Made.by(owner);
            try {
                assertTrue(Files.isRegularFile(made.scratch().resolve("object")));
                assertTrue(exists(made.queue()));
                owner.process().destroy(); // SIGTERM
                assertTrue(owner.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
                assertFalse(Files.exists(made.scratch()), "the shutdown hook left " + made.scratch());
                assertFalse(exists(made.queue()), "the shutdown hook left " + made.queue());
                assertFalse(Files.exists(made.queueList()), "the shutdown hook left " + made.queueList());
            } finally {
                MessageQueues.unlink(made.queue());
            }
        }
    }

    @Test
    void theScratchAndQueuesOfAKilledJvmAreSweptByTheNextOne() throws Exception {
        try (ChildJvm owner = ChildJvm.start(Owner.class)) {
            Made made = Made.by(owner);
            try {
                // swept here, away from other test JVMs' scratch
                Path moved = parent.resolve(made.scratch().getFileName());
                Path movedList = parent.resolve(made.queueList().getFileName());
                assertEquals(0, ShmScratch.sweep(parent));
                Files.move(made.scratch(), moved);
                Files.move(made.queueList(), movedList);
                assertEquals(0, ShmScratch.sweep(parent), "the owner still runs");
                owner.process().destroyForcibly(); // SIGKILL: no hook runs
                assertTrue(owner.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
                assertTrue(Files.isRegularFile(moved.resolve("object")));
                assertTrue(exists(made.queue()), "the queue outlives a killed JVM");

                assertEquals(2, ShmScratch.sweep(parent));
                assertFalse(Files.exists(moved));
                assertFalse(Files.exists(movedList));
                assertFalse(exists(made.queue()), "the sweep left " + made.queue());
            } finally {
                MessageQueues.unlink(made.queue());
            }
        }
    }

    @Test
    void onlyDirectoriesWithAnOwnerThatIsGoneAreSwept() throws Exception {
        ProcessIdentity self = ProcessIdentity.current();
        Path mine = Files.createDirectory(parent.resolve("jipc-x-p" + self.pid() + "s" + self.startTime() + "-0123abcd"));
        Path reusedPid = Files.createDirectory(parent.resolve(
                "jipc-x-p" + self.pid() + "s" + (self.startTime() + 1) + "-0123abcd"));
        Path noOwner = Files.createDirectory(parent.resolve("jipc-test-Old-0123abcd"));
        Path file = Files.createFile(parent.resolve("jipc-x-p" + Integer.MAX_VALUE + "s1-0123abcd"));
        Path link = Files.createSymbolicLink(parent.resolve("jipc-y-p" + Integer.MAX_VALUE + "s1-0123abcd"), noOwner);

        assertEquals(1, ShmScratch.sweep(parent));
        assertFalse(Files.exists(reusedPid), "the pid now names another process");
        assertTrue(Files.isDirectory(mine));
        assertTrue(Files.isDirectory(noOwner));
        assertTrue(Files.isRegularFile(file));
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void aNameIsOneFileName() {
        assertThrows(IllegalArgumentException.class, () -> ShmScratch.name("a/b"));
        assertThrows(IllegalArgumentException.class, () -> ShmScratch.name(""));
        Path named = ShmScratch.name("jipc-shmscratch-name");
        assertEquals(ShmScratch.SHM, named.getParent());
        assertFalse(Files.exists(named), "named, not created");
    }

    @Test
    void queueNamesAreUniqueAndRefuseASlash() {
        String first = TestQueues.name("jipc-testqueues-name");
        String second = TestQueues.name("jipc-testqueues-name");
        assertNotEquals(first, second);
        assertTrue(first.startsWith("/jipc-testqueues-name-p" + ProcessHandle.current().pid() + "s"), first);
        assertThrows(IllegalArgumentException.class, () -> TestQueues.name("a/b"));
        assertFalse(exists(first), "named, not created");
    }
}
