package io.jipc.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The protocol's bytes as docs/remote.md describes them, and the frames it refuses. */
class WireTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void requestsHaveTheDocumentedLayout() {
        assertArrayEquals(hex("01 01 6f 72 64 65 72 73"), Wire.encode(new Wire.Open(1, "orders")));
        assertArrayEquals(hex("02 01 02 00000000 3b9aca00 aabb"),
                Wire.encode(new Wire.Send(Wire.Wait.TIMED, 2, 1_000_000_000L, hex("aabb"))));
        assertArrayEquals(hex("03 02 0000000000000000"), Wire.encode(new Wire.Receive(Wire.Wait.FOREVER, 0)));
        assertArrayEquals(hex("04 000000000000002a"), Wire.encode(new Wire.Ack(42)));
        assertArrayEquals(hex("05"), Wire.encode(new Wire.Ping()));
        assertArrayEquals(hex("06"), Wire.encode(new Wire.Cancel()));
    }

    @Test
    void repliesHaveTheDocumentedLayout() {
        assertArrayEquals(hex("81 00000400 03"), Wire.encode(new Wire.Opened(1024, 3)));
        assertArrayEquals(hex("82 01"), Wire.encode(new Wire.Sent(true)));
        assertArrayEquals(hex("83 0000000000000007 0908"), Wire.encode(new Wire.Delivery(7, hex("0908"))));
        assertArrayEquals(hex("87 0000000000000007 02 0908"),
                Wire.encode(new Wire.PrioritizedDelivery(7, 2, hex("0908"))));
        assertEquals(List.of(7L, 255, 0), decodedDelivery("87 0000000000000007 ff"), "priority u8, empty payload");
        assertArrayEquals(hex("84"), Wire.encode(new Wire.Empty()));
        assertArrayEquals(hex("85"), Wire.encode(new Wire.Heartbeat()));
        assertArrayEquals(hex("86 00 78"), Wire.encode(new Wire.Error(Wire.ErrorCode.NO_SUCH_MAILBOX, "x")));
    }

    private static List<Object> decodedDelivery(String frame) {
        Wire.PrioritizedDelivery d = (Wire.PrioritizedDelivery) Wire.decodeReply(hex(frame));
        return List.of(d.deliveryId(), d.priority(), d.payload().length);
    }

    @Test
    void aPriorityOutsideTheProtocolsByteIsRefusedWhenEncoding() {
        assertThrows(IllegalArgumentException.class, () -> new Wire.PrioritizedDelivery(1, 256, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Wire.PrioritizedDelivery(1, -1, new byte[0]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "7f", "01", "01 01", "02 00 00", "02 03 00 0000000000000000",
            "02 00 00 ffffffffffffffff", "03 00", "03 09 0000000000000000", "04 00", "05 00", "06 01",
            "01 01 ff fe", "83", "87", "87 0000000000000007", "81 00000400", "81 80000000 01", "81 00000400 00", "82 02", "86 63 78", "99"})
    void hostileFramesAreRefused(String frame) {
        byte[] bytes = hex(frame);
        assertThrows(ProtocolException.class, () -> {
            try {
                Wire.decodeRequest(bytes);
            } catch (ProtocolException e) {
                Wire.decodeReply(bytes);
            }
        });
    }

    @Test
    void aNameLongerThanAMailboxNameIsRefused() {
        byte[] frame = ByteBuffer.allocate(2 + Wire.MAX_NAME + 1).put((byte) 1).put((byte) 1)
                .put("a".repeat(Wire.MAX_NAME + 1).getBytes()).array();
        ProtocolException e = assertThrows(ProtocolException.class, () -> Wire.decodeRequest(frame));
        assertTrue(e.getMessage().contains("1 to 200"), e.getMessage());
        assertEquals("a".repeat(200), ((Wire.Open) Wire.decodeRequest(java.util.Arrays.copyOf(frame, 202))).name());
    }

    /** {@link Wire#MAX_OPEN}, a gateway's limit before a mailbox is open, is the longest request a client sends by then. */
    @Test
    void theLongestRequestBeforeAnOpenIsAnswered() {
        assertEquals(Wire.MAX_OPEN, Wire.encode(new Wire.Open(Wire.VERSION, "a".repeat(Wire.MAX_NAME))).length);
        for (Wire.Request r : new Wire.Request[] {new Wire.Ping(), new Wire.Cancel(), new Wire.Ack(Long.MAX_VALUE),
                new Wire.Receive(Wire.Wait.TIMED, Long.MAX_VALUE)}) {
            assertTrue(Wire.encode(r).length < Wire.MAX_OPEN, r.toString());
        }
    }
}
