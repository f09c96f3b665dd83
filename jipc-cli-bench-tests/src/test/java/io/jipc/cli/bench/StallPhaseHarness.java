package io.jipc.cli.bench;

import java.util.List;

/**
 * The measuring side of a benchmark whose peer stops answering in one phase, and which names
 * another before it looks at the peer: starts a {@link Silent} peer, names the phase
 * {@code args[0]}, reports progress once (which arms the stall alarm) and waits until the alarm has
 * killed the peer; then calls {@link PeerProcess#checkAlive} with the phase {@code args[1]}, as a
 * benchmark's wait loop does, and prints {@code MESSAGE <the failure's message>}. Run it with a
 * short {@link PeerProcess#ANSWER_WAIT_PROPERTY}.
 */
public final class StallPhaseHarness {
    private StallPhaseHarness() {
    }

    /** A peer that says it is ready and then never answers (until it is killed). */
    public static final class Silent {
        private Silent() {
        }

        public static void main(String[] args) throws InterruptedException {
            System.out.println("READY silent");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    public static void main(String[] args) throws Exception {
        try (PeerProcess peer = new PeerProcess(Silent.class, List.of(), List.of())) {
            peer.await("silent");
            peer.phase(args[0]);
            peer.progress();
            while (!peer.gone()) { // test code: the alarm kills the peer after the answer wait
                try {
                    Thread.sleep(10);
                } catch (InterruptedException watcher) {
                    // the watcher's interrupt at the peer's death: the loop sees it gone next
                }
            }
            try {
                peer.checkAlive(args[1]);
                System.out.println("NO FAILURE");
            } catch (PeerDiedException e) {
                System.out.println("MESSAGE " + e.getMessage());
            }
        }
        System.out.flush();
    }
}
