package io.jipc.select;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A selector that must rebuild its epoll set (an entry of a channel closed while registered, whose
 * open file a duplicate keeps ready) in a process that has no descriptor left: each select still
 * returns its ready key; the rebuild is done once descriptors are free again. Before, every select
 * threw {@code ErrnoException EMFILE} from the rebuild's {@code epoll_create1}, ready keys and all
 * (explorer last50a). In a child JVM under {@code ulimit -n 256}, which takes every descriptor.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SelectorRebuildAtDescriptorLimitTest {
    private static final Duration LINE = Duration.ofSeconds(60);

    @Test
    void atTheDescriptorLimitASelectThatCannotRebuildStillReturnsItsReadyKeys() {
        ChildJvm child = ChildJvm.builder(RebuildAtDescriptorLimitChild.class).quickStart()
                .hardTimeout(Duration.ofMinutes(2))
                .wrapper("/bin/bash", "-c", "ulimit -n 256 && exec \"$@\"", "bash").start();
        assertEquals("WARM [ready]", child.awaitLine("WARM", LINE), child.output());
        for (int i = 0; i < 3; i++) {
            assertEquals("SELECT " + i + " [ready]", child.awaitLine("SELECT " + i, LINE), child.output());
        }
        assertEquals("FREED [ready]", child.awaitLine("FREED", LINE), child.output());
        assertEquals("REBUILDS 1", child.awaitLine("REBUILDS", LINE), child.output());
        child.assertSuccess(LINE);
        // said once, though the logging system is first used while no descriptor is left
        assertEquals(1, child.output().split("could not be removed", -1).length - 1, child.output());
    }
}
