package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.DescriptorHog;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Mailbox#destroy(String)} in a process out of file descriptors: the mailbox is removed and
 * the call says so; the name-service record it could not remove is warned about, not thrown (fresh58b
 * explorer: the destroy removed the mailbox, then threw EMFILE from the record's look-up, and a retry
 * returned false). The next create of the name replaces the stale record.
 */
class StarvedDestroyTest extends ProcessTestFixture {

    /** Destroys mailbox {@code args[0]} with its descriptor table full; prints {@code DESTROYED <result>} or {@code THREW <exception>}. */
    public static final class StarvedDestroyer {
        public static void main(String[] args) {
            String name = args[0];
            Mailbox.open(name).close(); // classes loaded and the name service opened while descriptors are free
            List<Integer> hog = DescriptorHog.fill(0);
            String outcome;
            try {
                outcome = "DESTROYED " + Mailbox.destroy(name);
            } catch (RuntimeException e) {
                outcome = "THREW " + e;
            }
            DescriptorHog.release(hog);
            System.out.println(outcome);
        }
    }

    /**
     * Creates mailbox {@code args[0]} and destroys it through its handle with its descriptor table full
     * (as an RPC client's close destroys its reply mailbox), releases the table, then creates and
     * destroys mailbox {@code args[1]}; prints {@code DESTROYED <result>} or {@code THREW <exception>},
     * then {@code NEXT DONE}.
     */
    public static final class StarvedHandleDestroyer {
        public static void main(String[] args) {
            String name = args[0];
            Mailbox mailbox = Mailbox.create(name, MailboxOptions.defaults());
            Mailbox.create(args[1], MailboxOptions.defaults()).close(); // classes loaded while descriptors are free
            Mailbox.destroy(args[1]);
            List<Integer> hog = DescriptorHog.fill(1); // one free: the record's removal needs two
            String outcome;
            try {
                outcome = "DESTROYED " + mailbox.destroy();
            } catch (RuntimeException e) {
                outcome = "THREW " + e;
            }
            DescriptorHog.release(hog);
            mailbox.close();
            System.out.println(outcome);
            Mailbox.create(args[1], MailboxOptions.defaults()).close();
            System.out.println("NEXT " + (Mailbox.destroy(args[1]) ? "DONE" : "NOT DESTROYED"));
        }
    }

    /**
     * The record a destroy short of descriptors could not remove is removed by the next destroy of the
     * process (leak66 explorer: an RPC client closed with one descriptor free left its reply mailbox's
     * record, {@code mailbox/<service>-reply-<pid>-<n>}, for good, 25 of 25 times: no create of that
     * name ever comes to replace it).
     */
    @Test
    void theRecordADestroyOutOfDescriptorsLeftIsRemovedByTheNextDestroy() throws Exception {
        String name = "starved-handle-destroy";
        try (ChildJvm child = ChildJvm.builder(StarvedHandleDestroyer.class).args(name, name + "-next").quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            assertTrue(child.output().contains("DESTROYED true"), child.output());
            assertTrue(child.output().contains("NEXT DONE"), child.output());
        }
        assertFalse(Mailbox.exists(name));
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            assertEquals(Optional.empty(), names.lookup("mailbox/" + name));
            assertEquals(Optional.empty(), names.lookup("mailbox/" + name + "-next"));
        }
    }

    @Test
    void aDestroyOutOfDescriptorsRemovesTheMailboxAndSaysSo() throws Exception {
        String name = "starved-destroy";
        Mailbox.create(name, MailboxOptions.defaults()).close();
        try (ChildJvm child = ChildJvm.builder(StarvedDestroyer.class).args(name).quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(90)).start()) {
            child.assertSuccess(Duration.ofSeconds(60));
            assertTrue(child.output().contains("DESTROYED true"), child.output());
        }
        assertFalse(Mailbox.exists(name));
        Mailbox.create(name, MailboxOptions.defaults()).close(); // the stale record, if any, is replaced
        assertEquals(true, Mailbox.destroy(name));
    }
}
