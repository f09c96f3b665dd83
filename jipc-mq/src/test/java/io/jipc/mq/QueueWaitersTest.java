package io.jipc.mq;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waits on many handles at once: they share the process's one poller thread (a handle has no thread
 * of its own), each still gets its messages, and the close of one handle ends only its own waits.
 * No duration is asserted; every wait is bounded by a generous hang guard.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class QueueWaitersTest {
    private static final long GUARD_SECONDS = 60;

    @RegisterExtension
    static final QueueNames NAMES = new QueueNames(QueueWaitersTest.class);

    /** A call on its own thread of {@code kind}; its outcome (a value or the exception it threw) completes the future. */
    private static <T> CompletableFuture<Object> start(Blocked.Kind kind, List<Thread> threads, Callable<T> call) {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        threads.add(kind.builder().start(() -> {
            try {
                outcome.complete(call.call());
            } catch (Throwable t) {
                outcome.complete(t);
            }
        }));
        return outcome;
    }

    /** Waits (hang guard) until every thread of {@code threads} is parked. */
    private static void awaitParked(List<Thread> threads) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        for (Thread t : threads) {
            while (t.getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() < guard, "a receiver never parked: " + t);
                Thread.sleep(5);
            }
        }
    }

    /** Live platform threads but the virtual threads' carriers, whose number depends on the machine. */
    private static int platformThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream() // platform threads only: virtual ones are not listed
                .filter(t -> !t.getName().startsWith("ForkJoinPool"))
                .count();
    }

    private static String text(Object message) {
        return new String(((MqMessage) message).payload(), StandardCharsets.UTF_8);
    }

    /**
     * 200 handles (40 queues, opened five times each: fewer queues than the kernel's default
     * {@code queues_max} of 256, which other builds on the host share), one virtual thread blocked in
     * {@code take()} on each. Until 2026-12-05 each handle started a platform thread of its own
     * ("jipc-mq-waits ...") for its waiters: 200 more platform threads here.
     */
    @Test
    void manyHandlesWithABlockedReceiverEachAddNoPlatformThreadsAndEachReceiverGetsAMessage() throws Exception {
        int queues = 40;
        int handlesPerQueue = 5;
        List<String> names = new ArrayList<>();
        List<PosixMessageQueue> handles = new ArrayList<>();
        try {
            for (int q = 0; q < queues; q++) {
                String name = NAMES.next();
                names.add(name);
                PosixMessageQueue.create(name, MqAttributes.of(handlesPerQueue, 16)).close();
                for (int h = 0; h < handlesPerQueue; h++) {
                    handles.add(PosixMessageQueue.open(name, MqAccess.RECEIVE));
                }
            }
            int before = platformThreads();
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<Object>> received = new ArrayList<>();
            for (PosixMessageQueue handle : handles) {
                received.add(start(Blocked.Kind.VIRTUAL, threads, handle::take));
            }
            awaitParked(threads);
            int added = platformThreads() - before;
            assertTrue(added < handles.size() / 4, added + " more platform threads for " + handles.size()
                    + " handles with a blocked receiver each: " + Thread.getAllStackTraces().keySet().stream()
                            .map(Thread::getName).filter(n -> n.startsWith("jipc-")).limit(5).toList());
            assertTrue(received.stream().noneMatch(CompletableFuture::isDone), "a receiver returned before any send");

            for (int q = 0; q < queues; q++) {
                try (PosixMessageQueue sender = PosixMessageQueue.open(names.get(q), MqAccess.SEND)) {
                    for (int h = 0; h < handlesPerQueue; h++) {
                        sender.put(("q" + q + "m" + h).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            for (int q = 0; q < queues; q++) {
                Set<String> got = new HashSet<>();
                Set<String> sent = new HashSet<>();
                for (int h = 0; h < handlesPerQueue; h++) {
                    got.add(text(received.get(q * handlesPerQueue + h).get(GUARD_SECONDS, TimeUnit.SECONDS)));
                    sent.add("q" + q + "m" + h);
                }
                assertEquals(sent, got, "the receivers of queue " + q);
            }
        } finally {
            handles.forEach(PosixMessageQueue::close);
            names.forEach(PosixMessageQueue::unlink);
        }
    }

    /**
     * Three handles of one queue with a receiver blocked on each: closing one ends its receive with
     * {@link ClosedException} at once, while the others still wait and then get their messages; a
     * handle opened after the close (likely under the closed descriptor's number) waits and receives
     * as well.
     */
    @ParameterizedTest
    @EnumSource(Blocked.Kind.class)
    void closingOneHandleEndsOnlyItsOwnBlockedReceive(Blocked.Kind kind) throws Exception {
        String name = NAMES.next();
        PosixMessageQueue.create(name, MqAttributes.of(4, 16)).close();
        List<PosixMessageQueue> handles = new ArrayList<>();
        try (PosixMessageQueue sender = PosixMessageQueue.open(name, MqAccess.SEND)) {
            for (int i = 0; i < 3; i++) {
                handles.add(PosixMessageQueue.open(name, MqAccess.RECEIVE));
            }
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<Object>> receives = new ArrayList<>();
            for (PosixMessageQueue handle : handles) {
                receives.add(start(kind, threads, handle::take));
            }
            awaitParked(threads);

            handles.get(0).close();
            assertInstanceOf(ClosedException.class, receives.get(0).get(GUARD_SECONDS, TimeUnit.SECONDS));
            assertFalse(receives.get(1).isDone() || receives.get(2).isDone(), "the other handles' receives go on");

            PosixMessageQueue reopened = PosixMessageQueue.open(name, MqAccess.RECEIVE);
            handles.add(reopened);
            receives.add(start(kind, threads, reopened::take));
            awaitParked(threads.subList(1, threads.size()));

            Set<String> sent = Set.of("a", "b", "c");
            for (String m : sent) {
                sender.put(m.getBytes(StandardCharsets.UTF_8));
            }
            Set<String> got = new HashSet<>();
            for (CompletableFuture<Object> receive : receives.subList(1, receives.size())) {
                got.add(text(receive.get(GUARD_SECONDS, TimeUnit.SECONDS)));
            }
            assertEquals(sent, got);
        } finally {
            handles.forEach(PosixMessageQueue::close);
            PosixMessageQueue.unlink(name);
        }
    }
}
