package io.jipc.mq;

import io.jipc.ClosedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Virtual threads block on a queue without pinning their carriers, and see interrupts, timeouts and close. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class VirtualThreadWaitTest {
    private static final long SAFETY_SECONDS = 60;

    @RegisterExtension
    static final QueueNames NAMES = new QueueNames(VirtualThreadWaitTest.class);

    private static PosixMessageQueue fresh(int maxMessages) {
        String name = NAMES.next();
        PosixMessageQueue queue = PosixMessageQueue.create(name, MqAttributes.of(maxMessages, 16));
        PosixMessageQueue.unlink(name);
        return queue;
    }

    @Test
    void manyMoreBlockedVirtualTakersThanCarriersLeaveRoomForTheSender() throws Exception {
        int takers = Runtime.getRuntime().availableProcessors() * 8 + 8;
        try (PosixMessageQueue queue = fresh(4)) {
            Set<String> received = ConcurrentHashMap.newKeySet();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < takers; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        received.add(new String(queue.take().payload(), StandardCharsets.UTF_8));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            Thread.sleep(200); // let them block; were their carriers pinned, the sender below could never run
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < takers; i++) {
                        queue.put(("m" + i).getBytes(StandardCharsets.UTF_8), i % 7);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            sender.join(Duration.ofSeconds(SAFETY_SECONDS));
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(SAFETY_SECONDS));
            }
            assertEquals(takers, received.size());
        }
    }

    @Test
    void aVirtualPutBlockedOnAFullQueueProceedsWhenRoomIsMade() throws Exception {
        try (PosixMessageQueue queue = fresh(1)) {
            queue.put("full".getBytes(StandardCharsets.UTF_8));
            CompletableFuture<Void> put = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    queue.put("next".getBytes(StandardCharsets.UTF_8), 1);
                    put.complete(null);
                } catch (Throwable t) {
                    put.completeExceptionally(t);
                }
            });
            Thread.sleep(100);
            assertFalse(put.isDone());
            assertEquals("full", new String(queue.take().payload(), StandardCharsets.UTF_8));
            put.get(SAFETY_SECONDS, TimeUnit.SECONDS);
            assertEquals(1, queue.take().priority());
        }
    }

    @Test
    void aVirtualWaiterSeesItsTimeoutItsInterruptAndClose() throws Exception {
        PosixMessageQueue queue = fresh(1);
        CompletableFuture<MqMessage> timed = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                timed.complete(queue.poll(Duration.ofMillis(50)));
            } catch (Throwable t) {
                timed.completeExceptionally(t);
            }
        });
        assertNull(timed.get(SAFETY_SECONDS, TimeUnit.SECONDS));

        AtomicReference<Throwable> interrupted = new AtomicReference<>();
        Thread taker = Thread.ofVirtual().start(() -> {
            try {
                queue.take();
            } catch (Throwable t) {
                interrupted.set(t);
            }
        });
        Thread.sleep(100);
        taker.interrupt();
        taker.join(Duration.ofSeconds(SAFETY_SECONDS));
        assertInstanceOf(InterruptedException.class, interrupted.get());

        AtomicReference<Throwable> closed = new AtomicReference<>();
        Thread blocked = Thread.ofVirtual().start(() -> {
            try {
                queue.take();
            } catch (Throwable t) {
                closed.set(t);
            }
        });
        Thread.sleep(100);
        queue.close();
        blocked.join(Duration.ofSeconds(SAFETY_SECONDS));
        assertInstanceOf(ClosedException.class, closed.get());
    }
}
