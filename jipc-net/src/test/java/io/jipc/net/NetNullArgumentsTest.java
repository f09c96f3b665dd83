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
                }));
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
