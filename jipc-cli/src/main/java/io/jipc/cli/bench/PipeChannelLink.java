package io.jipc.cli.bench;

import io.jipc.pipe.PipeChannel;

import java.time.Duration;

/** A {@link Link} over a {@link PipeChannel}: framed messages over two kernel pipes. */
record PipeChannelLink(PipeChannel channel, boolean ownsChannel) implements Link {
    @Override
    public void send(byte[] message) throws InterruptedException {
        channel.put(message);
    }

    @Override
    public byte[] receive(Duration timeout) throws InterruptedException {
        return channel.poll(timeout);
    }

    @Override
    public void close() {
        if (ownsChannel) {
            channel.close();
        }
    }
}
