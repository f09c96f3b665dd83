package io.jipc.dsm;

import io.jipc.naming.NameService;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A null argument to a public entry point of jipc-dsm is a {@link NullPointerException} at the call
 * whose message is the parameter's name (docs/architecture.md, Argument errors), not a deeper NPE or
 * an {@code IllegalArgumentException} naming the region "null". (Exception constructors take a null
 * message or cause as the JDK's do; {@code register}'s {@code host} may be null by its contract.)
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DsmNullArgumentsTest {
    private static final SocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final Duration SECOND = Duration.ofSeconds(1);

    /** A call given a running home, an open replica of region "r" there and a name service. */
    interface Call {
        void on(RegionHome home, ReplicatedRegion region, NameService names) throws Throwable;
    }

    static Stream<Arguments> calls() {
        DsmOptions d = DsmOptions.defaults();
        return Stream.of(
                call("RegionHome.start(null)", "address", (h, r, n) -> RegionHome.start(null)),
                call("RegionHome.start(null, options)", "address", (h, r, n) -> RegionHome.start(null, d)),
                call("RegionHome.start(address, null)", "options", (h, r, n) -> RegionHome.start(LOOPBACK, null)),
                call("home.register(null, name)", "names", (h, r, n) -> h.register(null, "nulls")),
                call("home.register(names, null)", "name", (h, r, n) -> h.register(n, null)),
                call("home.register(null, name, host)", "names", (h, r, n) -> h.register(null, "nulls", "localhost")),
                call("home.register(names, null, host)", "name", (h, r, n) -> h.register(n, null, "localhost")),
                call("ReplicatedRegion.open(null, name, size)", "home",
                        (h, r, n) -> ReplicatedRegion.open((SocketAddress) null, "r", 64)),
                call("ReplicatedRegion.open(home, null, size)", "name", (h, r, n) -> ReplicatedRegion.open(h.address(), null, 64)),
                call("ReplicatedRegion.open(null, name, size, options)", "home",
                        (h, r, n) -> ReplicatedRegion.open((SocketAddress) null, "r", 64, d)),
                call("ReplicatedRegion.open(home, null, size, options)", "name",
                        (h, r, n) -> ReplicatedRegion.open(h.address(), null, 64, d)),
                call("ReplicatedRegion.open(home, name, size, null)", "options",
                        (h, r, n) -> ReplicatedRegion.open(h.address(), "r", 64, null)),
                call("ReplicatedRegion.open(null, home, region, size, options)", "names",
                        (h, r, n) -> ReplicatedRegion.open(null, "nulls", "r", 64, d)),
                call("ReplicatedRegion.open(names, null, region, size, options)", "home",
                        (h, r, n) -> ReplicatedRegion.open(n, null, "r", 64, d)),
                call("ReplicatedRegion.open(names, home, null, size, options)", "region",
                        (h, r, n) -> ReplicatedRegion.open(n, "nulls", null, 64, d)),
                call("ReplicatedRegion.open(names, home, region, size, null)", "options",
                        (h, r, n) -> ReplicatedRegion.open(n, "nulls", "r", 64, null)),
                call("region.read(null)", "reader", (h, r, n) -> r.read(null)),
                call("region.tryWrite(null)", "timeout", (h, r, n) -> r.tryWrite(null)),
                call("region.update(null)", "writer", (h, r, n) -> r.update(null)),
                call("region.awaitVersion(seen, null)", "timeout", (h, r, n) -> r.awaitVersion(0, null)),
                call("new DsmOptions(null, ...)", "connectTimeout",
                        (h, r, n) -> new DsmOptions(null, SECOND, SECOND.multipliedBy(3), 64, 1, true, 1 << 20)),
                call("new DsmOptions(..., null, ...)", "heartbeatInterval",
                        (h, r, n) -> new DsmOptions(SECOND, null, SECOND.multipliedBy(3), 64, 1, true, 1 << 20)),
                call("new DsmOptions(..., null, size, ...)", "peerTimeout",
                        (h, r, n) -> new DsmOptions(SECOND, SECOND, null, 64, 1, true, 1 << 20)),
                call("new DsmOptions(null, ...) without maxHomeMemory", "connectTimeout",
                        (h, r, n) -> new DsmOptions(null, SECOND, SECOND.multipliedBy(3), 64, 1, true)),
                call("new DsmOptions(..., null, ...) without maxHomeMemory", "heartbeatInterval",
                        (h, r, n) -> new DsmOptions(SECOND, null, SECOND.multipliedBy(3), 64, 1, true)),
                call("new DsmOptions(..., null, size, ...) without maxHomeMemory", "peerTimeout",
                        (h, r, n) -> new DsmOptions(SECOND, SECOND, null, 64, 1, true)),
                call("options.withConnectTimeout(null)", "timeout", (h, r, n) -> d.withConnectTimeout(null)),
                call("options.withLiveness(null, peerLost)", "heartbeat", (h, r, n) -> d.withLiveness(null, SECOND)),
                call("options.withLiveness(heartbeat, null)", "peerLost", (h, r, n) -> d.withLiveness(SECOND, null)),
                call("new RegionStatus(null, ...)", "name", (h, r, n) -> new RegionStatus(null, 1, 0, 0, false, false, 0)),
                call("new RegionRefusedException(null, message)", "reason",
                        (h, r, n) -> new RegionRefusedException(null, "refused")));
    }

    private static Arguments call(String what, String parameter, Call call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call)
            throws Exception {
        try (RegionHome home = RegionHome.start(LOOPBACK);
             ReplicatedRegion region = ReplicatedRegion.open(home.address(), "r", 64);
             NameService names = NameService.open()) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> call.on(home, region, names), what);
            assertEquals(parameter, e.getMessage(), what);
            assertTrue(names.lookup(RegionHome.NAME_PREFIX + "null").isEmpty(), what + " registered a home as 'null'");
            region.update(s -> s.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1)); // no section left open
            assertEquals(1, region.version(), what);
        }
    }
}
