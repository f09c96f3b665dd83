package io.jipc.shm;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A null argument to a public entry point of jipc-shm is a {@link NullPointerException} at the call
 * whose message is the parameter's name (docs/architecture.md, Argument errors).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ShmNullArgumentsTest {
    /** A call given a fresh 64-byte region "nulls-region" and an 8-byte-item buffer "nulls-buffer". */
    interface Call {
        void on(SharedRegion region, CircularBuffer buffer) throws Throwable;
    }

    static Stream<Arguments> calls() {
        return Stream.of(
                call("SharedRegion.create(null, 8)", "name", (r, b) -> SharedRegion.create(null, 8)),
                call("SharedRegion.open(null)", "name", (r, b) -> SharedRegion.open(null)),
                call("SharedRegion.open(name, null)", "access", (r, b) -> SharedRegion.open("nulls-region", null)),
                call("SharedRegion.exists(null)", "name", (r, b) -> SharedRegion.exists(null)),
                call("SharedRegion.unlink(null)", "name", (r, b) -> SharedRegion.unlink(null)),
                call("Region.getBytes(0, null)", "destination", (r, b) -> r.getBytes(0, null)),
                call("Region.setBytes(0, null)", "source", (r, b) -> r.setBytes(0, null)),
                call("AnonymousRegion.receive(null, timeout)", "address",
                        (r, b) -> AnonymousRegion.receive(null, Duration.ofSeconds(1))),
                call("AnonymousRegion.receive(address, null)", "timeout", (r, b) -> AnonymousRegion.receive("x", null)),
                call("CircularBuffer.create(null, 8, 4)", "name", (r, b) -> CircularBuffer.create(null, 8, 4)),
                call("CircularBuffer.open(null)", "name", (r, b) -> CircularBuffer.open(null)),
                call("CircularBuffer.destroy(null)", "name", (r, b) -> CircularBuffer.destroy(null)),
                call("CircularBuffer.format(null, 8, 4)", "region", (r, b) -> CircularBuffer.format((Region) null, 8, 4)),
                call("CircularBuffer.attach(null)", "region", (r, b) -> CircularBuffer.attach(null)),
                call("offer(byte[] null)", "item", (r, b) -> b.offer((byte[]) null)),
                call("offer(MemorySegment null)", "item", (r, b) -> b.offer((MemorySegment) null)),
                call("put(byte[] null)", "item", (r, b) -> b.put((byte[]) null)),
                call("put(MemorySegment null)", "item", (r, b) -> b.put((MemorySegment) null)),
                call("offer(byte[] null, timeout)", "item", (r, b) -> b.offer((byte[]) null, Duration.ZERO)),
                call("offer(item, null)", "timeout", (r, b) -> b.offer(new byte[8], null)),
                call("poll(MemorySegment null)", "destination", (r, b) -> b.poll((MemorySegment) null)),
                call("take(MemorySegment null)", "destination", (r, b) -> b.take(null)),
                call("poll(null timeout)", "timeout", (r, b) -> b.poll((Duration) null)));
    }

    private static Arguments call(String what, String parameter, Call call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call) {
        try (SharedRegion region = SharedRegion.create("nulls-region", 64);
             CircularBuffer buffer = CircularBuffer.create("nulls-buffer", 8, 4)) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> call.on(region, buffer), what);
            assertEquals(parameter, e.getMessage(), what);
        } finally {
            SharedRegion.unlink("nulls-region");
            CircularBuffer.destroy("nulls-buffer");
        }
    }
}
