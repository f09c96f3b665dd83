package io.jipc.signals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for the signal
 * doorbell, with the interrupt status set before the call: {@code take()} and {@code poll(timeout)}
 * of a doorbell that has not rung throw {@link InterruptedException} and clear the status, also with
 * a zero or negative timeout; of one that has rung they return its deliveries and keep the status;
 * {@code poll()} never looks at it. A 30 s timeout returns at once because it throws.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SignalInterruptRuleTest {
    @AfterEach
    void clearStatus() {
        Thread.interrupted();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void doorbell(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (SignalDoorbell doorbell = SignalDoorbell.open(Signal.SIGWINCH)) {
            throwsInterrupted(() -> doorbell.poll(timeout));
            throwsInterrupted(doorbell::take);
            assertEquals(0, (long) completesInterrupted(doorbell::poll));
            doorbell.ring(); // as the signal's handler thread does
            assertTrue(completesInterrupted(() -> doorbell.poll(timeout)) >= 1);
            doorbell.ring();
            assertTrue(completesInterrupted(doorbell::take) >= 1);
            doorbell.ring();
            assertTrue(completesInterrupted(doorbell::poll) >= 1);
        }
    }
}
