package io.jipc.naming.local;

import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Watch;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Watch#close()} of the local backend called by the watch's own listener. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalWatchCloseTest {
    private static final int REST = 10;

    /**
     * A listener that closes its watch is not called again once that close has returned, also for
     * changes the watch had already read with the one it was told of. Here the listener holds the watch
     * thread on the first name until ten more are bound (so that one read of the inotify descriptor
     * returns them all), then closes the watch on the first of them. Before, the watch thread went on
     * through the rest of that read and reported nine more names after the close had returned.
     */
    @Test
    void aListenerThatClosesItsWatchIsNotCalledAgain() throws Exception {
        String prefix = "self-closing/";
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            AtomicReference<Watch> self = new AtomicReference<>();
            AtomicReference<Thread> watchThread = new AtomicReference<>();
            CountDownLatch published = new CountDownLatch(1);
            CountDownLatch firstHeld = new CountDownLatch(1);
            CountDownLatch restBound = new CountDownLatch(1);
            AtomicBoolean closeReturned = new AtomicBoolean();
            AtomicInteger calls = new AtomicInteger();
            List<NameEvent> afterClose = new CopyOnWriteArrayList<>();
            Watch watch = names.watch(prefix, event -> {
                try {
                    assertTrue(published.await(60, TimeUnit.SECONDS));
                    if (closeReturned.get()) {
                        afterClose.add(event);
                        return;
                    }
                    int call = calls.incrementAndGet();
                    if (call == 1) {
                        watchThread.set(Thread.currentThread());
                        firstHeld.countDown();
                        assertTrue(restBound.await(60, TimeUnit.SECONDS));
                    } else if (call == 2) {
                        self.get().close();
                        closeReturned.set(true);
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                self.set(watch);
                published.countDown();
                names.bind(prefix + "first", NameRecord.of("test", "first", "x"));
                assertTrue(firstHeld.await(60, TimeUnit.SECONDS), "the first name was not reported");
                for (int i = 0; i < REST; i++) {
                    names.bind(prefix + "rest" + i, NameRecord.of("test", "rest" + i, "x"));
                }
                restBound.countDown();
                // the listener's close ends the watch thread once the listener has returned
                assertTrue(watchThread.get().join(Duration.ofSeconds(60)), "the watch thread goes on after its close");
                assertTrue(closeReturned.get(), "the listener did not close its watch");
                assertEquals(List.of(), afterClose, "events reported after the listener's close returned");
            } finally {
                watch.close();
                names.unregister(prefix + "first");
                for (int i = 0; i < REST; i++) {
                    names.unregister(prefix + "rest" + i);
                }
            }
        }
    }
}
