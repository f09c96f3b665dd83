package io.jipc.filelock;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.DescriptorHog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening a {@link LockableFile} in a process short of file descriptors throws the
 * {@link ErrnoException} the opens promise, naming {@code EMFILE} and the file (leak66 explorer: with
 * one descriptor free, the open of the file's channel failed and the open threw
 * {@code UncheckedIOException: cannot open a channel on PATH}, 38 of 300 tries).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StarvedLockableFileTest {

    /** Opens and locks {@code args[0]} with 0 to 3 descriptors free; prints one {@code FREE <k> <outcome>} line each. */
    public static final class StarvedOpener {
        public static void main(String[] args) {
            Path path = Path.of(args[0]);
            try (LockableFile warm = LockableFile.openOrCreate(path); FileLock lock = warm.lock(LockMode.EXCLUSIVE)) {
                // classes loaded while descriptors are free
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            for (int free = 0; free <= 3; free++) {
                List<Integer> hog = DescriptorHog.fill(free);
                String outcome;
                try (LockableFile file = LockableFile.openOrCreate(path); FileLock lock = file.tryLock(LockMode.EXCLUSIVE)) {
                    outcome = lock == null ? "not locked" : "locked";
                } catch (ErrnoException e) {
                    outcome = "errno " + e.errnoName() + ": " + e.getMessage();
                } catch (RuntimeException e) {
                    outcome = "threw " + e;
                }
                DescriptorHog.release(hog);
                System.out.println("FREE " + free + " " + outcome);
            }
        }
    }

    @TempDir
    Path dir;

    @Test
    void anOpenShortOfDescriptorsThrowsEmfileNamingTheFile() {
        Path path = dir.resolve("lk");
        try (ChildJvm child = ChildJvm.builder(StarvedOpener.class).args(path.toString()).quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            String output = child.output();
            assertFalse(output.contains("threw"), output);
            assertTrue(output.contains("FREE 0 errno EMFILE: EMFILE (Too many open files) from open of " + path), output);
            assertTrue(output.contains("FREE 1 errno EMFILE: EMFILE (Too many open files) from open of " + path), output);
            assertTrue(output.contains("FREE 3 locked"), output);
        }
    }
}
