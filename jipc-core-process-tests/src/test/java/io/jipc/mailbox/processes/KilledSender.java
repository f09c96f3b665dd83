package io.jipc.mailbox.processes;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender process killed by a crash test: its id, whether it was stopped at a fault point, and
 * the last message it recorded as sent (its progress file).
 */
record KilledSender(int id, boolean faulted, long progress) {

    /**
     * Checks what arrived from each killed sender: every message it recorded as sent, and at most
     * the one it was sending when killed, nothing more (a gap-free prefix; the tally fails on
     * duplicates and reordering itself). Returns how many were killed at a fault point.
     */
    static int checkDeliveries(List<KilledSender> victims, Tally tally) {
        int faulted = 0;
        for (KilledSender v : victims) {
            long delivered = tally.received(v.id(), 0);
            assertTrue(delivered >= v.progress() + 1,
                    "sender " + v.id() + " sent message " + v.progress() + " but only " + delivered + " arrived");
            assertTrue(delivered <= v.progress() + 2,
                    "sender " + v.id() + " recorded " + v.progress() + " yet " + delivered + " arrived");
            if (v.faulted()) {
                faulted++;
            }
        }
        return faulted;
    }
}
