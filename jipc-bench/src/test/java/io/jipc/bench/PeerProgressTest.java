package io.jipc.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cadence of {@link PeerProgress}'s reports: divided by the number of peers the work is shared with. */
class PeerProgressTest {

    @ParameterizedTest(name = "every {0} with {1} peer(s): every {2}")
    @CsvSource({
        "64, 0, 64", // NONE: nobody to tell, the cadence does not matter
        "64, 1, 64",
        "64, 2, 32",
        "64, 3, 16", // 21 rounded down to a power of two
        "64, 23, 2", // jipc-bench group --members 24: every 2nd barrier
        "64, 64, 1",
        "64, 1000, 1", // never less than every one
        "1024, 1, 1024",
        "1024, 23, 32", // every 32nd broadcast to 23 members
    })
    void theCadenceIsDividedByThePeersAndRoundedDownToAPowerOfTwo(int every, int peers, int expected) {
        assertEquals(expected, PeerProgress.cadence(every, peers));
    }
}
