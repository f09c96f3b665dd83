package io.jipc.testkit;

import io.jipc.platform.Libc;
import io.jipc.platform.MessageQueues;
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

/** POSIX queues named through the test kit are unlinked even when the test JVM that made them does not get to. */
class TestQueuesTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private Path parent;

    /** Names and creates a queue, prints its name and its JVM's scratch directory, and waits to be stopped. */
    public static final class Owner {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            String name = TestQueues.name("jipc-testqueues-test");
            MessageQueues.close(MessageQueues.open(name, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0600, 2, 16), name);
            System.out.println("QUEUE " + name);
            Thread.sleep(Duration.ofMinutes(5));
        }
    }

    @BeforeEach
    void createParent() throws Exception {
        parent = Files.createTempDirectory(ShmScratch.SHM, "jipc-testqueues-sweep-");
    }

    @AfterEach
    void deleteParent() throws Exception {
        JipcTestExtension.deleteRecursively(parent);
    }

    private static boolean exists(String name) {
        try {
            MessageQueues.close(MessageQueues.open(name, Libc.O_RDONLY, 0, 0, 0), name);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The scratch directory of the JVM with {@code pid} that holds the queue list. */
    private static Path listOf(long pid) throws Exception {
        try (var entries = Files.list(ShmScratch.SHM)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("jipc-test-queues-p" + pid + "s"))
                    .findFirst().orElseThrow(() -> new AssertionError("no queue list of JVM " + pid));
        }
    }

    @Test
    void aJvmStoppedBySigtermUnlinksItsQueues() throws Exception {
        try (ChildJvm owner = ChildJvm.start(Owner.class)) {
            String queue = owner.awaitLine("QUEUE ", PATIENCE).substring("QUEUE ".length());
            try {
                assertTrue(exists(queue));
                Path list = listOf(owner.pid());
                owner.process().destroy(); // SIGTERM
                assertTrue(owner.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
                assertFalse(exists(queue), "the shutdown hook left " + queue);
                assertFalse(Files.exists(list), "the shutdown hook left " + list);
            } finally {
                MessageQueues.unlink(queue);
            }
        }
    }

    @Test
    void theQueuesOfAKilledJvmAreUnlinkedByTheSweep() throws Exception {
        try (ChildJvm owner = ChildJvm.start(Owner.class)) {
            String queue = owner.awaitLine("QUEUE ", PATIENCE).substring("QUEUE ".length());
            try {
                Path list = listOf(owner.pid());
                Path moved = parent.resolve(list.getFileName()); // swept here, away from other JVMs' scratch
                Files.move(list, moved);
                owner.process().destroyForcibly(); // SIGKILL: no hook runs
                assertTrue(owner.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
                assertTrue(exists(queue), "the queue outlives a killed JVM");

                assertEquals(1, ShmScratch.sweep(parent));
                assertFalse(exists(queue), "the sweep left " + queue);
                assertFalse(Files.exists(moved));
            } finally {
                MessageQueues.unlink(queue);
            }
        }
    }

    @Test
    void namesAreUniqueAndRefuseASlash() {
        String first = TestQueues.name("jipc-testqueues-name");
        String second = TestQueues.name("jipc-testqueues-name");
        assertNotEquals(first, second);
        assertTrue(first.startsWith("/jipc-testqueues-name-p" + ProcessHandle.current().pid() + "s"), first);
        assertThrows(IllegalArgumentException.class, () -> TestQueues.name("a/b"));
        assertFalse(exists(first), "named, not created");
    }
}
