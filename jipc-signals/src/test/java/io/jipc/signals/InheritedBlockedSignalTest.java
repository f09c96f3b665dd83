package io.jipc.signals;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A JVM that inherited {@code SIGUSR1} and {@code SIGALRM} blocked (its parent blocked them, as a
 * program that uses {@code sigwait} does, and started it without unblocking them) has them blocked
 * in every thread: without jipc's receiver thread a doorbell on them would never ring. The parent
 * here is a small {@code python3} wrapper that blocks them and {@code exec}s the JVM.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InheritedBlockedSignalTest {
    private static final Duration WAIT = Duration.ofMinutes(1);
    private static final String BLOCK_AND_EXEC = "import os, signal, sys\n"
            + "signal.pthread_sigmask(signal.SIG_BLOCK, [getattr(signal, n) for n in sys.argv[1].split(',')])\n"
            + "os.execvp(sys.argv[2], sys.argv[2:])\n";

    @Test
    void aDoorbellAndAListenerOnInheritedBlockedSignalsRingAndTheSignalsAreBlockedAgainAfterClose() {
        // SIGWINCH, blocked too, is made pending before each of 50 first doorbells opens: each rings
        try (ChildJvm child = ChildJvm.builder(BlockedSignalProbe.class).quickStart()
                .wrapper("python3", "-c", BLOCK_AND_EXEC, "SIGUSR1,SIGALRM,SIGWINCH").start()) {
            assertEquals("BLOCKED SIGUSR1=true SIGALRM=true", child.awaitLine("BLOCKED", WAIT),
                    "the JVM's main thread inherited the mask");
            child.awaitLine("OPENED", WAIT);
            ProcessSignals.send(child.pid(), Signal.SIGUSR1);
            ProcessSignals.send(child.pid(), Signal.SIGALRM);
            assertEquals("RANG SIGUSR1 1", child.awaitLine("RANG SIGUSR1", WAIT));
            assertEquals("RANG SIGALRM true", child.awaitLine("RANG SIGALRM", WAIT));
            assertEquals("PENDING RANG " + BlockedSignalProbe.PENDING_ROUNDS + " OF " + BlockedSignalProbe.PENDING_ROUNDS,
                    child.awaitLine("PENDING RANG", Duration.ofMinutes(2)), "a delivery pending before the first "
                    + "doorbell opened was lost");
            assertEquals("PENDING SIGUSR1=true SIGALRM=true", child.awaitLine("PENDING SIGUSR1", WAIT));
            child.awaitLine("DONE", WAIT);
            child.assertSuccess(WAIT);
        }
    }
}
