package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RpcServer#close()} with calls running past its grace: the calls it interrupts fail with
 * {@link RpcServerLostException} at their callers, also when the implementation turns its interrupt
 * into a value and returns it ({@link Spinner#nap} returns -1): that value is the close's doing, and
 * must never arrive as the call's result. Several rounds, through mailboxes and over TCP, since the
 * value raced the close's CLOSING. No durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcCloseInFlightTest {
    private static final int ROUNDS = 6;
    private static final int CALLS = 8;

    @ParameterizedTest
    @ValueSource(strings = {"mailbox", "tcp"})
    void aValueMadeOfTheClosesInterruptNeverArrivesAsAResult(String transport) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String name = "close-in-flight-" + transport + "-" + round;
            SpinnerService service = new SpinnerService();
            RpcServer.Builder<Spinner> builder = RpcServer.builder(name, Spinner.class, service);
            if (transport.equals("tcp")) {
                builder.listen(new InetSocketAddress("127.0.0.1", 0));
            }
            List<CompletableFuture<Long>> naps = new ArrayList<>();
            try (RpcServer<Spinner> server = builder.start();
                    RpcClient<Spinner> client = transport.equals("tcp")
                            ? RpcClient.connect(URI.create("tcp://127.0.0.1:"
                                    + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/" + name),
                                    Spinner.class, RpcClient.Options.defaults())
                            : RpcClient.connect(name, Spinner.class)) {
                for (int i = 0; i < CALLS; i++) {
                    naps.add(client.async(s -> s.nap(Duration.ofMinutes(10).toMillis())));
                }
                while (service.nappingCalls() < CALLS) {
                    Thread.sleep(5);
                }
                server.close(); // past its grace, it interrupts the naps: each returns -1
                int r = round;
                for (CompletableFuture<Long> nap : naps) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> nap.get(60, TimeUnit.SECONDS),
                            () -> "round " + r + ": a value made of the close's interrupt arrived as a result");
                    assertInstanceOf(RpcServerLostException.class, e.getCause());
                }
            }
        }
    }
}
