package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MountNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link Mailbox#open(String)} of a mailbox whose name is missing (its creator killed before it
 * bound the name, or the name removed) binds the name as a repair; when that cannot be written
 * (the name directory full, {@code ENOSPC}) the open still succeeds, and no mapping of the mailbox
 * is left once the handle is closed.
 *
 * <p>Until 2026-12-07 the open threw {@code NamingException} ("cannot register 'mailbox/...': No
 * space left on device"), though the mailbox was there and valid, and the handle it had opened
 * was never closed: its mapping stayed for the life of the process.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MailboxNameRepairTest {
    private static final Duration LINE = Duration.ofSeconds(60);

    /**
     * Runs with an empty, small tmpfs over the jipc root's name directory (so the name of the
     * mailbox {@code args[0]} is missing there): binds and removes a name of its own (the name
     * service's files made), fills the tmpfs, opens the mailbox, and prints {@code OUTCOME OPENED} or
     * {@code OUTCOME FAILED <exception>}, then {@code MAPPED <n>}: the lines of {@code /proc/self/maps}
     * that map the mailbox's file once the handle is closed (or the open failed).
     */
    public static final class Opener {
        private Opener() {
        }

        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            String name = args[0];
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                names.bind("repair-test/" + name, new NameRecord("test", "1", "nowhere", Map.of()));
                names.unregister("repair-test/" + name);
            }
            fill(JipcRoot.path("names").resolve("filler"));
            try (Mailbox mailbox = Mailbox.open(name)) {
                mailbox.put(new byte[] {1});
                System.out.println("OUTCOME OPENED");
            } catch (RuntimeException e) {
                System.out.println("OUTCOME FAILED " + e);
            }
            Path file = JipcRoot.path(MailboxDescriptor.DIRECTORY).resolve(name);
            System.out.println("MAPPED " + Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.endsWith(" " + file) || line.contains(" " + file + " ")).count());
            System.out.flush();
        }

        private static void fill(Path filler) throws IOException {
            byte[] block = new byte[4096];
            try (OutputStream out = Files.newOutputStream(filler)) {
                while (true) {
                    out.write(block);
                    out.flush();
                }
            } catch (IOException full) {
                // ENOSPC: the name directory has no room left
            }
        }
    }

    @Test
    void anOpenWhoseNameRepairFindsTheNameDirectoryFullSucceedsAndLeavesNoMapping() throws Exception {
        MountNamespaces.require();
        String name = "repair-full";
        Path names = JipcRoot.directory("names"); // the mount point
        String setUp = "mount -t tmpfs -o size=256k,mode=0700 jipc-names \"$0\" && exec \"$@\"";
        try (Mailbox created = Mailbox.create(name)) {
            // the name is bound here; the child sees an empty name directory of its own
        }
        try (ChildJvm child = ChildJvm.builder(Opener.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                .wrapper("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", setUp,
                        names.toString())
                .args(name).start()) {
            String outcome = child.awaitLine("OUTCOME", LINE);
            String mapped = child.awaitLine("MAPPED", LINE);
            assertEquals(0, child.waitFor(LINE), child.output());
            assertEquals("OUTCOME OPENED", outcome, child.output());
            assertEquals("MAPPED 0", mapped, child.output());
        } finally {
            Mailbox.destroy(name);
        }
        assertFalse(Mailbox.exists(name));
    }
}
