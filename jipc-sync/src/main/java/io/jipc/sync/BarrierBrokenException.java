package io.jipc.sync;

import io.jipc.JipcException;

import java.util.OptionalLong;

/**
 * A {@link ProcessBarrier}'s generation can no longer complete: a party of a tracked barrier died
 * while it arrived or waited, or {@link ProcessBarrier#reset()} ended the generation while parties
 * waited. Every waiter of that generation and every later arrival gets this exception (nothing is
 * counted for it) until {@link ProcessBarrier#reset()} starts a new generation, as with
 * {@link java.util.concurrent.BrokenBarrierException}.
 */
public class BarrierBrokenException extends JipcException {
    private static final long serialVersionUID = 1L;

    private final long deadPid;

    /**
     * @param deadPid the pid of the party found dead, or 0 if the barrier was broken by a reset
     */
    public BarrierBrokenException(String message, long deadPid) {
        super(message);
        this.deadPid = deadPid;
    }

    /** The pid of the party whose death broke the barrier; empty if {@code reset()} broke it. */
    public OptionalLong deadPid() {
        return deadPid == 0 ? OptionalLong.empty() : OptionalLong.of(deadPid);
    }
}
