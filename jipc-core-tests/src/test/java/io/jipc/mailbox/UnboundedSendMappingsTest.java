package io.jipc.mailbox;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mappings of an {@link UnboundedMailbox} handle whose threads send back to back: each segment
 * the senders move past is unmapped once the last send in it has left, though sends on newer
 * segments go on all the time.
 *
 * <p>Until 2026-12-07 a passed segment was unmapped only once no thread of the handle was inside a
 * send at all, which four threads sending back to back almost never let happen: the handle kept a
 * mapping of every segment passed (thousands within seconds, of files long unlinked) until
 * {@code mmap} failed with {@code ENOMEM} at {@code vm.max_map_count} and the JVM aborted. After
 * that fix, a sending thread still stayed counted in the segment it had found full while it waited
 * for the append's lock (or for a sender slot): with 64 threads, 13 mappings at once here (and
 * hundreds with 1000 threads); now it leaves the mapping before it waits (at most 4 seen).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UnboundedSendMappingsTest {
    /** 16 KiB segment rings: about 75 messages of 200 bytes each. */
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(16 << 10)
            .maxMessageSize(512).build();
    /** About 1,000 segments passed. */
    private static final long MESSAGES = 75_000;
    /** Of the run: a few seconds, however fast the messages go (nothing is asserted about it). */
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(3);
    /**
     * The most mappings of segment files at once: 8 at worst (the receiver's 2; the sending
     * handle's current one, one per sending thread that holds or is unmapping an older one, and
     * an appender's new file), and a margin.
     */
    private static final int LIMIT = 12;

    /**
     * One handle receives; a second handle of this process is used by {@code senders} threads that send 200
     * bytes in a loop for a few seconds and at least {@value #MESSAGES} messages. Every 5 ms the
     * mappings of the mailbox's segment files in {@code /proc/self/maps} are counted: the
     * receiver's and the sending handle's stay at most {@value #LIMIT} all along, and 2 once the
     * senders have stopped and the receiver has drained the mailbox.
     */
    @ParameterizedTest(name = "{0} sending threads")
    @ValueSource(ints = {4, 64})
    void aHandleWhoseThreadsSendBackToBackUnmapsEachSegmentItPasses(int senders) throws Exception {
        String name = "busy-senders";
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger most = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder sent = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        try (UnboundedMailbox receiver = UnboundedMailbox.create(name, OPTIONS, 4 << 20);
             UnboundedMailbox sender = UnboundedMailbox.open(name)) {
            for (int t = 0; t < senders; t++) {
                threads.add(Thread.ofPlatform().name("sender-" + t).start(() -> {
                    byte[] message = new byte[200];
                    try {
                        while (!stop.get()) {
                            if (sender.offer(message)) {
                                sent.increment();
                            } else {
                                Thread.yield(); // at the ceiling: the receiver is behind
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            threads.add(Thread.ofPlatform().name("maps-sampler").start(() -> {
                while (!stop.get()) {
                    most.accumulateAndGet(UnboundedSegmentMappings.of(name), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
            long received = 0;
            long start = System.nanoTime();
            try {
                while ((received < MESSAGES || System.nanoTime() - start < RUN_NANOS) && failure.get() == null
                        && most.get() <= LIMIT) {
                    if (receiver.poll(Duration.ofMillis(10)) != null) {
                        received++;
                    }
                }
            } finally {
                stop.set(true);
                for (Thread t : threads) {
                    t.join(Duration.ofSeconds(60));
                }
            }
            assertNull(failure.get(), () -> "a sender failed: " + failure.get());
            assertTrue(most.get() <= LIMIT, "the segment files were mapped " + most.get() + " times at once after "
                    + received + " messages received");
            while (receiver.poll() != null) {
                received++;
            }
            assertEquals(sent.sum(), received);
            assertTrue(UnboundedSegmentMappings.of(name) <= 2, "after the senders stopped: " + UnboundedSegmentMappings.of(name) + " mappings");
        } finally {
            UnboundedMailbox.destroy(name);
        }
    }
}
