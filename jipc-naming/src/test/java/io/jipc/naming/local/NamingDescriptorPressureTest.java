package io.jipc.naming.local;

import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local name service in a process out of file descriptors ({@code EMFILE}), against a live owner
 * in another process: such a process cannot tell the owner's liveness nor read its entry, and must
 * neither call the owner dead (and delete or take its name) nor report the name free. Until
 * 2026-12-06 a failure to read {@code /proc/PID/stat} counted as the owner's death, and a failure to
 * read the entry as a corrupt entry, that is as no name.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NamingDescriptorPressureTest {
    private static final Duration LINE = Duration.ofSeconds(90);
    private static final String NAME = "svc/live";

    private NameService names;
    private final List<ChildJvm> children = new ArrayList<>();
    private ChildJvm owner;

    @BeforeEach
    void holdTheName() {
        names = NameService.open(NamingConfiguration.LOCAL);
        owner = start(ChildJvm.builder(NamingChild.class).args("hold", NAME));
        owner.awaitLine("HOLDING", LINE);
    }

    @AfterEach
    void close() {
        children.forEach(ChildJvm::close);
        names.list("").forEach(e -> names.unregister(e.name()));
        names.close();
    }

    private ChildJvm start(ChildJvm.Builder builder) {
        ChildJvm child = builder.quickStart().hardTimeout(Duration.ofSeconds(150)).start();
        children.add(child);
        return child;
    }

    /** A child whose descriptor table holds 256: small, so that filling it is quick. */
    private ChildJvm starved(String... args) {
        return start(ChildJvm.builder(StarvedNamingChild.class).args(args).wrapper("prlimit", "--nofile=256:256"));
    }

    private void assertOwnerKeepsTheName() {
        NameEntry entry = names.lookup(NAME).orElseThrow(() -> new AssertionError("the live owner's name is gone"));
        assertEquals(owner.pid(), entry.owner().pid());
        assertEquals(Liveness.ALIVE, entry.liveness());
    }

    @Test
    void aProcessOutOfDescriptorsDoesNotJudgeALiveOwnerDead() {
        ChildJvm judge = starved("judge", NAME);
        judge.assertSuccess(LINE);
        assertTrue(judge.output().contains("JUDGED ALIVE"), judge.output());
        assertOwnerKeepsTheName();
    }

    @Test
    void aLookupWithNoDescriptorFreeThrowsInsteadOfReportingTheNameFree() {
        ChildJvm looker = starved("lookup", NAME);
        looker.assertSuccess(LINE);
        assertTrue(looker.output().contains("LOOKUP threw ErrnoException EMFILE"), looker.output());
        assertOwnerKeepsTheName();
    }

    /**
     * A watch started with 6 descriptors free tracks 20 names of one owner: it can hold pidfds for a
     * few, and checks the others every second; each of the 20 is reported UNREGISTERED when the owner
     * is killed (until 2026-12-06 only the ones with a pidfd were, and nothing was logged).
     */
    @Test
    void aWatchShortOfDescriptorsReportsEveryDeathOfAKilledOwner() throws Exception {
        ChildJvm many = start(ChildJvm.builder(NamingChild.class).args("hold-many", "k/n", "20"));
        many.awaitLine("HOLDING", LINE);
        ChildJvm watcher = starved("watch", NAME, "k/", "6", "20");
        watcher.awaitLine("WATCHING", LINE);
        Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(many.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        watcher.assertSuccess(LINE);
        assertTrue(watcher.output().contains("UNREGISTERED 20"), watcher.output());
        assertOwnerKeepsTheName();
    }

    @Test
    void aProcessAtItsDescriptorLimitNeverTakesALiveOwnersName() {
        ChildJvm thief = starved("steal", NAME, "20000");
        thief.assertSuccess(LINE);
        assertTrue(thief.output().contains("KEPT"), thief.output());
        assertOwnerKeepsTheName();
    }
}
