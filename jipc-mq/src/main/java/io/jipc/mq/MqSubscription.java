package io.jipc.mq;

import io.jipc.ClosedException;
import io.jipc.Uninterruptibly;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Hands the messages that arrive in a POSIX message queue to a {@link MqListener}, until closed;
 * made by {@link PosixMessageQueue#subscribe}.
 *
 * <p>One virtual thread serves it: it takes each message with {@link PosixMessageQueue#take()} and
 * calls the listener, so the listener runs on that thread, one message at a time, in the order the
 * messages were received. While the queue is empty the thread is parked, and the process's poller
 * thread waits in {@code epoll_wait} for the queue's descriptor to become readable — the kernel's
 * notification that a message arrived. Unlike {@code mq_notify(3)} this fires for every arrival,
 * needs no re-arming, allows any number of subscribers in any number of processes and uses no
 * signal and no thread of the C library.
 *
 * <p>A message handed to the listener has left the queue: if the listener throws, the subscription
 * ends with that failure ({@link #failure()}) and the message is not delivered again. The thread's
 * interrupt status is cleared before each take: a listener that leaves it set (restoring an
 * interrupt it caught) does not end the subscription (until 2026-12-07 it ended it silently when the
 * queue was empty at the next take, with no failure and no close).
 *
 * <p>Closing: {@link #close()} of the subscription, or {@link PosixMessageQueue#close()} of its
 * handle, stops it: no message is taken for it after that (the messages still in the queue stay
 * there for other receivers), while a listener call in progress runs to its end with the message it
 * was given. Either close waits for the listener call in progress to return, except when it is made
 * on a listener thread (of any subscription, of any handle): a listener may close its own
 * subscription, another one or a handle, and such a close never waits for a listener, so two
 * listeners that close each other's subscription or their common handle cannot wait for each other.
 */
public final class MqSubscription implements AutoCloseable {
    /** Set on each subscription's thread: a close made there does not wait for listener threads. */
    private static final ThreadLocal<Boolean> LISTENER_THREAD = new ThreadLocal<>();

    private final PosixMessageQueue queue;
    private final MqListener listener;
    private final Consumer<MqSubscription> onEnd;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: closed, and whether the thread waits in take() (then close interrupts it). */
    private boolean stopped;
    private boolean taking;
    private volatile boolean active = true;
    private volatile Throwable failure;
    /**
     * Made with the subscription, started by {@link #start()}: a close that finds the subscription in
     * its handle's list before then joins a thread not started yet, which returns at once (the thread,
     * started afterwards, finds the subscription stopped and ends without taking a message).
     */
    private final Thread deliverer;

    MqSubscription(PosixMessageQueue queue, MqListener listener, Consumer<MqSubscription> onEnd) {
        this.queue = queue;
        this.listener = listener;
        this.onEnd = onEnd;
        this.deliverer = Thread.ofVirtual().name("jipc-mq-listener " + queue.name()).unstarted(this::deliver);
    }

    void start() {
        deliverer.start();
    }

    private void deliver() {
        LISTENER_THREAD.set(Boolean.TRUE);
        try {
            while (true) {
                MqMessage message;
                synchronized (lock) {
                    if (stopped) {
                        return;
                    }
                    // a status the listener left set (restoring an interrupt it caught) is not a close: from
                    // here on only stop() interrupts this thread
                    Thread.interrupted();
                    taking = true;
                }
                try {
                    message = queue.take();
                } catch (InterruptedException e) {
                    continue; // stop(): the loop's check ends it
                } catch (ClosedException e) {
                    return; // the handle was closed
                } finally {
                    synchronized (lock) {
                        taking = false;
                    }
                    Thread.interrupted(); // a close that came after take() returned: the message is still delivered
                }
                listener.onMessage(message);
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            active = false;
            onEnd.accept(this);
        }
    }

    /** Whether messages are still being delivered (false once closed, or after a failure). */
    public boolean isActive() {
        return active;
    }

    /** What ended the subscription, if the listener threw or receiving failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops delivering: no message is taken for this subscription any more; then waits until a
     * listener call in progress has returned and the subscription's thread has ended, unless called
     * on a listener thread (this subscription's or another's: see the class comment), which returns
     * at once while the call in progress finishes by itself. Idempotent; any thread may call. An
     * interrupt does not end the wait (the status is kept).
     */
    @Override
    public void close() {
        stop();
        awaitEnd();
    }

    /** Marks the subscription stopped and ends the thread's wait in take(), if it is in one; does not wait. */
    void stop() {
        synchronized (lock) {
            stopped = true;
            if (taking) {
                deliverer.interrupt();
            }
        }
    }

    /**
     * Waits for the subscription's thread to end, unless called on a listener thread (which might
     * be the one waited for, or waited for by it).
     */
    void awaitEnd() {
        if (!onListenerThread()) {
            Uninterruptibly.join(deliverer);
        }
    }

    /** Whether the calling thread is the thread of a subscription (of any handle). */
    static boolean onListenerThread() {
        return LISTENER_THREAD.get() != null;
    }
}
