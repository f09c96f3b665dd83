package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PingPongRegimen#measurePaired}: the order of its slices and the markers a peer serving both
 * sides in one thread relies on. In-process stand-ins for the two mechanisms; no duration is
 * asserted (only the markers and counts).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PairedPingPongTest {

    /**
     * A stand-in peer that serves both sides in one thread as {@code BenchPeer}'s {@code pairecho}
     * does: it expects messages only on the side it serves, and turns to the other at SWITCH or STOP.
     */
    private static final class OneThreadPeer {
        int serving;
        final boolean[] stopped = new boolean[2];
        /** Per side, the runs of ordinary messages between markers, and the markers: "A12", "S", "T" ... */
        final List<String> log = new ArrayList<>();
        private int run;
        private int runSide = -1;

        PingPongRegimen.Exchange side(int side) {
            return sequence -> {
                if (side != serving) {
                    throw new IllegalStateException("a message on side " + side + " while the peer serves " + serving);
                }
                if (stopped[side]) {
                    throw new IllegalStateException("a message on side " + side + " after its STOP");
                }
                if (sequence == PingPongRegimen.SWITCH || sequence == PingPongRegimen.STOP) {
                    flush();
                    log.add(sequence == PingPongRegimen.SWITCH ? "S" : "T");
                    stopped[side] |= sequence == PingPongRegimen.STOP;
                    serving = 1 - side;
                } else {
                    if (runSide != side) {
                        flush();
                        runSide = side;
                    }
                    run++;
                }
                return sequence;
            };
        }

        private void flush() {
            if (run > 0) {
                log.add((runSide == 0 ? "A" : "B"));
            }
            run = 0;
            runSide = -1;
        }
    }

    @Test
    void slicesAlternateInPairsWithASwitchAtEveryTurnAndBothSidesStop() throws Exception {
        OneThreadPeer peer = new OneThreadPeer();
        PingPongRegimen.Paired paired = PingPongRegimen.measurePaired(
                new PingPongRegimen.Side("a", peer.side(0)), new PingPongRegimen.Side("b", peer.side(1)),
                Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofMillis(40), 4);
        // warm-up A, switch, warm-up B; then the slices A B | B A | A B | B A, a switch wherever the
        // side changes (the log merges adjacent runs on one side); then a STOP on A, the last, and on B
        assertEquals(List.of("A", "S", "B", "S", "A", "S", "B", "S", "A", "S", "B", "S", "A", "T", "T"), peer.log);
        assertTrue(peer.stopped[0] && peer.stopped[1], "both sides stopped");
        assertEquals("a", paired.first().mechanism());
        assertEquals("b", paired.second().mechanism());
        assertEquals(4, paired.pairs());
        assertEquals(Duration.ofMillis(10), paired.slice());
        assertTrue(paired.firstLower() + paired.secondLower() <= 4, paired.toString());
        assertTrue(paired.first().roundTrip().getTotalCount() >= 4, "at least one exchange per slice");
        assertTrue(paired.second().roundTrip().getTotalCount() >= 4, "at least one exchange per slice");
        assertTrue(paired.first().roundTripsPerSecond() > 0 && paired.second().roundTripsPerSecond() > 0);
    }

    @Test
    void aSingleEvenPairEndsOnTheSecondSide() throws Exception {
        OneThreadPeer peer = new OneThreadPeer();
        PingPongRegimen.measurePaired(new PingPongRegimen.Side("a", peer.side(0)),
                new PingPongRegimen.Side("b", peer.side(1)), Duration.ofMillis(5), Duration.ofMillis(20),
                Duration.ofMillis(10), 1);
        // warm-up A, switch, warm-up B, switch to A's slice, switch to B's, then B stops first
        assertEquals(List.of("A", "S", "B", "S", "A", "S", "B", "T", "T"), peer.log);
    }

    @Test
    void aWrongEchoFailsTheRun() {
        PingPongRegimen.Exchange echo = sequence -> sequence;
        PingPongRegimen.Exchange wrong = sequence -> sequence == PingPongRegimen.SWITCH ? 0 : sequence;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PingPongRegimen.measurePaired(
                new PingPongRegimen.Side("a", wrong), new PingPongRegimen.Side("b", echo), Duration.ofMillis(5),
                Duration.ofMillis(10), Duration.ofMillis(10), 2));
        assertTrue(e.getMessage().startsWith("a: echo of 0 for message -3"), e.getMessage());
    }

    @Test
    void noPairsIsRefused() {
        PingPongRegimen.Exchange echo = sequence -> sequence;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PingPongRegimen.measurePaired(
                new PingPongRegimen.Side("a", echo), new PingPongRegimen.Side("b", echo), Duration.ofMillis(5),
                Duration.ofMillis(10), Duration.ofMillis(10), 0));
        assertEquals("pairs must be 1 or more: 0", e.getMessage());
    }
}
