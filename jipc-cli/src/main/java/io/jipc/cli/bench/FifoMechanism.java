package io.jipc.cli.bench;

import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeChannel;
import io.jipc.pipe.PipeReader;
import io.jipc.pipe.PipeWriter;
import io.jipc.segment.JipcRoot;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Two named pipes (FIFOs) in the jipc root, framed messages over them ({@link PipeChannel}). Both
 * sides open the parent-to-peer FIFO first, so the blocking opens meet.
 */
final class FifoMechanism implements Mechanism {
    private static final Duration OPEN_TIMEOUT = Duration.ofMinutes(2);

    @Override
    public String id() {
        return "fifo";
    }

    @Override
    public String label() {
        return "FIFO";
    }

    @Override
    public Traits traits() {
        return new Traits("every message", "2", "name until removed, data until last close");
    }

    @Override
    public String unsupported(int size) {
        return size > PipeChannel.DEFAULT_MAX_LENGTH ? "larger than the channel's " + PipeChannel.DEFAULT_MAX_LENGTH
                + "-byte maximum" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        Path dir = JipcRoot.directory("bench");
        String prefix = "bench-" + ProcessHandle.current().pid() + "-fifo";
        Path toPeer = dir.resolve(prefix + "-p2c");
        Path fromPeer = dir.resolve(prefix + "-c2p");
        Fifo.remove(toPeer);
        Fifo.remove(fromPeer);
        Fifo.create(toPeer, 0600);
        try {
            Fifo.create(fromPeer, 0600);
        } catch (RuntimeException e) {
            Fifo.remove(toPeer); // no endpoint owns it yet
            throw e;
        }
        return new Endpoint() {
            private PipeChannel channel;

            @Override
            public String peerArgument() {
                return fromPeer + "," + toPeer + "," + maxSize;
            }

            @Override
            public Link link() throws InterruptedException {
                channel = channel(toPeer, fromPeer, maxSize, true);
                return new PipeChannelLink(channel, false);
            }

            @Override
            public void close() {
                if (channel != null) {
                    channel.close();
                }
                Fifo.remove(toPeer);
                Fifo.remove(fromPeer);
            }
        };
    }

    @Override
    public Link connect(String argument) throws InterruptedException {
        String[] f = argument.split(",");
        return new PipeChannelLink(channel(Path.of(f[0]), Path.of(f[1]), Integer.parseInt(f[2]), false), true);
    }

    /** Opens the parent-to-peer FIFO first on both sides (the opens block until both ends are there). */
    private static PipeChannel channel(Path out, Path in, int maxSize, boolean parent) throws InterruptedException {
        if (parent) {
            PipeWriter writer = Fifo.openWriter(out, OPEN_TIMEOUT);
            try {
                return PipeChannel.over(Fifo.openReader(in, OPEN_TIMEOUT), writer, maxSize);
            } catch (RuntimeException | InterruptedException e) {
                writer.close();
                throw e;
            }
        }
        PipeReader reader = Fifo.openReader(in, OPEN_TIMEOUT);
        try {
            return PipeChannel.over(reader, Fifo.openWriter(out, OPEN_TIMEOUT), maxSize);
        } catch (RuntimeException | InterruptedException e) {
            reader.close();
            throw e;
        }
    }
}
