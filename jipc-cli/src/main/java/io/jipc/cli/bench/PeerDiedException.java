package io.jipc.cli.bench;

import io.jipc.JipcException;

/**
 * The child JVM of a benchmark ({@link PeerProcess}) ended before it had finished its part: killed
 * (an OOM kill, {@code kill -9}) or exited on its own. The message names its pid, how it ended and
 * what the benchmark was doing, e.g. {@code the peer process 1234 died (killed by signal 9) during
 * mailbox futex ping-pong}; the line of the peer's output that names an exception, if any, follows
 * in parentheses. A {@link JipcException}, so {@code jipc bench} reports it in one line with exit
 * code 1.
 */
public final class PeerDiedException extends JipcException {
    private final String peerOutput;

    PeerDiedException(String message, String peerOutput) {
        super(message);
        this.peerOutput = peerOutput;
    }

    /** Everything the peer printed (standard output and error) before it died. */
    public String peerOutput() {
        return peerOutput;
    }
}
