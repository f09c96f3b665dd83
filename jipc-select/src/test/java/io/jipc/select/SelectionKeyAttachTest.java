package io.jipc.select;

import io.jipc.pipe.Pipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link SelectionKey#attach} is atomic, as {@code java.nio}'s: threads that attach at once each get
 * back a different previous attachment, so every attachment is handed back exactly once (by a later
 * attach, or as the last one). Until 2026-12-07 it was a read and a write: two threads could get the
 * same previous attachment, and another was never handed back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SelectionKeyAttachTest {
    private static final int THREADS = 2;
    private static final int ATTACHES = 2_000_000;

    @Test
    void concurrentAttachesHandEachAttachmentBackExactlyOnce() throws Exception {
        try (Selector selector = Selector.open(); Pipe pipe = Pipe.open()) {
            int values = THREADS * ATTACHES + 1; // value v attached once each; the registration's is the last
            SelectionKey key = selector.register(pipe.reader(), Selector.OP_READ, values - 1);
            AtomicIntegerArray handedBack = new AtomicIntegerArray(values);
            AtomicInteger ready = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t * ATTACHES;
                threads.add(Thread.ofPlatform().start(() -> {
                    ready.incrementAndGet();
                    while (ready.get() < THREADS) {
                        Thread.onSpinWait(); // all start together, so that they overlap
                    }
                    for (int i = 0; i < ATTACHES; i++) {
                        handedBack.incrementAndGet((Integer) key.attach(first + i));
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            handedBack.incrementAndGet((Integer) key.attachment());
            int twice = 0;
            int never = 0;
            for (int v = 0; v < values; v++) {
                twice += handedBack.get(v) > 1 ? 1 : 0;
                never += handedBack.get(v) == 0 ? 1 : 0;
            }
            assertEquals(0, twice, "attachments handed back twice");
            assertEquals(0, never, "attachments never handed back");
        }
    }
}
