package io.jipc.cli.endpoint;

import io.jipc.mq.MqAttributes;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.TestQueues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc send} opens a POSIX queue for sending only and {@code jipc recv} for receiving only
 * (write and read permission respectively), so another user's queue made {@code 0622} takes a send
 * and one made {@code 0644} serves a receive. Root bypasses the permission bits, so what is checked
 * here is the access each direction asks for: the other one is refused by the handle.
 */
@ExtendWith(JipcTestExtension.class)
class QueueDirectionTest {

    @Test
    void eachDirectionOpensTheQueueForThatDirectionOnly() throws Exception {
        String name = TestQueues.name("jipc-test-direction");
        try (PosixMessageQueue queue = PosixMessageQueue.create(name, MqAttributes.of(2, 32), 0622)) {
            try (MessageEndpoint send = Endpoints.open("mq:" + name, false, 0, false, Direction.SEND)) {
                assertTrue(send.send(new byte[] {7}, 0, Wait.NONE));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> send.receive(Wait.NONE));
                assertTrue(e.getMessage().contains("send only"), e.getMessage());
            }
            try (MessageEndpoint receive = Endpoints.open("mq:" + name, true, 0, false, Direction.RECEIVE)) {
                assertArrayEquals(new byte[] {7}, receive.receive(Wait.NONE).payload());
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> receive.send(new byte[] {8}, 0, Wait.NONE));
                assertTrue(e.getMessage().contains("receive only"), e.getMessage());
            }
        } finally {
            PosixMessageQueue.unlink(name);
        }
    }
}
