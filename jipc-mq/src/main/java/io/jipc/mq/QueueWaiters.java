package io.jipc.mq;

import io.jipc.ClosedException;
import io.jipc.platform.FdPoller;

/**
 * The threads waiting for one queue handle to become ready. No waiting thread sleeps in a system
 * call: a virtual thread there would pin its carrier (a few such waits starve every other virtual
 * thread), and {@link Thread#interrupt()} cannot reach any thread inside one. Each waiter parks
 * instead, and the process's one {@link FdPoller} thread waits in {@code epoll_wait} on behalf of
 * every waiter of every handle (and socket): a handle costs no thread of its own. When the queue
 * becomes ready the matching waiters are unparked; each retries its operation and registers again
 * if another receiver (or sender) was faster. {@link #closing()} unparks the waiters of a closed
 * handle at once; a parked thread sees an interrupt and its deadline by itself.
 *
 * <p>Who may call: the handle's calls, while they hold a use of it (its descriptor stays open).
 */
final class QueueWaiters {
    /** Deadline of a wait without a time limit. */
    static final long FOREVER = FdPoller.FOREVER;

    private final int mqd;
    private final UseCount uses;

    QueueWaiters(int mqd, UseCount uses) {
        this.mqd = mqd;
        this.uses = uses;
    }

    /**
     * Parks the calling thread until the queue may be ready for {@code events}, the handle is
     * closed, the deadline passes or an interrupt; spurious returns are possible. The caller holds
     * a use of the handle.
     *
     * Returns at once if the handle is closed: the caller then throws {@link ClosedException}.
     *
     * @throws InterruptedException if the thread is interrupted (the status is cleared)
     */
    void await(short events, long deadlineNanos) throws InterruptedException {
        FdPoller.await(mqd, events, deadlineNanos, uses::isClosed);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /**
     * Ends the waits on the handle, which has just been marked closed and whose descriptor is still
     * open; called again right before the descriptor is closed, which removes it from the poller's
     * epoll set first (a reused descriptor number is then never watched for this queue).
     */
    void closing() {
        FdPoller.cancel(mqd);
    }
}
