package io.jipc.net;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A null argument to a public entry point of jipc-net is a {@link NullPointerException} at the call
 * whose message is the parameter's name (docs/architecture.md, Argument errors).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class NetNullArgumentsTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    static Stream<Arguments> calls() {
        return Stream.of(
                call("SocketUri.parse(null)", "text", () -> SocketUri.parse(null)),
                call("SocketUri.isSocketUri(null)", "text", () -> SocketUri.isSocketUri(null)),
                call("StreamServer.bind(null)", "address", () -> StreamServer.bind(null)),
                call("StreamServer.bind(null, options)", "address", () -> StreamServer.bind(null, ServerOptions.defaults())),
                call("StreamServer.bind(address, null)", "options", () -> StreamServer.bind(LOOPBACK, null)),
                call("StreamConnection.connect(null)", "address", () -> StreamConnection.connect(null)),
                call("StreamConnection.connect(null, options)", "address",
                        () -> StreamConnection.connect(null, ConnectionOptions.defaults())),
                call("StreamConnection.connect(address, null)", "options", () -> StreamConnection.connect(LOOPBACK, null)),
                call("ServerOptions.withAllowedUids(null)", "uids", () -> ServerOptions.defaults().withAllowedUids(null)),
                call("ServerOptions.withCloseGrace(null)", "closeGrace", () -> ServerOptions.defaults().withCloseGrace(null)),
                call("ServerOptions.withConnection(null)", "connection", () -> ServerOptions.defaults().withConnection(null)),
                call("DatagramEndpoint.bind(null)", "local", () -> DatagramEndpoint.bind(null)),
                call("DatagramEndpoint.bind(local, null)", "options", () -> DatagramEndpoint.bind(LOOPBACK, null)),
                call("DatagramEndpoint.open(null, options)", "peerKind",
                        () -> DatagramEndpoint.open(null, DatagramOptions.defaults())),
                call("DatagramEndpoint.open(peerKind, null)", "options", () -> DatagramEndpoint.open(LOOPBACK, null)),
                call("StreamServer.accept(null)", "timeout", () -> {
                    try (StreamServer server = StreamServer.bind(LOOPBACK)) {
                        server.accept((Duration) null);
                    }
                }),
                // a connection's and an endpoint's messages and buffers: until 2026-12-07 a deeper NPE
                // ("Cannot read the array length because "array" is null", from ByteBuffer.wrap)
                call("StreamConnection.put(null)", "message", onConnection(c -> c.put(null))),
                call("StreamConnection.offer(null)", "message", onConnection(c -> c.offer(null))),
                call("StreamConnection.offer(null, timeout)", "message", onConnection(c -> c.offer(null, SECOND))),
                call("StreamConnection.offer(null, null)", "message", onConnection(c -> c.offer(null, null))),
                call("StreamConnection.offer(message, null)", "timeout", onConnection(c -> c.offer(new byte[1], null))),
                call("StreamConnection.offer(null, timeout, limit)", "message", onConnection(c -> c.offer(null, SECOND, -1))),
                call("StreamConnection.offerWhole(null, timeout)", "message", onConnection(c -> c.offerWhole(null, SECOND))),
                call("StreamConnection.offerWhole(null, null)", "message", onConnection(c -> c.offerWhole(null, null))),
                call("StreamConnection.offerWhole(null, timeout, limit)", "message",
                        onConnection(c -> c.offerWhole(null, SECOND, -1))),
                call("StreamConnection.offerShielded(null, timeout)", "message",
                        onConnection(c -> c.offerShielded(null, SECOND))),
                call("StreamConnection.offerShielded(null, timeout, null)", "message",
                        onConnection(c -> c.offerShielded(null, SECOND, null))),
                call("StreamConnection.offerShieldedAtOnce(null, timeout, null)", "message",
                        onConnection(c -> c.offerShieldedAtOnce(null, SECOND, null))),
                call("StreamConnection.write(null)", "src", onConnection(c -> c.write(null))),
                call("StreamConnection.read(null)", "dst", onConnection(c -> c.read(null))),
                call("DatagramEndpoint.offer(target, null)", "message", onEndpoint(e -> e.offer(e.localAddress(), null))),
                call("DatagramEndpoint.offer(target, null, timeout)", "message",
                        onEndpoint(e -> e.offer(e.localAddress(), null, SECOND))),
                call("DatagramEndpoint.put(target, null)", "message", onEndpoint(e -> e.put(e.localAddress(), null))));
    }

    private static final Duration SECOND = Duration.ofSeconds(1);

    @FunctionalInterface
    private interface On<T> {
        void call(T t) throws Throwable;
    }

    /** {@code call} on a connection to a loopback server of this JVM, open (the kernel accepted it). */
    private static Executable onConnection(On<StreamConnection> call) {
        return () -> {
            try (StreamServer server = StreamServer.bind(LOOPBACK);
                 StreamConnection connection = StreamConnection.connect(server.localAddress())) {
                call.call(connection);
            }
        };
    }

    /** {@code call} on an endpoint bound on loopback. */
    private static Executable onEndpoint(On<DatagramEndpoint> call) {
        return () -> {
            try (DatagramEndpoint endpoint = DatagramEndpoint.bind(LOOPBACK)) {
                call.call(endpoint);
            }
        };
    }

    private static Arguments call(String what, String parameter, Executable call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call, what);
        assertEquals(parameter, e.getMessage(), what);
    }
}
