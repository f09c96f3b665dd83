package io.jipc.platform;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.DescriptorHog;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ProcessIdentity#current()} first asked for with no file descriptor free (leak66 explorer:
 * the class initialiser read {@code /proc/self/stat}, and its EMFILE made the class unusable for the
 * life of the JVM: {@code ExceptionInInitializerError} once, {@code NoClassDefFoundError} from every
 * later create of a mailbox). A child JVM under {@code prlimit --nofile=256:256} fills its table.
 */
class CurrentIdentityOutOfDescriptorsTest {

    /** Asks for its identity with the table full, then after releasing it: {@code FULL ...}, {@code AFTER ...}. */
    public static final class CurrentIdentityChild {
        public static void main(String[] args) {
            Libc.close(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0)); // the native layer works
            ProcessIdentity.class.getDeclaredClasses(); // loaded, not initialised, while descriptors are free
            List<Integer> hog = DescriptorHog.fill(0);
            String whileFull = current();
            DescriptorHog.release(hog);
            System.out.println("FULL " + whileFull);
            System.out.println("AFTER " + current());
            System.out.println("AGAIN " + current());
        }

        private static String current() {
            try {
                ProcessIdentity self = ProcessIdentity.current();
                return "pid " + self.pid() + (self.pid() == ProcessHandle.current().pid()
                        && self.isAlive() && ProcessIdentity.of(self.pid()).orElseThrow().equals(self) ? " right" : " wrong");
            } catch (ErrnoException e) {
                return "errno " + e.errnoName() + ": " + e.getMessage();
            } catch (RuntimeException | Error e) {
                return "threw " + e;
            }
        }
    }

    @Test
    void aFirstReadOutOfDescriptorsThrowsEmfileAndTheNextReadsAgain() {
        try (ChildJvm child = ChildJvm.builder(CurrentIdentityChild.class).quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            String output = child.output();
            String pid = Long.toString(child.pid());
            assertTrue(output.contains("FULL errno EMFILE: EMFILE (Too many open files) from open of /proc/" + pid + "/stat"),
                    output);
            assertTrue(output.contains("AFTER pid " + pid + " right"), output);
            assertTrue(output.contains("AGAIN pid " + pid + " right"), output);
        }
    }
}
