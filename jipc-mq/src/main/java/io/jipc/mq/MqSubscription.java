package io.jipc.mq;

import io.jipc.platform.Libc;
import io.jipc.platform.Readiness;

import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * Hands the messages that arrive in a POSIX message queue to a {@link MqListener}, until closed;
 * made by {@link PosixMessageQueue#subscribe}.
 *
 * <p>Two threads serve it. A platform thread waits in {@code ppoll(2)} until the queue's descriptor
 * is readable (the kernel's notification that the queue is not empty; unlike {@code mq_notify} it
 * fires for every arrival, needs no re-arming and no signal or helper thread of the C library),
 * then lets the virtual thread run and waits until it is done. The virtual thread takes messages
 * with {@link PosixMessageQueue#poll()} and calls the listener with each until the queue is empty.
 * So the listener runs on one virtual thread, never concurrently with itself, and never pins a carrier
 * in the kernel.
 *
 * <p>A message handed to the listener has left the queue: if the listener throws, the subscription
 * ends with that failure ({@link #failure()}) and the message is not delivered again.
 */
public final class MqSubscription implements AutoCloseable {
    private final PosixMessageQueue queue;
    private final MqListener listener;
    private final Consumer<MqSubscription> onEnd;
    /** Readable once the subscription is closed: ends the platform thread's wait. */
    private final int stopFd;
    private final Semaphore readable = new Semaphore(0);
    private final Semaphore drained = new Semaphore(0);
    private final Object stopLock = new Object();
    private boolean stopFdOpen = true;
    private volatile boolean stopped;
    private volatile Throwable failure;
    private volatile Thread waiter;
    private volatile Thread deliverer;

    MqSubscription(PosixMessageQueue queue, MqListener listener, Consumer<MqSubscription> onEnd) {
        this.queue = queue;
        this.listener = listener;
        this.onEnd = onEnd;
        this.stopFd = Readiness.eventFd("subscription to " + queue.name());
    }

    void start() {
        deliverer = Thread.ofVirtual().name("jipc-mq-listener " + queue.name()).start(this::deliver);
        waiter = Thread.ofPlatform().daemon().name("jipc-mq-notify " + queue.name()).start(this::awaitMessages);
    }

    /** The platform thread: one drain by the virtual thread per time the queue becomes readable. */
    private void awaitMessages() {
        try {
            while (!stopped && queue.awaitReadable(stopFd)) {
                readable.release();
                drained.acquireUninterruptibly();
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            stopped = true;
            synchronized (stopLock) {
                stopFdOpen = false;
                Libc.close(stopFd);
            }
            readable.release(); // lets the virtual thread see the end
        }
    }

    /** The virtual thread: takes messages until the queue is empty, each time it is let run. */
    private void deliver() {
        while (true) {
            readable.acquireUninterruptibly();
            if (stopped) {
                onEnd.accept(this);
                return;
            }
            try {
                MqMessage message;
                while (!stopped && (message = queue.poll()) != null) {
                    listener.onMessage(message);
                }
            } catch (Throwable t) {
                failure = t;
                stop();
            } finally {
                drained.release();
            }
        }
    }

    private void stop() {
        stopped = true;
        synchronized (stopLock) {
            if (stopFdOpen) {
                Readiness.signal(stopFd, "subscription to " + queue.name());
            }
        }
    }

    /** Whether messages are still being delivered (false once closed, or after a failure). */
    public boolean isActive() {
        return !stopped;
    }

    /** What ended the subscription, if the listener threw or waiting on the queue failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops delivering: waits until a listener call in progress has returned and the subscription's
     * threads have ended (unless called from the listener itself). Idempotent.
     */
    @Override
    public void close() {
        stop();
        Thread self = Thread.currentThread();
        if (self != deliverer && self != waiter) {
            joinUninterruptibly(waiter);
            joinUninterruptibly(deliverer);
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
