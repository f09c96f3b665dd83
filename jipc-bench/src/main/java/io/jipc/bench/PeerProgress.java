package io.jipc.bench;

import io.jipc.cli.bench.PeerProcess;

import java.util.List;

/**
 * What the measuring loops of a {@code jipc-bench} command tell the stall alarm of its peer
 * processes ({@link PeerProcess#progress()} and {@link PeerProcess#idle()}), at the cadence of
 * {@code jipc bench}: every {@value #EXCHANGES}th exchange (a round trip, a barrier, a call), every
 * {@value #MESSAGES}th message of a one-way stream, and just before a wait for the peer's word. With
 * several peers an exchange or a message is work for each of them (a barrier of 24 members, a
 * broadcast to 23), so the cadence is divided by their number (rounded down to a power of two, at
 * least every one): 24 members' bench reports every 2nd barrier and every 32nd broadcast, and a slow
 * machine's live peers are not taken for stopped between two reports. A
 * peer that lives but makes no progress (stopped by {@code SIGSTOP} or a debugger, a frozen cgroup)
 * is then killed after {@link PeerProcess#ANSWER_WAIT}, and the command ends with one line
 * {@code the peer process N stopped answering during PHASE: ...} instead of waiting for ever.
 *
 * <p>A step that waits for nothing of the peer's (operations that only this process and a home in it
 * take part in, set-up) calls {@link #idle()} first: the alarm must not go off while this process
 * is busy on its own for longer than the answer wait.
 *
 * <p>Cost: between reports a mask test of the counter the loop has anyway; a report is a clock read
 * and two volatile writes per peer. Called by the measuring thread; {@link #NONE}, for the steps a
 * peer runs itself, tells nobody.
 */
public final class PeerProgress {
    /** Tells nobody: the peer processes' side of the steps they share with the bench. */
    public static final PeerProgress NONE = new PeerProgress(List.of());
    /** Exchanges with one peer between two reports. */
    public static final int EXCHANGES = 64;
    /** Messages of a one-way stream to one peer between two reports. */
    public static final int MESSAGES = 1024;

    private final PeerProcess[] peers;
    private final long exchangeMask;
    private final long messageMask;

    private PeerProgress(List<PeerProcess> peers) {
        this.peers = peers.toArray(PeerProcess[]::new);
        this.exchangeMask = cadence(EXCHANGES, this.peers.length) - 1;
        this.messageMask = cadence(MESSAGES, this.peers.length) - 1;
    }

    /** {@code every} divided by the number of peers, rounded down to a power of two, at least 1. */
    static int cadence(int every, int peers) {
        return Integer.highestOneBit(Math.max(1, every / Math.max(1, peers)));
    }

    /** The progress of the measuring side with every one of {@code peers} (those started now). */
    public static PeerProgress of(List<PeerProcess> peers) {
        return new PeerProgress(peers);
    }

    /** The progress of the measuring side with {@code peer}. */
    public static PeerProgress of(PeerProcess peer) {
        return new PeerProgress(List.of(peer));
    }

    /**
     * Exchange {@code i} (counted from 0) with the peers is about to begin: reports every
     * {@value #EXCHANGES}th (with one peer; see the class comment for several).
     */
    public void exchange(long i) {
        if ((i & exchangeMask) == 0) {
            now();
        }
    }

    /**
     * Message {@code i} (counted from 0) of a one-way stream is about to be sent: reports every
     * {@value #MESSAGES}th (with one peer; see the class comment for several).
     */
    public void message(long i) {
        if ((i & messageMask) == 0) {
            now();
        }
    }

    /** The peers have just been heard from, or a wait for their word begins: the alarm is armed from now. */
    public void now() {
        for (PeerProcess peer : peers) {
            peer.progress();
        }
    }

    /** This process waits for nothing of the peers' for a while: the alarm is disarmed until {@link #now()}. */
    public void idle() {
        for (PeerProcess peer : peers) {
            peer.idle();
        }
    }
}
