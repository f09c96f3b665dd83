package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A call whose deadline passes while it runs: the server's deadline (which runs from when it takes
 * the call) interrupts it, and the implementation turns the interrupt into a value ({@link
 * Spinner#nap} returns -1). That value is not the call's result: the caller gets {@link
 * RpcTimeoutException}, never the value, although the server's reply and the caller's own deadline
 * race (over TCP the server's deadline fires about when the caller's does: until 2026-12-05 about half
 * such calls returned -1 as a success). Through mailboxes and over TCP, one call after another. No
 * durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcTimedOutCallTest {
    private static final int CALLS = 30;

    @ParameterizedTest
    @ValueSource(strings = {"mailbox", "tcp"})
    void aValueMadeOfTheDeadlinesInterruptNeverArrivesAsAResult(String transport) throws Exception {
        String name = "timed-out-" + transport;
        SpinnerService service = new SpinnerService();
        RpcServer.Builder<Spinner> builder = RpcServer.builder(name, Spinner.class, service);
        if (transport.equals("tcp")) {
            builder.listen(new InetSocketAddress("127.0.0.1", 0));
        }
        RpcClient.Options timed = RpcClient.Options.defaults().withCallTimeout(Duration.ofMillis(100));
        try (RpcServer<Spinner> server = builder.start();
                RpcClient<Spinner> client = transport.equals("tcp")
                        ? RpcClient.connect(URI.create("tcp://127.0.0.1:"
                                + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/" + name),
                                Spinner.class, timed)
                        : RpcClient.connect(name, Spinner.class, timed)) {
            for (int call = 0; call < CALLS; call++) {
                int c = call;
                long[] value = new long[1];
                RpcTimeoutException e = assertThrows(RpcTimeoutException.class,
                        () -> value[0] = client.stub().nap(Duration.ofMinutes(10).toMillis()),
                        () -> "call " + c + ": a value made of the deadline's interrupt arrived as a result: " + value[0]);
                assertInstanceOf(RpcTimeoutException.class, e);
            }
            // the server is fine afterwards: a call in time returns its value
            try (RpcClient<Spinner> untimed = transport.equals("tcp")
                    ? RpcClient.connect(URI.create("tcp://127.0.0.1:"
                            + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/" + name), Spinner.class,
                            RpcClient.Options.defaults())
                    : RpcClient.connect(name, Spinner.class)) {
                assertEquals(1, untimed.stub().nap(1));
            }
        }
    }
}
