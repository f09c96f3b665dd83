package io.jipc.platform;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.FileInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first call of the native layer in a JVM with no file descriptor free (leak66 explorer: the
 * JDK's default symbol lookup, made then for the first time, is empty for the life of the JVM, and
 * jipc took that for a C library without {@code open}: "the C library has no symbol 'open' (glibc
 * 2.28 or later is needed)" from every call, also once descriptors were free again). Each run is a
 * child JVM under {@code prlimit --nofile=256:256}, whose table it fills with opens of
 * {@code /dev/null} (through the JDK, so that the native layer is not used before).
 */
class FirstUseOutOfDescriptorsTest {

    /**
     * Makes its first native calls with the descriptor table full, then again after releasing it;
     * prints one line per call: {@code FULL-OPEN}, {@code FULL-MQ}, {@code AFTER-OPEN},
     * {@code AFTER-MQ}, each followed by what the call returned or threw.
     */
    public static final class FirstUseChild {
        public static void main(String[] args) {
            // loaded (not initialised) while descriptors are free: loading a class from a directory opens a file
            for (Class<?> c : List.of(Libc.class, Errno.class, MessageQueues.class, ErrnoException.class,
                    FirstUseChild.class)) {
                c.getDeclaredClasses();
            }
            List<FileInputStream> hog = new ArrayList<>();
            try {
                while (hog.size() < 1_000_000) {
                    hog.add(new FileInputStream("/dev/null"));
                }
            } catch (IOException full) {
                // EMFILE from now on
            }
            String fullOpen = openDevNull();
            String fullMq = unlinkMissingQueue();
            for (FileInputStream h : hog) {
                try {
                    h.close();
                } catch (IOException ignored) {
                    // a close of /dev/null does not fail
                }
            }
            System.out.println("FULL-OPEN " + fullOpen);
            System.out.println("FULL-MQ " + fullMq);
            System.out.println("AFTER-OPEN " + openDevNull());
            System.out.println("AFTER-MQ " + unlinkMissingQueue());
        }

        private static String openDevNull() {
            try {
                Libc.close(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
                return "opened";
            } catch (ErrnoException e) {
                return "errno " + e.errnoName() + ": " + e.getMessage();
            } catch (RuntimeException | Error e) {
                return "threw " + e;
            }
        }

        private static String unlinkMissingQueue() {
            try {
                return "unlinked " + MessageQueues.unlink("/jipc-first-use-test-missing");
            } catch (RuntimeException | Error e) {
                return "threw " + e;
            }
        }
    }

    @Test
    void theFirstCallOutOfDescriptorsThrowsEmfileAndTheNextCallsWork() throws Exception {
        try (ChildJvm child = ChildJvm.builder(FirstUseChild.class).quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            String output = child.output();
            assertTrue(output.contains("FULL-OPEN errno EMFILE: EMFILE (Too many open files) from open of /dev/null"),
                    output);
            assertTrue(output.contains("FULL-MQ unlinked false"), output);
            assertTrue(output.contains("AFTER-OPEN opened"), output);
            assertTrue(output.contains("AFTER-MQ unlinked false"), output);
        }
    }
}
