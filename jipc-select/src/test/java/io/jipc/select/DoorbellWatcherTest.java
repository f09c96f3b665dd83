package io.jipc.select;

import io.jipc.platform.Libc;
import io.jipc.platform.Readiness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

/**
 * A watcher closed at any moment of its loop ends: {@code close} sets the flag, then moves the
 * private word, and the watcher reads the word before the flag, so a close between its two reads
 * makes its sleep return at once. (Reading the flag first, a close that fell between the reads
 * left the watcher asleep on the moved word, and {@code close} waited for it for ever: a CI run
 * hung so in {@code Selector.close()}.)
 */
class DoorbellWatcherTest {
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void watchersClosedRightAfterTheyStartAllEnd() {
        int eventFd = Readiness.eventFd("a test's eventfd");
        try {
            for (int i = 0; i < 3000; i++) {
                DoorbellWatcher watcher = new DoorbellWatcher(eventFd, "a test's eventfd");
                if ((i & 1) == 1) {
                    Thread.onSpinWait(); // vary where in its loop the close finds the watcher
                }
                watcher.close(); // returns only once the watcher thread ended
            }
        } finally {
            Libc.close(eventFd);
        }
    }
}
