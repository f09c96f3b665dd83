package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring mechanism's item format: a length, then the message; a length the item cannot hold (a
 * hostile or corrupt peer) is refused, never read past. The two-process run is
 * {@code BenchAllCommandTest}.
 */
class RingMechanismTest {
    private static final int ITEM = 64 + RingMechanism.LENGTH_BYTES;

    private static MemorySegment item(int length) {
        MemorySegment item = Arena.ofAuto().allocate(ITEM);
        item.set(ValueLayout.JAVA_INT, 0, length);
        for (int i = RingMechanism.LENGTH_BYTES; i < ITEM; i++) {
            item.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        return item;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 16, 63, 64})
    void returnsExactlyTheMessage(int length) {
        byte[] message = RingMechanism.RingLink.message(item(length));
        assertEquals(length, message.length);
        for (int i = 0; i < length; i++) {
            assertEquals((byte) (i + RingMechanism.LENGTH_BYTES), message[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {65, 1 << 20, Integer.MAX_VALUE, -1, Integer.MIN_VALUE})
    void refusesALengthTheItemCannotHold(int length) {
        assertThrows(IllegalStateException.class, () -> RingMechanism.RingLink.message(item(length)));
    }

    @Test
    void sizesBeyondAnItemAreUnsupported() {
        RingMechanism ring = new RingMechanism();
        assertNull(ring.unsupported(4096));
        assertNull(ring.unsupported((1 << 20) - RingMechanism.LENGTH_BYTES));
        assertNotNull(ring.unsupported((1 << 20) - RingMechanism.LENGTH_BYTES + 1));
        assertNotNull(ring.unsupported(1 << 20));
    }

    @Test
    void ringsArePowersOfTwoOfAFewMegabytes() {
        assertEquals(1024, RingMechanism.capacity(68));
        assertEquals(512, RingMechanism.capacity(4100));
        assertEquals(512, RingMechanism.capacity(8192));
        assertEquals(4, RingMechanism.capacity(1 << 20));
    }

    /** The JSON states the timing the run had, as bench mailbox's does (it said only sizes and counts). */
    @Test
    void theJsonStatesTheWarmUpAndMeasuredSeconds() {
        RingBench.Settings settings = new RingBench.Settings(64, java.time.Duration.ofMillis(250),
                java.time.Duration.ofSeconds(10), java.time.Duration.ofMillis(1500), 1000, 4096);
        String json = RingBench.json(new RingBench.Report(settings, java.util.List.of(), "a machine"));
        assertTrue(json.contains("\"warmupSeconds\": 0.250,\n  \"maxWarmupSeconds\": 10.000,\n"
                + "  \"measureSeconds\": 1.500,\n"), json);
    }
}
