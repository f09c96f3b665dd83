package io.jipc.signals;

import io.jipc.platform.ProcessIdentity;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A null argument to a public entry point of jipc-signals is a {@link NullPointerException} at the
 * call whose message is the parameter's name (docs/architecture.md, Argument errors), not a deeper
 * NPE. (The enum's own {@code Signal.valueOf(String)} is the JDK's, and {@link SignalHandler} is
 * called by the library, not by the caller.)
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SignalsNullArgumentsTest {
    private static final long SELF = ProcessHandle.current().pid();

    /** A call given an open doorbell of {@code SIGWINCH}. */
    interface Call {
        void on(SignalDoorbell doorbell) throws Throwable;
    }

    static Stream<Arguments> calls() {
        return Stream.of(
                call("Signal.parse(null)", "name", d -> Signal.parse(null)),
                call("ProcessSignals.send(pid, (Signal) null)", "signal", d -> ProcessSignals.send(SELF, (Signal) null)),
                call("ProcessSignals.send((ProcessIdentity) null, signal)", "process",
                        d -> ProcessSignals.send((ProcessIdentity) null, Signal.SIGWINCH)),
                call("ProcessSignals.send((ProcessIdentity) null, number)", "process",
                        d -> ProcessSignals.send((ProcessIdentity) null, 28)),
                call("ProcessSignals.send(identity, (Signal) null)", "signal",
                        d -> ProcessSignals.send(ProcessIdentity.current(), (Signal) null)),
                call("ProcessSignals.sendToGroup(pgid, null)", "signal",
                        d -> ProcessSignals.sendToGroup(ProcessSignals.currentProcessGroup(), null)),
                call("SignalDoorbell.open(null)", "signal", d -> SignalDoorbell.open(null)),
                call("doorbell.poll((Duration) null)", "timeout", d -> d.poll((Duration) null)),
                call("SignalListener.start(null, handler)", "signal",
                        d -> SignalListener.start(null, (signal, deliveries) -> { })),
                call("SignalListener.start(signal, null)", "handler", d -> SignalListener.start(Signal.SIGWINCH, null)));
    }

    private static Arguments call(String what, String parameter, Call call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call) {
        try (SignalDoorbell doorbell = SignalDoorbell.open(Signal.SIGWINCH)) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> call.on(doorbell), what);
            assertEquals(parameter, e.getMessage(), what);
            assertFalse(doorbell.isClosed(), what + " closed the doorbell");
        }
    }
}
