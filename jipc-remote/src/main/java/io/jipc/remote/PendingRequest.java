package io.jipc.remote;

import io.jipc.net.StreamConnection;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request of a {@link RemoteMailbox} from just before it is written until its caller has the
 * answer: whether it has left whole, and who sends its one cancellation. A send's is what
 * {@link RemoteMailbox#close()} of another thread looks at: a close that overtakes a send must not
 * end the connection before the gateway has said whether the message went (the caller could not
 * tell, and the gateway, finding the connection gone, keeps a message that went and does not say
 * so); so it cancels the send at the gateway, if the send waits there, and waits until the caller
 * has the answer ({@link #settle()}) before it closes the connection.
 *
 * <p><b>Who may call.</b> The calling thread (which holds the handle's turn) marks the request
 * {@linkplain #transmitted() transmitted} and {@linkplain #settle() settles} it; it and a closing
 * thread may both {@linkplain #claimCancel() claim} the cancellation, which goes to the first
 * (the protocol allows one {@code Cancel} a request); a closing thread
 * {@linkplain #awaitSettled(long) awaits} the settlement. Nothing here blocks but that wait.
 */
final class PendingRequest {
    private final StreamConnection connection;
    private final boolean cancellable;
    private final AtomicBoolean cancelClaimed = new AtomicBoolean();
    private final CountDownLatch settled = new CountDownLatch(1);
    private volatile boolean transmitted;

    /**
     * @param connection  the connection the request goes on
     * @param cancellable whether it may wait at the gateway, which a {@code Cancel} ends
     */
    PendingRequest(StreamConnection connection, boolean cancellable) {
        this.connection = connection;
        this.cancellable = cancellable;
    }

    StreamConnection connection() {
        return connection;
    }

    /** Whether the request may wait at the gateway (a {@code Cancel} ends such a wait). */
    boolean cancellable() {
        return cancellable;
    }

    /** The request has left whole: the gateway answers it, whatever comes after. */
    void transmitted() {
        transmitted = true;
    }

    boolean isTransmitted() {
        return transmitted;
    }

    /** True for the first caller only: that caller sends the request's {@code Cancel}. */
    boolean claimCancel() {
        return cancellable && cancelClaimed.compareAndSet(false, true);
    }

    /** The caller has its answer, or failed without one: a waiting close may close the connection. */
    void settle() {
        settled.countDown();
    }

    /**
     * Waits until the request is settled, at most {@code nanos}, through interrupts (the status is
     * kept for the caller): a close does not throw {@link InterruptedException}, and the wait is
     * bounded by the caller's own peer timeout.
     */
    void awaitSettled(long nanos) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + nanos;
        try {
            while (true) {
                try {
                    settled.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
