package io.jipc.group;

import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member stopped ({@code SIGSTOP}) in a collective operation, in a child JVM ({@link GroupChild}
 * {@code stalled}), while the test JVM holds the other two ranks. No duration is asserted: the
 * order of events is, and every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GroupStoppedMemberTest {
    private static final Duration LONG = Duration.ofSeconds(60);

    private final List<ChildJvm> children = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private ChildJvm start(String... args) {
        ChildJvm child = ChildJvm.builder(GroupChild.class).args(args).quickStart()
                .hardTimeout(Duration.ofSeconds(170)).start();
        children.add(child);
        return child;
    }

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        for (ChildJvm child : children) {
            if (child.isAlive()) {
                ProcessSignals.send(child.pid(), Signal.SIGCONT);
                child.process().getOutputStream().close();
                child.waitFor(LONG);
            }
            child.close();
        }
    }

    /**
     * Ranks 0 (a collective timeout) and 2 (none) run a barrier while rank 1 (none) is stopped in it
     * with its inbox full of rank 2's messages: rank 0 times out, rank 2 hears of it; rank 1's inbox had
     * no room for their notices, yet once continued it ends its barrier with
     * {@link GroupMemberLostException} while both others are still members (it used to wait until
     * they left), and then gets every message in order.
     */
    @Test
    void aMemberStoppedWithAFullInboxLearnsThatCollectivesBroke() throws Exception {
        GroupOptions options = GroupOptions.of(3).withInboxBytes(64 * 1024).withMaxMessageSize(1024);
        try (ProcessGroup g0 = ProcessGroup.join("halted", options.withRank(0).withCollectiveTimeout(Duration.ofSeconds(2)));
             ProcessGroup g2 = ProcessGroup.join("halted", options.withRank(2))) {
            ChildJvm stalled = start("stalled", "halted", "3");
            assertEquals("JOINED 1", stalled.awaitLine("JOINED", LONG).substring(0, 8));
            Future<?> first = threads.submit(() -> {
                g2.barrier();
                return null;
            });
            g0.barrier();
            first.get(LONG.toSeconds(), TimeUnit.SECONDS);
            stalled.awaitLine("ROUND", LONG);
            ProcessSignals.send(stalled.pid(), Signal.SIGSTOP);
            try {
                awaitStopped(stalled.pid());
                long sent = 0;
                for (int length : new int[] {1000, 8, 0}) { // full to the last bytes: no room for a part either
                    byte[] message = new byte[length];
                    while (g2.offer(1, length == 0 ? message : ByteBuffer.wrap(message).putLong(0, sent).array())) {
                        sent++;
                    }
                }
                assertTrue(sent > 0, "some messages fit");
                Future<?> second = threads.submit(() -> {
                    g2.barrier();
                    return null;
                });
                assertThrows(GroupTimeoutException.class, g0::barrier, "rank 1 is stopped");
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> second.get(LONG.toSeconds(), TimeUnit.SECONDS));
                assertEquals(0, assertInstanceOf(GroupMemberLostException.class, e.getCause()).rank(), "rank 2 is told by rank 0");
                ProcessSignals.send(stalled.pid(), Signal.SIGCONT);
                assertEquals("LOST 0", stalled.awaitLine("LOST", LONG),
                        "rank 1 learns, while ranks 0 and 2 are still members; output:\n" + stalled.output());
                assertEquals("RECEIVED " + sent + " true", stalled.awaitLine("RECEIVED", LONG), "nothing lost, in order");
            } finally {
                ProcessSignals.send(stalled.pid(), Signal.SIGCONT);
            }
            stalled.awaitLine("LEFT", LONG);
            assertEquals(0, stalled.waitFor(LONG), stalled.output());
        }
        assertFalse(ProcessGroup.exists("halted"));
    }

    /** Waits until the process is in the stopped state ({@code T} in {@code /proc/PID/stat}). */
    static void awaitStopped(long pid) throws InterruptedException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        await(() -> {
            try {
                String line = Files.readString(stat);
                return line.substring(line.lastIndexOf(')') + 2).startsWith("T");
            } catch (IOException e) {
                return false;
            }
        }, "the child stops");
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }
}
