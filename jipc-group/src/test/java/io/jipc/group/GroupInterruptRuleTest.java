package io.jipc.group;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for a process
 * group, with the interrupt status set before the call: a receive or {@code awaitFull} that finds
 * what it waits for returns it and keeps the status; one that would wait throws
 * {@link InterruptedException} and clears it, also with a zero or negative timeout; the at-once
 * {@code poll()} never looks at it. A 30 s timeout returns at once because it throws. Before, a
 * message already there was refused (the inbox's lock was taken interruptibly) and the at-once
 * {@code poll()} returned null with a message there, and a zero timeout returned empty.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class GroupInterruptRuleTest {
    @AfterEach
    void clearStatus() {
        Thread.interrupted();
    }

    private static String text(GroupMessage message) {
        return new String(message.payload(), UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void receives(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (ProcessGroup a = ProcessGroup.join("interrupts", 2);
             ProcessGroup b = ProcessGroup.join("interrupts", 2)) {
            throwsInterrupted(() -> a.poll(timeout));
            throwsInterrupted(a::receive);
            assertNull(completesInterrupted(a::poll), "nothing there, and the status is not looked at");

            completesInterrupted(() -> {
                b.send(a.rank(), "one".getBytes(UTF_8)); // room in the inbox: sent at once
                return null;
            });
            assertEquals("one", text(completesInterrupted(() -> a.poll(timeout))));
            b.send(a.rank(), "two".getBytes(UTF_8));
            assertEquals("two", text(completesInterrupted(a::receive)));
            b.send(a.rank(), "three".getBytes(UTF_8));
            assertEquals("three", text(completesInterrupted(a::poll)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void awaitFull(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (ProcessGroup a = ProcessGroup.join("filling", 2)) {
            throwsInterrupted(() -> a.awaitFull(timeout));
            try (ProcessGroup b = ProcessGroup.join("filling", 2)) {
                assertTrue(completesInterrupted(() -> a.awaitFull(timeout)));
            }
        }
    }
}
