package io.jipc.cli.bench;

import io.jipc.pipe.PipeChannel;

/**
 * Two anonymous kernel pipes the peer inherited when it was started (its descriptors 3 and 4, see
 * {@link PeerProcess#pipeChannel()}), framed messages over them ({@link PipeChannel}). The peer
 * can join only once: the pipes are the ones it was born with.
 */
final class PipeMechanism implements Mechanism {
    @Override
    public String id() {
        return "pipe";
    }

    @Override
    public String label() {
        return "pipe";
    }

    @Override
    public Traits traits() {
        return new Traits("every message", "2", "until the last descriptor closes");
    }

    @Override
    public String unsupported(int size) {
        return size > PipeChannel.DEFAULT_MAX_LENGTH ? "larger than the channel's " + PipeChannel.DEFAULT_MAX_LENGTH
                + "-byte maximum" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        return new Endpoint() {
            @Override
            public String peerArgument() {
                return "inherited";
            }

            @Override
            public Link link() {
                return new PipeChannelLink(peer.pipeChannel(), false); // the peer process owns it
            }

            @Override
            public void close() {
                // the pipes close with the peer process
            }
        };
    }

    @Override
    public Link connect(String argument) {
        return new PipeChannelLink(PipeChannel.toParent(), true);
    }
}
