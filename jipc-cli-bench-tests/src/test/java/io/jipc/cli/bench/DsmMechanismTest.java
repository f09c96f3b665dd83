package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.bench.LinkMessages.message;
import static io.jipc.cli.bench.LinkMessages.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The replicated-region mechanism within one process (both sides, the home with the measuring
 * side): its size classes, and that every message arrives whole and in order across class changes
 * and full rings. The two-process run is in {@code BenchAllCommandTest}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DsmMechanismTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void sizeClassesGrowSixteenfoldUpToTheLargestMessage() {
        DsmMechanism.Layout layout = DsmMechanism.Layout.of(1 << 20);
        assertEquals(List.of(256, 4096, 65536, 1 << 20), List.of(layout.capacities()[0], layout.capacities()[1],
                layout.capacities()[2], layout.capacities()[3]));
        assertEquals(16, layout.depths()[0]);
        assertEquals(16, layout.depths()[1]);
        assertEquals(2, layout.depths()[2]);
        assertEquals(2, layout.depths()[3]);
        assertEquals(0, layout.classOf(16));
        assertEquals(1, layout.classOf(257));
        assertEquals(3, layout.classOf(1 << 20));
        DsmMechanism.Layout small = DsmMechanism.Layout.of(64);
        assertEquals(1, small.classes());
        assertEquals(64, small.capacities()[0]);
    }

    @Test
    void everyMessageArrivesWholeAndInOrderAcrossClassesAndFullRings() throws Exception {
        int maxSize = 1 << 20;
        DsmMechanism mechanism = new DsmMechanism();
        try (Mechanism.Endpoint endpoint = mechanism.open(maxSize, null);
             Link peer = mechanism.connect(endpoint.peerArgument())) {
            Link link = endpoint.link();
            Random random = new Random(42);
            int[] sizes = {16, 64, 255, 256, 257, 4096, 5000, 65536, 70000, maxSize};

            // ping-pong: the peer echoes, the replies announce what it consumed
            CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> run(peer::echo));
            for (int i = 0; i < 200; i++) {
                byte[] m = message(random, sizes[i % sizes.length], i);
                link.send(m);
                assertArrayEquals(m, link.receive(WAIT), "echo " + i);
            }
            byte[] stop = message(random, 64, -1);
            link.send(stop);
            assertArrayEquals(stop, link.receive(WAIT));
            echo.get(1, TimeUnit.MINUTES);

            // one way: far more messages than a ring holds, the receiver announcing in the credit region
            byte[][] sent = new byte[600][];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = message(random, i < 500 ? sizes[(i / 50) % 3] : sizes[7 + i % 3], i);
            }
            CompletableFuture<Void> receiver = CompletableFuture.runAsync(() -> run(() -> {
                for (int i = 0; i < sent.length; i++) {
                    byte[] m = peer.receive(WAIT);
                    assertNotNull(m, "message " + i);
                    assertArrayEquals(sent[i], m, "message " + i);
                }
            }));
            for (byte[] m : sent) {
                link.send(m);
            }
            receiver.get(1, TimeUnit.MINUTES);
            assertNull(peer.receive(Duration.ofMillis(20)));
        }
    }
}
