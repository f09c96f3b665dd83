package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The benchmark's pair: an echo through the gateway, and nothing left behind. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RemoteMailboxPairTest {
    @Test
    void anEchoCrossesTheGatewayBothWays() throws Exception {
        try (RemoteMailboxPair pair = RemoteMailboxPair.create("pair", 256, 16);
             RemoteMailboxPair.Peer peer = RemoteMailboxPair.connect(pair.peerArgument(), RemoteChild.OPTIONS)) {
            CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 100; i++) {
                        peer.outbox().put(peer.inbox().take());
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < 100; i++) {
                byte[] ping = {(byte) i, 1, 2, 3};
                pair.toPeer().put(ping);
                assertArrayEquals(ping, pair.fromPeer().take());
            }
            echo.get(30, TimeUnit.SECONDS);
        }
        assertFalse(Mailbox.exists("pair-to") || Mailbox.exists("pair-from"));
    }
}
