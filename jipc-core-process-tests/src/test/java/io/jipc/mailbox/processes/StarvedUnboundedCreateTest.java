package io.jipc.mailbox.processes;

import io.jipc.ErrnoException;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.DescriptorHog;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UnboundedMailbox#create} in a process short of file descriptors throws the
 * {@link ErrnoException} its javadoc promises, naming {@code EMFILE}, and leaves no file (leak66
 * explorer: with one or two descriptors free the listing of earlier segments failed, and the create
 * threw {@code UncheckedIOException: listing the segments of unbounded mailbox}, 100 of 400 tries).
 */
class StarvedUnboundedCreateTest extends ProcessTestFixture {

    /**
     * Creates unbounded mailbox {@code args[0]} with 0 to 4 descriptors free; prints one
     * {@code FREE <k> <outcome>} line each, and {@code LEFT <files>} if a failed create left a file.
     */
    public static final class StarvedCreator {
        public static void main(String[] args) throws IOException {
            String name = args[0];
            UnboundedMailbox.create(name).close(); // classes loaded while descriptors are free
            UnboundedMailbox.destroy(name);
            for (int free = 0; free <= 4; free++) {
                List<Integer> hog = DescriptorHog.fill(free);
                String outcome;
                UnboundedMailbox created = null;
                try {
                    created = UnboundedMailbox.create(name);
                    outcome = "created";
                } catch (ErrnoException e) {
                    outcome = "errno " + e.errnoName() + ": " + e.getMessage();
                } catch (RuntimeException e) {
                    outcome = "threw " + e;
                }
                DescriptorHog.release(hog);
                System.out.println("FREE " + free + " " + outcome);
                if (created != null) {
                    created.close();
                    UnboundedMailbox.destroy(name);
                }
                try (Stream<Path> files = Files.list(JipcRoot.path("unbounded"))) {
                    List<String> left = files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(name)).toList();
                    if (!left.isEmpty()) {
                        System.out.println("LEFT " + left);
                    }
                }
            }
        }
    }

    @Test
    void aCreateShortOfDescriptorsThrowsEmfileAndLeavesNothing() {
        String name = "starved-unbounded";
        try (ChildJvm child = ChildJvm.builder(StarvedCreator.class).args(name).quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            String output = child.output();
            assertFalse(output.contains("threw"), output);
            assertFalse(output.contains("LEFT"), output);
            String listing = "errno EMFILE: EMFILE (Too many open files) from open of " + JipcRoot.path("unbounded");
            assertTrue(output.lines().anyMatch(line -> line.startsWith("FREE ") && line.endsWith(listing)), output);
            assertTrue(output.contains("FREE 4 created"), output);
        }
        assertFalse(UnboundedMailbox.exists(name));
    }
}
