package io.jipc.testkit;

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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scratch directories of a test JVM that ends without deleting them are deleted all the same. */
class ShmScratchTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private Path parent;

    /** Creates a scratch directory with a file in it, prints its path and waits to be stopped. */
    public static final class Owner {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            Path scratch = ShmScratch.createDirectory("jipc-shmscratch-test");
            Files.writeString(scratch.resolve("object"), "left behind");
            System.out.println("SCRATCH " + scratch);
            Thread.sleep(Duration.ofMinutes(5));
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

    @Test
    void aJvmStoppedBySigtermDeletesItsScratchInItsShutdownHook() throws Exception {
        try (ChildJvm owner = ChildJvm.start(Owner.class)) {
            Path scratch = Path.of(owner.awaitLine("SCRATCH ", PATIENCE).substring("SCRATCH ".length()));
            assertTrue(Files.isRegularFile(scratch.resolve("object")));
            owner.process().destroy(); // SIGTERM
            assertTrue(owner.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            assertFalse(Files.exists(scratch), "the shutdown hook left " + scratch);
        }
    }

    @Test
    void theScratchOfAKilledJvmIsSweptByTheNextOne() throws Exception {
        try (ChildJvm owner = ChildJvm.start(Owner.class)) {
            Path scratch = Path.of(owner.awaitLine("SCRATCH ", PATIENCE).substring("SCRATCH ".length()));
            Path moved = parent.resolve(scratch.getFileName()); // swept here, away from other test JVMs' scratch
            assertEquals(0, ShmScratch.sweep(parent));
            Files.move(scratch, moved);
            assertEquals(0, ShmScratch.sweep(parent), "the owner still runs");
            owner.process().destroyForcibly(); // SIGKILL: no hook runs
            assertTrue(owner.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            assertTrue(Files.isRegularFile(moved.resolve("object")));

            assertEquals(1, ShmScratch.sweep(parent));
            assertFalse(Files.exists(moved));
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
}
