package io.jipc.cli.endpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectUriTest {

    @ParameterizedTest
    @CsvSource({
        "mq:/orders, mq, /orders",
        "MQ:/orders, mq, /orders",
        "mailbox:orders, mailbox, orders",
        "unbounded:orders, unbounded, orders",
        "fifo:/tmp/a b, fifo, /tmp/a b",
        "fifo:relative/path, fifo, relative/path",
        "mq:orders, mq, orders",
    })
    void splitsKindAndAddress(String text, String scheme, String address) {
        assertEquals(new ObjectUri(scheme, address), ObjectUri.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "orders", ":orders", "mq:", "1mq:/x", "mq:/x?size=10", "mq:/x#frag", "mq:/x\ny"})
    void refusesWhatIsNotAnObjectUri(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ObjectUri.parse(text));
        assertTrue(e.getMessage().contains("'"), e.getMessage());
    }

    /** Every ISO control character is refused, as the message says, and shown escaped in it. */
    @ParameterizedTest
    @ValueSource(strings = {"\u0000", "\n", "\t", "\r", "\u001b", "\u007f", "\u0085", "\u009f"})
    void refusesEveryControlCharacterAndShowsItEscaped(String control) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ObjectUri.parse("fifo:/tmp/a" + control + "b"));
        assertEquals("'fifo:/tmp/a" + String.format("\\u%04x", (int) control.charAt(0))
                + "b': the address may not contain control characters", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "", "mq:", ":orders"})
    void aTextWithoutAKindListsTheKnownOnes(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoints.open(text, false));
        assertEquals("'" + text + "' is not an object URI: expected <kind>:<address>; known: mailbox:orders, "
                + "unbounded:orders, mq:/orders, fifo:/tmp/orders, tcp://localhost:7070/orders, unix:/tmp/orders.sock, "
                + "tcp:localhost:7070, unixgram:/tmp/orders.dgram, udp:localhost:7070", e.getMessage());
    }

    @Test
    void anUnknownKindListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoints.open("shm:/x", false));
        assertEquals("unknown kind 'shm:'; known: mailbox:orders, unbounded:orders, mq:/orders, fifo:/tmp/orders, "
                + "tcp://localhost:7070/orders, unix:/tmp/orders.sock, tcp:localhost:7070, unixgram:/tmp/orders.dgram, "
                + "udp:localhost:7070", e.getMessage());
    }

    @Test
    void tcpWithTwoSlashesIsARemoteMailboxAndWithoutASocket() {
        assertInstanceOf(RemoteMailboxKind.class, Endpoints.kind("tcp", "//localhost:7070/orders"));
        assertInstanceOf(SocketKind.class, Endpoints.kind("tcp", "localhost:7070"));
        assertInstanceOf(MailboxKind.class, Endpoints.kind("mailbox", "//x"), "only tcp: has two kinds");
    }
}
