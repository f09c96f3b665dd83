package io.jipc.sync;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A null argument to a public entry point of jipc-sync is a {@link NullPointerException} at the call
 * whose message is the parameter's name (docs/architecture.md, Argument errors): a null name too,
 * not {@code IllegalArgumentException("invalid name 'null'")}.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SyncNullArgumentsTest {
    /** A call given a fresh named mutex, semaphore, condition, latch and barrier. */
    interface Call {
        void on(ProcessMutex mutex, ProcessSemaphore semaphore, ProcessCondition condition, ProcessCountDownLatch latch,
                ProcessBarrier barrier) throws Throwable;
    }

    static Stream<Arguments> calls() {
        return Stream.of(
                call("ProcessMutex.create(null)", "name", (m, s, c, l, b) -> ProcessMutex.create(null)),
                call("ProcessMutex.create(null, 0600)", "name", (m, s, c, l, b) -> ProcessMutex.create(null, 0600)),
                call("ProcessMutex.open(null)", "name", (m, s, c, l, b) -> ProcessMutex.open(null)),
                call("ProcessMutex.destroy(null)", "name", (m, s, c, l, b) -> ProcessMutex.destroy(null)),
                call("ProcessMutex.format(null)", "slot", (m, s, c, l, b) -> ProcessMutex.format(null)),
                call("ProcessMutex.in(null)", "slot", (m, s, c, l, b) -> ProcessMutex.in(null)),
                call("mutex.tryLock(null)", "timeout", (m, s, c, l, b) -> m.tryLock(null)),
                call("mutex.waitStrategy(null)", "strategy", (m, s, c, l, b) -> m.waitStrategy(null)),
                call("ProcessSemaphore.create(null, 1)", "name", (m, s, c, l, b) -> ProcessSemaphore.create(null, 1)),
                call("ProcessSemaphore.open(null)", "name", (m, s, c, l, b) -> ProcessSemaphore.open(null)),
                call("ProcessSemaphore.destroy(null)", "name", (m, s, c, l, b) -> ProcessSemaphore.destroy(null)),
                call("ProcessSemaphore.format(null, 1, 0)", "slot", (m, s, c, l, b) -> ProcessSemaphore.format(null, 1, 0)),
                call("ProcessSemaphore.in(null)", "slot", (m, s, c, l, b) -> ProcessSemaphore.in(null)),
                call("semaphore.tryAcquire(null)", "timeout", (m, s, c, l, b) -> s.tryAcquire(null)),
                call("ProcessCondition.create(null)", "name", (m, s, c, l, b) -> ProcessCondition.create(null)),
                call("ProcessCondition.open(null)", "name", (m, s, c, l, b) -> ProcessCondition.open(null)),
                call("ProcessCondition.destroy(null)", "name", (m, s, c, l, b) -> ProcessCondition.destroy(null)),
                call("ProcessCondition.format(null)", "slot", (m, s, c, l, b) -> ProcessCondition.format(null)),
                call("ProcessCondition.in(null)", "slot", (m, s, c, l, b) -> ProcessCondition.in(null)),
                call("condition.await(null)", "mutex", (m, s, c, l, b) -> c.await(null)),
                call("condition.await(null, timeout)", "mutex",
                        (m, s, c, l, b) -> c.await(null, java.time.Duration.ZERO)),
                call("condition.await(mutex, null)", "timeout", (m, s, c, l, b) -> c.await(m, null)),
                call("ProcessCountDownLatch.create(null, 1)", "name", (m, s, c, l, b) -> ProcessCountDownLatch.create(null, 1)),
                call("ProcessCountDownLatch.open(null)", "name", (m, s, c, l, b) -> ProcessCountDownLatch.open(null)),
                call("ProcessCountDownLatch.destroy(null)", "name", (m, s, c, l, b) -> ProcessCountDownLatch.destroy(null)),
                call("ProcessCountDownLatch.format(null, 1)", "slot", (m, s, c, l, b) -> ProcessCountDownLatch.format(null, 1)),
                call("ProcessCountDownLatch.in(null)", "slot", (m, s, c, l, b) -> ProcessCountDownLatch.in(null)),
                call("latch.await(null)", "timeout", (m, s, c, l, b) -> l.await(null)),
                call("ProcessBarrier.create(null, 2)", "name", (m, s, c, l, b) -> ProcessBarrier.create(null, 2)),
                call("ProcessBarrier.open(null)", "name", (m, s, c, l, b) -> ProcessBarrier.open(null)),
                call("ProcessBarrier.join(null)", "name", (m, s, c, l, b) -> ProcessBarrier.join(null)),
                call("ProcessBarrier.destroy(null)", "name", (m, s, c, l, b) -> ProcessBarrier.destroy(null)),
                call("ProcessBarrier.format(null, 2)", "slot", (m, s, c, l, b) -> ProcessBarrier.format(null, 2)),
                call("ProcessBarrier.formatTracked(null, 2)", "slot", (m, s, c, l, b) -> ProcessBarrier.formatTracked(null, 2)),
                call("ProcessBarrier.in(null)", "slot", (m, s, c, l, b) -> ProcessBarrier.in(null)),
                call("ProcessBarrier.joinIn(null)", "slot", (m, s, c, l, b) -> ProcessBarrier.joinIn(null)),
                call("barrier.await(null)", "timeout", (m, s, c, l, b) -> b.await(null)),
                call("SyncObjects.open(null, 0600)", "name", (m, s, c, l, b) -> SyncObjects.open(null, 0600)),
                call("SyncObjects.exists(null)", "name", (m, s, c, l, b) -> SyncObjects.exists(null)),
                call("SyncObjects.destroy(null)", "name", (m, s, c, l, b) -> SyncObjects.destroy(null)));
    }

    private static Arguments call(String what, String parameter, Call call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call) {
        try (ProcessMutex mutex = ProcessMutex.create("nulls-m");
             ProcessSemaphore semaphore = ProcessSemaphore.create("nulls-s", 1);
             ProcessCondition condition = ProcessCondition.create("nulls-c");
             ProcessCountDownLatch latch = ProcessCountDownLatch.create("nulls-l", 1);
             ProcessBarrier barrier = ProcessBarrier.create("nulls-b", 2)) {
            NullPointerException e = assertThrows(NullPointerException.class,
                    () -> call.on(mutex, semaphore, condition, latch, barrier), what);
            assertEquals(parameter, e.getMessage(), what);
            assertFalse(mutex.isHeldByCurrentThread(), what + " left the mutex held");
        } finally {
            for (String name : new String[] {"nulls-m", "nulls-s", "nulls-c", "nulls-l", "nulls-b"}) {
                SyncObjects.destroy(name);
            }
        }
    }
}
