package io.jipc.rpc;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * One mailbox client's share of an {@link RpcServer}: how many of its calls are in progress, the
 * calls it sent beyond that (set aside, in order), and its replies that found no room in its reply
 * mailbox (waiting, in order). A mailbox client shares the request mailbox with every other client,
 * so the server cannot slow it by leaving its requests unread, as it does a TCP connection's; and a
 * client that does not take its replies (stopped by {@code SIGSTOP} or a debugger, or not reading)
 * must not hold the server's threads and slots. So the server keeps each mailbox client's excess
 * here, bounded:
 *
 * <ul>
 * <li>A call is in progress from when the leader takes it until its reply is in the reply mailbox
 *     (or the client is forgotten): running, or its reply waiting for room. At most {@code limit}
 *     ({@link RpcServer.Builder#maxCallsPerConnection}) at once.</li>
 * <li>A call taken while {@code limit} are in progress is set aside, up to {@code maxSetAsideBytes}
 *     of requests; the next one set aside starts as soon as one in progress ends.</li>
 * <li>Replies that found no room wait here in order; one delivery at a time places them as room
 *     appears.</li>
 * </ul>
 *
 * <p>This class only keeps the counts and queues; {@link RpcServer} starts the threads. Thread-safe
 * (all state guarded by this object's monitor); nothing here blocks but {@link #awaitChange}.
 */
final class ClientBacklog {
    /** What became of a call offered to {@link #take}. */
    enum Taken {
        /** In progress now: run it. */
        RUN,
        /** Set aside: {@link #placed()} returns it when its turn comes. */
        SET_ASIDE,
        /** Neither: as many set aside as allowed; try again after {@link #awaitChange}. */
        FULL,
        /** The client was forgotten: drop the call. */
        DROPPED
    }

    private final int limit;
    private final long maxSetAsideBytes;
    private int inProgress;
    private final ArrayDeque<RpcFrame.Call> setAside = new ArrayDeque<>();
    private long setAsideBytes;
    private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
    /** Whether a delivery of {@link #waiting} runs (true whenever it is not empty). */
    private boolean delivering;
    /** When the delivery last made progress (it started, or it placed a reply), {@link System#nanoTime()}. */
    private long progressAt;
    private boolean dropped;

    ClientBacklog(int limit, long maxSetAsideBytes) {
        this.limit = limit;
        this.maxSetAsideBytes = maxSetAsideBytes;
    }

    /** The leader took {@code call} for this client. */
    synchronized Taken take(RpcFrame.Call call) {
        if (dropped) {
            return Taken.DROPPED;
        }
        if (inProgress < limit) {
            inProgress++;
            return Taken.RUN;
        }
        if (setAside.isEmpty() || setAsideBytes + size(call) <= maxSetAsideBytes) { // one always fits, whatever its size
            setAside.add(call);
            setAsideBytes += size(call);
            return Taken.SET_ASIDE;
        }
        return Taken.FULL;
    }

    /** Waits up to {@code millis} for a change (a call ended, the client dropped); spurious returns are fine. */
    synchronized void awaitChange(long millis) throws InterruptedException {
        wait(millis);
    }

    /**
     * A reply of a call could not be placed at once (or others wait before it): queues it; true if
     * the caller must start the delivery (none runs).
     */
    synchronized boolean queue(byte[] reply) {
        if (dropped) {
            return false;
        }
        waiting.add(reply);
        if (delivering) {
            return false;
        }
        delivering = true;
        progressAt = System.nanoTime();
        return true;
    }

    /** Whether replies wait for room: a new reply must queue behind them, not overtake them. */
    synchronized boolean hasWaiting() {
        return !waiting.isEmpty();
    }

    /** For the delivery: the next reply to place, or null (then the delivery ends). */
    synchronized byte[] nextWaiting() {
        byte[] next = dropped ? null : waiting.peek();
        if (next == null) {
            delivering = false;
        }
        return next;
    }

    /** For the delivery: the reply {@link #nextWaiting} gave was placed; returns a call set aside to start, or null. */
    synchronized RpcFrame.Call placedWaiting() {
        waiting.poll();
        progressAt = System.nanoTime();
        return placed();
    }

    /** How long the delivery had made no progress at {@code now} ({@link System#nanoTime()}), in nanoseconds. */
    synchronized long stalledNanos(long now) {
        return now - progressAt;
    }

    /**
     * A call's reply was placed: the call has ended. Returns the call set aside that now starts (it is
     * in progress from here), or null.
     */
    synchronized RpcFrame.Call placed() {
        notifyAll();
        if (dropped) {
            return null;
        }
        RpcFrame.Call next = setAside.poll();
        if (next == null) {
            inProgress--;
        } else {
            setAsideBytes -= size(next); // in progress in the place of the one that ended
        }
        return next;
    }

    /** CANCEL of a call still set aside: it never runs (the caller has given up on it); whether it was set aside. */
    synchronized boolean discard(long callId) {
        for (Iterator<RpcFrame.Call> it = setAside.iterator(); it.hasNext(); ) {
            RpcFrame.Call call = it.next();
            if (call.callId() == callId) {
                it.remove();
                setAsideBytes -= size(call);
                notifyAll();
                return true;
            }
        }
        return false;
    }

    /** The client is forgotten: drops what is set aside and waiting, and wakes a leader waiting for room. */
    synchronized void drop() {
        dropped = true;
        setAside.clear();
        setAsideBytes = 0;
        waiting.clear();
        notifyAll();
    }

    /** What a set-aside call counts for: its arguments and method name (about its request's size). */
    static long size(RpcFrame.Call call) {
        return call.arguments().length + call.method().length() + 32L;
    }
}
