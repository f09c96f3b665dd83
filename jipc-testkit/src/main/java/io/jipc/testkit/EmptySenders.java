package io.jipc.testkit;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Senders that connect to a Unix-domain stream socket and close without a byte, one every
 * {@link #INTERVAL}, for a receive whose timeout they must not restart: started before the receive
 * (a socket not bound yet is tried again), stopped by {@link #close()} once the receive ended.
 * They give up after {@code atMost}; {@link #gaveUp()} then says the receive outlasted them.
 */
public final class EmptySenders implements AutoCloseable {
    /** How often a sender connects. */
    public static final Duration INTERVAL = Duration.ofMillis(100);

    private volatile boolean stopped;
    private volatile boolean gaveUp;
    private final Thread thread;

    private EmptySenders(Path socket, Duration atMost) {
        thread = Thread.ofPlatform().daemon().name("empty-senders").start(() -> {
            long until = System.nanoTime() + atMost.toNanos();
            while (!stopped && System.nanoTime() - until < 0) {
                try (SocketChannel empty = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    // connected and closed without a byte
                } catch (IOException notListening) {
                    // the receiver has not bound yet, or has ended
                }
                try {
                    Thread.sleep(INTERVAL);
                } catch (InterruptedException e) {
                    return;
                }
            }
            gaveUp = !stopped;
        });
    }

    /** Starts senders to {@code socket} that come for at most {@code atMost}. */
    public static EmptySenders start(Path socket, Duration atMost) {
        return new EmptySenders(socket, atMost);
    }

    /** Whether they stopped coming by themselves (after {@code atMost}) before {@link #close()}. */
    public boolean gaveUp() {
        return gaveUp;
    }

    /** Stops them and waits for the thread. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join();
    }
}
