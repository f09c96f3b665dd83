package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.TwoHosts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two "hosts" with separate network stacks: two network namespaces joined by a veth pair
 * (10.231.7.1/30 and 10.231.7.2/30, nothing outside the machine). The gateway runs in one, the client
 * in the other; then the link is cut while the client is blocked in a take, or while it is idle (the
 * gateway drops it after about its peer timeout: the kernel's keepalive, as the gateway sets it; the
 * test prints how long it took, with a hang guard of ten peer timeouts). Skipped where network
 * namespaces cannot be made (not root, no iproute2, a restricted container). The namespaces' names
 * start with the system property {@code jipc.test.netnsPrefix} ({@code jipc-} unless given); the veth
 * pair is made inside them, so it never appears among this host's interfaces.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VethNetnsTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String BOX = "veth-box";

    private TwoHosts hosts;

    @BeforeEach
    void makeTwoHosts() {
        hosts = TwoHosts.make("jipc-", "10.231.7");
    }

    @AfterEach
    void removeThem() {
        if (hosts != null) { // null: skipped
            hosts.close();
        }
        Mailbox.destroy(BOX);
    }

    private static ChildJvm in(String namespace, String... args) {
        return ChildJvm.builder(RemoteChild.class).wrapper(TwoHosts.exec(namespace)).args(args)
                .quickStart().hardTimeout(Duration.ofSeconds(170)).start();
    }

    @Test
    void aMailboxOnHostAIsUsedFromHostBAndACutLinkFailsTheBlockedTake() throws Exception {
        try (Mailbox mailbox = Mailbox.create(BOX, MailboxOptions.builder().messageLimit(8).build());
             ChildJvm gateway = in(hosts.hostA(), "gateway", hosts.addressA(), BOX)) {
            String port = gateway.awaitLine("GATEWAY ", LONG).substring("GATEWAY ".length());
            try (ChildJvm client = in(hosts.hostB(), "client", "tcp://" + hosts.addressA() + ":" + port + "/" + BOX, "5")) {
                client.awaitLine("TAKING", LONG);
                for (int i = 0; i < 5; i++) {
                    assertEquals("TOOK m" + i, client.awaitLine("TOOK ", LONG), client.output());
                }
                mailbox.put("from host A".getBytes(StandardCharsets.UTF_8)); // a local sender on host A
                assertEquals("TOOK from host A", client.awaitLine("TOOK ", LONG));

                hosts.cutA(); // cut the cable
                String lost = client.awaitLine("LOST ", LONG);
                assertTrue(lost.contains("nothing heard from the gateway"), lost);
                assertEquals(0, client.waitFor(LONG), client.output());
            }
            gateway.process().getOutputStream().close();
            gateway.awaitLine("CLOSED", LONG);
            assertEquals(0, gateway.waitFor(LONG), gateway.output());
        }
    }

    @Test
    void anIdleClientOnHostBWhoseLinkIsCutIsDroppedByTheGateway() throws Exception {
        Duration peerTimeout = RemoteChild.OPTIONS.peerTimeout();
        try (Mailbox ignored = Mailbox.create(BOX, MailboxOptions.builder().messageLimit(8).build());
             ChildJvm gateway = in(hosts.hostA(), "gateway", hosts.addressA(), BOX)) {
            String port = gateway.awaitLine("GATEWAY ", LONG).substring("GATEWAY ".length());
            try (ChildJvm client = in(hosts.hostB(), "idle", "tcp://" + hosts.addressA() + ":" + port + "/" + BOX)) {
                client.awaitLine("IDLE", LONG);
                assertEquals("CLIENTS 1", count(gateway));

                long cut = System.nanoTime();
                hosts.cutB(); // cut the client's cable
                long guard = cut + peerTimeout.multipliedBy(10).toNanos();
                while (!count(gateway).equals("CLIENTS 0")) {
                    assertTrue(System.nanoTime() - guard < 0, () -> "the gateway still holds the idle client "
                            + peerTimeout.multipliedBy(10) + " after its link was cut");
                    Thread.sleep(20);
                }
                System.out.printf("VethNetnsTest: an idle client cut off dropped after %d ms (peer timeout %d ms)%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut), peerTimeout.toMillis());
                client.process().getOutputStream().close();
                assertEquals(0, client.waitFor(LONG), client.output());
            }
            gateway.process().getOutputStream().close();
            gateway.awaitLine("CLOSED", LONG);
            assertEquals(0, gateway.waitFor(LONG), gateway.output());
        }
    }

    /** The gateway's answer to {@code count}: {@code CLIENTS <n>}. */
    private static String count(ChildJvm gateway) throws IOException {
        var in = gateway.process().getOutputStream();
        in.write("count\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        return gateway.awaitLine("CLIENTS ", LONG);
    }
}
