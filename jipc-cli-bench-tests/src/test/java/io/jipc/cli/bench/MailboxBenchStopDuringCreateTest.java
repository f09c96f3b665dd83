package io.jipc.cli.bench;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench mailbox} stopped (its shutdown hook, {@link MailboxBench#stop}) while a mailbox
 * is being created, at the end of the creation: the file exists, {@code Mailbox.create} has not
 * returned. The stop must remove that mailbox too: its name is recorded before it is created, and
 * the stop waits for a creation in progress. (Recorded after, a {@code SIGTERM} in that window left
 * {@code mailbox/bench-<pid>-spin-ping} behind, 2 runs of 16.) Deterministic: the stop runs on
 * another thread from within the creation, which then waits until that thread has ended or is
 * blocked; no duration is asserted, the timeouts are hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MailboxBenchStopDuringCreateTest {

    @Test
    void aStopDuringACreationRemovesTheMailboxBeingCreated() throws Exception {
        MailboxBench bench = new MailboxBench(new MailboxBench.Settings(64, Duration.ofMillis(10),
                Duration.ofMillis(10), Duration.ofMillis(10), 10, MailboxBench.Settings.DEFAULT_CAPACITY,
                List.of(WaitStrategy.SPIN), false, false, false), new PrintStream(new ByteArrayOutputStream()));
        MailboxOptions options = MailboxOptions.builder().singleSender(true).capacityBytes(64 * 1024).build();
        Thread[] stopper = new Thread[1];
        String[] name = new String[1];
        Mailbox made = bench.create("spin-ping", n -> {
            name[0] = n;
            Mailbox mailbox = Mailbox.create(n, options);
            stopper[0] = Thread.ofPlatform().name("as a SIGTERM's shutdown hook").start(bench::stop);
            awaitEndedOrBlocked(stopper[0]);
            return mailbox;
        });
        stopper[0].join(TimeUnit.MINUTES.toMillis(1));
        assertFalse(stopper[0].isAlive(), "the stop ended");
        try {
            assertFalse(Mailbox.exists(name[0]), name[0] + " was left behind by the stop");
        } finally {
            made.close();
            Mailbox.destroy(name[0]);
        }
    }

    /** Test code: waits until {@code t} has ended or waits for a monitor. */
    private static void awaitEndedOrBlocked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (t.getState() != Thread.State.TERMINATED && t.getState() != Thread.State.BLOCKED) {
            assertTrue(System.nanoTime() < deadline, "hang guard: the stop neither ended nor waited");
            Thread.onSpinWait();
        }
    }
}
