package io.jipc.signals;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** One JVM signals others; their doorbells and listeners observe it. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SignalProcessTest {
    private static final Duration WAIT = Duration.ofMinutes(1);
    private static final Pattern READY = Pattern.compile("READY pid=(\\d+) pgid=(\\d+)");

    private static ChildJvm start(String group) {
        return ChildJvm.builder(SignalChild.class).args(group).quickStart().start();
    }

    private static long[] ready(ChildJvm child) {
        Matcher m = READY.matcher(child.awaitLine("READY", WAIT));
        assertTrue(m.matches());
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    @Test
    void aSignalFromThisJvmRunsTheOtherJvmsHandlerOnItsVirtualThread() {
        try (ChildJvm child = start("none")) {
            ready(child);
            ProcessSignals.send(child.pid(), Signal.SIGUSR1);
            String rang = child.awaitLine("RANG", WAIT);
            assertTrue(rang.startsWith("RANG SIGUSR1 deliveries=1 "), rang);
            assertTrue(rang.endsWith(" thread=jipc-signal-SIGUSR1 virtual=true"), rang);
            ProcessSignals.send(child.pid(), Signal.SIGTERM);
            child.awaitLine("TERM usr1=1", WAIT);
            child.assertSuccess(WAIT);   // the SIGTERM doorbell replaced the JVM's exit with status 143
        }
    }

    @Test
    void aBurstOfSignalsArrivesAsAtMostAsManyDeliveries() {
        int sent = 200;
        try (ChildJvm child = start("none")) {
            ready(child);
            for (int i = 0; i < sent; i++) {
                ProcessSignals.send(child.pid(), Signal.SIGUSR1);
            }
            child.awaitLine("RANG SIGUSR1", WAIT);
            ProcessSignals.send(child.pid(), Signal.SIGTERM);
            long delivered = Long.parseLong(child.awaitLine("TERM", WAIT).substring("TERM usr1=".length()));
            assertTrue(delivered >= 1 && delivered <= sent, "deliveries " + delivered + " of " + sent + " sent");
            child.assertSuccess(WAIT);
        }
    }

    @Test
    void aSignalToAProcessGroupReachesEveryMember() {
        List<ChildJvm> children = new ArrayList<>();
        try {
            ChildJvm leader = start("lead");
            children.add(leader);
            long group = ready(leader)[1];
            assertEquals(leader.pid(), group, "the leader's pid names the group");
            assertNotEquals(group, ProcessSignals.currentProcessGroup(), "this JVM is outside the group");
            for (int i = 0; i < 2; i++) {
                ChildJvm member = start("join:" + group);
                children.add(member);
                assertEquals(group, ready(member)[1]);
            }
            for (ChildJvm child : children) {
                assertEquals(group, ProcessSignals.processGroupOf(child.pid()));
            }

            ProcessSignals.sendToGroup(group, Signal.SIGUSR1);
            for (ChildJvm child : children) {
                child.awaitLine("RANG SIGUSR1", WAIT);
            }
            ProcessSignals.sendToGroup(group, Signal.SIGTERM);
            for (ChildJvm child : children) {
                child.awaitLine("TERM", WAIT);
                child.assertSuccess(WAIT);
            }
            ErrnoException gone = assertThrows(ErrnoException.class,
                    () -> ProcessSignals.sendToGroup(group, Signal.SIGUSR1));
            assertEquals("ESRCH", gone.errnoName());
        } finally {
            children.forEach(ChildJvm::close);
        }
    }

    /**
     * A real-time signal, which has no name, goes to a group by number ({@code killpg(3)} takes any):
     * no JVM handles signal 40, so its default action ends the leader and both members, each killed
     * by it (128 + 40). Before, only a {@link Signal} could be sent to a group.
     */
    @Test
    void aRealTimeSignalToAProcessGroupReachesEveryMember() {
        List<ChildJvm> children = new ArrayList<>();
        try {
            ChildJvm leader = start("lead");
            children.add(leader);
            long group = ready(leader)[1];
            for (int i = 0; i < 2; i++) {
                ChildJvm member = start("join:" + group);
                children.add(member);
                assertEquals(group, ready(member)[1]);
            }
            ProcessSignals.sendToGroup(group, 40);
            for (ChildJvm child : children) {
                assertEquals(128 + 40, child.waitFor(WAIT), child.output());
            }
            assertThrows(IllegalArgumentException.class, () -> ProcessSignals.sendToGroup(group, 65));
            assertThrows(IllegalArgumentException.class, () -> ProcessSignals.sendToGroup(group, 0));
        } finally {
            children.forEach(ChildJvm::close);
        }
    }

    @Test
    void aSessionLeaderAlreadyLeadsItsGroupAndSaysWhyItCannotJoinAnother() {
        long ours = ProcessSignals.currentProcessGroup();
        try (ChildJvm child = ChildJvm.builder(ProcessGroupProbe.class).quickStart().wrapper("setsid")
                .args(Long.toString(ours)).start()) {
            long pid = child.pid();
            assertEquals("SELF pid=" + pid + " pgid=" + pid, child.awaitLine("SELF", WAIT),
                    "setsid made the child lead a new session and a new group");
            assertEquals("START " + pid, child.awaitLine("START", WAIT), "it leads its group already");
            assertEquals("JOIN-OWN " + pid, child.awaitLine("JOIN-OWN", WAIT), "joining its own group changes nothing");
            assertEquals("JOIN-OTHER REFUSED EPERM (Operation not permitted) from setpgid of pid " + pid
                    + " into process group " + ours + ": this process leads its session (started under setsid, "
                    + "by systemd, as a container's init?), and a session leader cannot leave its process group",
                    child.awaitLine("JOIN-OTHER", WAIT));
            child.awaitLine("DONE", WAIT);
            child.assertSuccess(WAIT);
        }
    }

    @Test
    void inAPidNamespaceWhoseSessionAndGroupLeadersAreOutsideAProcessStartsAGroupOfItsOwn() throws Exception {
        Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "true").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "unshare --pid works here (root with CAP_SYS_ADMIN): " + new String(probe.getInputStream().readAllBytes()));
        long absent = 4_000_000;   // no such group in a namespace of one process
        try (ChildJvm child = ChildJvm.builder(ProcessGroupProbe.class).quickStart()
                .wrapper("unshare", "--pid", "--fork", "--kill-child").args(Long.toString(absent)).start()) {
            assertEquals("SELF pid=1 pgid=0", child.awaitLine("SELF", WAIT),
                    "the child's group leader (the test's JVM's) is outside its namespace: getpgid says 0");
            assertEquals("START 1", child.awaitLine("START", WAIT), "it may start a group of its own");
            assertEquals("JOIN-OWN 1", child.awaitLine("JOIN-OWN", WAIT));
            assertEquals("JOIN-OTHER REFUSED EPERM (Operation not permitted) from setpgid of pid 1 into process group "
                    + absent + ": there is no process group " + absent + " in this process's session, whose leader "
                    + "is outside this pid namespace (a process can join only a group of its own session)",
                    child.awaitLine("JOIN-OTHER", WAIT));
            child.awaitLine("DONE", WAIT);
            child.assertSuccess(WAIT);
        }
    }

    @Test
    void aListenerClosedByAShutdownHookWhileItsHandlerExitsTheJvmLetsItExit() {
        try (ChildJvm child = ChildJvm.builder(ExitingHandlerChild.class).quickStart().start()) {
            child.awaitLine("READY", WAIT);
            ProcessSignals.send(child.pid(), Signal.SIGTERM);
            child.awaitLine("HANDLER exiting", WAIT);
            child.awaitLine("HOOK closed", WAIT);
            assertEquals(0, child.waitFor(WAIT), "the handler's System.exit(0) ends the JVM (hang guard only)");
        }
    }

    @Test
    void joiningAGroupThatIsNotInThisSessionSaysSo() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> ProcessSignals.joinProcessGroup(Integer.MAX_VALUE));
        assertEquals("EPERM", e.errnoName());
        assertTrue(e.getMessage().contains("session"), e.getMessage());
        ProcessSignals.joinProcessGroup(ProcessSignals.currentProcessGroup());   // where it is: nothing to do
    }

    @Test
    void anotherUserMayNotSignalThisProcess() {
        Optional<String> cannot = ChildJvm.cannotRunAsOtherUser();
        assumeTrue(cannot.isEmpty(), () -> cannot.orElseThrow());
        // SIGWINCH: ignored by default, so even a wrong success would harm nobody
        try (ChildJvm nobody = ChildJvm.builder(SignalSender.class).asUser(65534, 65534).quickStart()
                .args(Long.toString(ProcessHandle.current().pid()), "WINCH").start()) {
            nobody.awaitLine("CAN_SIGNAL false", WAIT);
            String result = nobody.awaitLine("EPERM ", WAIT);
            assertTrue(result.startsWith("EPERM EPERM (Operation not permitted) from kill(signal 28) of pid "), result);
            nobody.assertSuccess(WAIT);
        }
    }

    @Test
    void signallingAProcessThatIsGoneFailsWithEsrch() {
        ChildJvm child = ChildJvm.builder(PlainChild.class).quickStart().start();
        long pid = child.pid();
        child.awaitLine("READY", WAIT);
        assertTrue(ProcessSignals.canSignal(pid));
        child.kill();
        assertTrue(!ProcessSignals.canSignal(pid));
        ErrnoException e = assertThrows(ErrnoException.class, () -> ProcessSignals.send(pid, Signal.SIGUSR1));
        assertEquals("ESRCH", e.errnoName());
    }
}
