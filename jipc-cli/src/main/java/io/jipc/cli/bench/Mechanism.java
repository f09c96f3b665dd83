package io.jipc.cli.bench;

/**
 * An IPC mechanism measured by {@code jipc bench}: what it is (for the table), and how the two
 * processes of the benchmark set up a channel pair over it, one message direction each way.
 *
 * <p>The measuring process calls {@link #open}, which creates whatever the channel needs (named
 * objects, a listening socket, ...) and returns an {@link Endpoint}; the peer process (a
 * {@link AllBenchPeer}) is handed {@link Endpoint#peerArgument()} and calls {@link #connect} with
 * it; then the measuring process gets its side from {@link Endpoint#link()}. Both sides then run
 * the ping-pong and one-way loops of {@link LinkDriver} and {@link Link} over the links.
 * Implementations are stateless; one instance per mechanism sits in {@link Mechanisms}.
 */
public interface Mechanism {
    /** The name used to select it ({@code --only}), e.g. {@code "mq"}: lower case, no spaces or commas. */
    String id();

    /** The name in the table, e.g. {@code "POSIX mq"}. */
    String label();

    /** What the seed's comparison says of it: kernel involvement, copies, persistence. */
    Traits traits();

    /** Why it cannot be measured in this build or on this machine, or null if it can. */
    default String unavailable() {
        return null;
    }

    /** Why messages of {@code size} bytes cannot be measured (a limit of the mechanism), or null. */
    default String unsupported(int size) {
        return null;
    }

    /**
     * Why this mechanism has no one-way throughput at any size (it is measured by its ping-pong
     * alone), or null if it has.
     */
    default String noOneWay() {
        return null;
    }

    /**
     * Measuring side: creates a channel pair for messages of at most {@code maxSize} bytes between
     * this process and {@code peer}. The caller closes the endpoint, which removes what was created.
     */
    Endpoint open(int maxSize, PeerProcess peer) throws Exception;

    /** Peer side: joins the channel pair that {@link #open} described with {@code argument}. */
    Link connect(String argument) throws Exception;

    /** The measuring side's half of a channel pair, owner of the objects {@link #open} created. */
    interface Endpoint extends AutoCloseable {
        /** What the peer's {@link #connect} needs: names, addresses; no spaces. */
        String peerArgument();

        /** This side's link, once the peer has been told to connect (may wait for it). */
        Link link() throws Exception;

        /** Closes this side and removes the objects created, whatever state they are in. */
        @Override
        void close();
    }

    /**
     * The qualitative properties of a mechanism, after the comparison of seed 001.
     *
     * @param kernel      when the kernel takes part: setup only, wake-ups, every message
     * @param copies      copies of each message's bytes through the API the benchmark uses
     * @param persistence how long the channel and what is in it outlive its users
     */
    record Traits(String kernel, String copies, String persistence) {
    }
}
