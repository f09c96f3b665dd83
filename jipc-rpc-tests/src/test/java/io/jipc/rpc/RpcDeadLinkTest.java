package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.TwoHosts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TCP client whose link is cut, as {@code VethNetnsTest} of jipc-remote makes it: two network
 * namespaces ("hosts", 10.231.8.1/30 and 10.231.8.2/30, nothing outside the machine) joined by a veth
 * pair made inside them, the server ({@link RpcChild} {@code watch}) in one and the client
 * ({@code hold}) in the other, each a child JVM started through {@code ip netns exec}. Then the client's
 * end of the pair goes down: its host is gone as far as the server can tell, and nothing closes the
 * connection. The server must forget the client (its {@code clientCount()} back to 0, its running call
 * interrupted) by its connections' dead peer timeout (their frame timeout, 3 s here): before, it held
 * an idle client for ever, and one whose call ran until the call ended and then the kernel's
 * retransmissions of the reply gave up (about 15 minutes). The hang guard is ten times the timeout;
 * how long it took is printed, not asserted. Skipped where network namespaces cannot be made (not
 * root, no iproute2, a restricted container). The namespaces' names start with the system property
 * {@code jipc.test.netnsPrefix} ({@code jipc-rpc-} unless given).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RpcDeadLinkTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration HANG_GUARD = FRAME_TIMEOUT.multipliedBy(10);
    private static final String NAME = "dead-link-bank";

    private TwoHosts hosts;

    @BeforeEach
    void makeTwoHosts() {
        hosts = TwoHosts.make("jipc-rpc-", "10.231.8");
    }

    @AfterEach
    void removeThem() {
        if (hosts != null) { // null: skipped
            hosts.close();
        }
        Mailbox.destroy(NAME); // a server child killed by a failed test leaves its request mailbox
    }

    @Test
    void aClientCutOffWhileItsCallRunsIsForgottenAndTheCallInterrupted() {
        cutTheClientOff(true);
    }

    @Test
    void anIdleClientCutOffIsForgotten() {
        cutTheClientOff(false);
    }

    private void cutTheClientOff(boolean whileCalling) {
        try (ChildJvm server = in(hosts.hostA(), "watch", NAME, hosts.addressA(), Long.toString(FRAME_TIMEOUT.toMillis()))) {
            String port = server.awaitLine("SERVING ", LONG).substring("SERVING ".length());
            try (ChildJvm client = in(hosts.hostB(), "hold", "tcp://" + hosts.addressA() + ":" + port + "/" + NAME,
                    whileCalling ? "call" : "idle")) {
                client.awaitLine("CONNECTED", LONG);
                if (whileCalling) {
                    server.awaitLine("STATE clients=1 sleeping=1 interrupted=0", LONG);
                } else {
                    client.awaitLine("IDLE", LONG);
                    server.awaitLine("STATE clients=1 sleeping=0 interrupted=0", LONG);
                }

                long cut = System.nanoTime();
                hosts.cutB(); // cut the client's cable
                String forgotten = "STATE clients=0 sleeping=0 interrupted=" + (whileCalling ? 1 : 0);
                server.awaitLine(forgotten, HANG_GUARD);
                System.out.printf("RpcDeadLinkTest: a client cut off %s forgotten after %d ms (dead peer timeout %d ms)%n",
                        whileCalling ? "while its call ran" : "while idle",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut), FRAME_TIMEOUT.toMillis());
                if (whileCalling) { // the client gives up by its own peer timeout (documented), whatever the server does
                    String lost = client.awaitLine("LOST ", LONG);
                    assertTrue(lost.contains("did not answer") || lost.contains("ended"), lost);
                }
                client.process().getOutputStream().close();
                assertEquals(0, client.waitFor(LONG), client.output());
            }
            server.process().getOutputStream().close();
            server.awaitLine("CLOSED", LONG);
            assertEquals(0, server.waitFor(LONG), server.output());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ChildJvm in(String namespace, String... args) {
        return ChildJvm.builder(RpcChild.class).wrapper(TwoHosts.exec(namespace)).args(args)
                .quickStart().hardTimeout(Duration.ofSeconds(170)).start();
    }
}
