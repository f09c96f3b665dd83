package io.jipc.mailbox;

import io.jipc.WaitStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The idle state of one wait, and its reuse by a bound receiver ({@link Idle#reset()}). */
class IdleTest {

    @Test
    void aResetIdleSpinsAgainAfterTheLastWaitWentToSleep() {
        Idle idle = new Idle(WaitStrategy.SPIN_THEN_FUTEX);
        long spins = 0;
        while (!idle.idle()) {
            spins++;
        }
        assertTrue(spins > 0, "spins before the first sleep");
        assertTrue(idle.checkpoint(), "a sleeping wait checks at every step");

        assertSame(idle, idle.reset());
        assertFalse(idle.checkpoint(), "the first step of a new wait is not a checkpoint");
        assertFalse(idle.idle(), "a new wait spins first");
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void aResetIdleBehavesLikeANewOne(WaitStrategy strategy) {
        Idle used = new Idle(strategy);
        for (int i = 0; i < 5_000; i++) {
            if (used.idle()) {
                break;
            }
        }
        used.reset();
        Idle fresh = new Idle(strategy);
        for (int i = 0; i < 300; i++) {
            assertTrue(used.checkpoint() == fresh.checkpoint(), "checkpoint at step " + i);
            assertTrue(used.idle() == fresh.idle(), "idle at step " + i);
        }
    }
}
