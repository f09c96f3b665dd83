package io.jipc.naming;

import io.jipc.ErrnoException;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.DescriptorHog;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NameOwner#current()} first asked for with no file descriptor free (leak66 explorer's F2, of
 * which this is the name service's part: the owner was made in a class initialiser, which took a host
 * name it could not read for {@code localhost} for the life of the JVM, and an {@code EMFILE} of
 * {@link ProcessIdentity#current()} there would have made the class unusable for good). A child JVM
 * under {@code prlimit --nofile=256:256} fills its table.
 */
class NameOwnerOutOfDescriptorsTest {

    /** Asks for its owner with the table full, then after releasing it: {@code FULL ...}, {@code AFTER ...}. */
    public static final class CurrentOwnerChild {
        public static void main(String[] args) {
            ProcessIdentity.current(); // the native layer works, this process's identity is read
            NameOwner.class.getDeclaredClasses(); // loaded, not initialised, while descriptors are free
            List<Integer> hog = DescriptorHog.fill(0);
            String whileFull = current();
            DescriptorHog.release(hog);
            System.out.println("FULL " + whileFull);
            System.out.println("AFTER " + current());
        }

        private static String current() {
            try {
                NameOwner self = NameOwner.current();
                return "host " + self.host() + " pid " + self.pid();
            } catch (ErrnoException e) {
                return "errno " + e.errnoName() + ": " + e.getMessage();
            } catch (RuntimeException | Error e) {
                return "threw " + e;
            }
        }
    }

    @Test
    void aFirstReadOutOfDescriptorsThrowsEmfileAndTheNextReadsTheHostName() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        try (ChildJvm child = ChildJvm.builder(CurrentOwnerChild.class).quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            String output = child.output();
            assertTrue(output.contains("FULL errno EMFILE: EMFILE (Too many open files) from open of /proc/sys/kernel/hostname"),
                    output);
            assertTrue(output.contains("AFTER host " + host + " pid " + child.pid()), output);
        }
    }
}
