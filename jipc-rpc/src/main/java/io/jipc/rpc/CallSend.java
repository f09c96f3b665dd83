package io.jipc.rpc;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The send of one call's CALL frame over a connection that could not leave whole at once
 * ({@code RpcClient} sends the others on the caller's thread), on a virtual thread of its own, so that the
 * caller may give up on the call (its deadline passed, its thread interrupted, its future cancelled)
 * while the frame waits: over TCP a frame that has started cannot be taken back without ending the
 * connection all the client's calls share, and under back-pressure (the server reads nothing while it
 * holds the client's calls back) it may wait for as long as the server does.
 *
 * <p>The caller starts it, waits for its reply (or its deadline) as any call does, and, when it gives
 * up, calls {@link #abandon()} and returns at once with its usual exception. What becomes of the frame
 * then:
 *
 * <ul>
 * <li>not started yet: the sending thread is interrupted and sends nothing (jipc-net's
 *     {@code offerShielded} gives up before its first byte), so the server never sees the call;</li>
 * <li>started (half-sent): it is finished in the background (the byte stream stays whole), and then the
 *     sending thread runs {@code cancel}, the CANCEL that follows any given-up call that was sent, so the
 *     server drops the call unrun if it reads the CANCEL before the call starts (a call that started
 *     meanwhile is interrupted there, and its reply dropped here as any given-up call's);</li>
 * <li>through already: {@link #abandon()} says so, and the caller sends the CANCEL itself.</li>
 * </ul>
 *
 * <p>A send that fails (the connection ended, the client closed) hands its exception to {@code failed},
 * which fails the call. Thread-safe; {@link #abandon()} never blocks. The frame's send happens-before
 * the {@code cancel} that follows it, and the CANCEL is sent only for a frame that was sent whole.
 */
final class CallSend {
    private static final int SENDING = 0;
    private static final int SENT = 1;
    private static final int FAILED = 2;
    private static final int ABANDONED = 3;

    /** What sends the frame: returns once it is through, throws if it was not sent (nothing of it). */
    interface Send {
        void send() throws InterruptedException, TimeoutException;
    }

    /** How many sends were started in this JVM (for tests: the usual call is sent by its caller). */
    private static final LongAdder STARTED = new LongAdder();

    private final AtomicInteger state = new AtomicInteger(SENDING);
    private final Thread thread;

    private CallSend(String threadName, Send send, Consumer<RuntimeException> failed, Runnable cancel) {
        thread = Thread.ofVirtual().name(threadName).unstarted(() -> run(send, failed, cancel));
    }

    /**
     * Starts sending on a virtual thread named {@code threadName}: {@code send} sends the frame,
     * {@code failed} takes the exception of a send that failed (not one given up by {@link #abandon()}
     * or by the call's deadline, which its caller meets too), {@code cancel} sends the CANCEL of a call
     * whose caller gave up while its frame was under way.
     */
    static CallSend start(String threadName, Send send, Consumer<RuntimeException> failed, Runnable cancel) {
        CallSend call = new CallSend(threadName, send, failed, cancel);
        call.thread.start();
        STARTED.increment();
        return call;
    }

    /** How many sends {@link #start} started in this JVM so far (for tests). */
    static long started() {
        return STARTED.sum();
    }

    private void run(Send send, Consumer<RuntimeException> failed, Runnable cancel) {
        try {
            send.send();
        } catch (InterruptedException | TimeoutException e) {
            state.compareAndSet(SENDING, FAILED); // given up before its first byte left: nothing sent
            return;
        } catch (RuntimeException e) {
            state.compareAndSet(SENDING, FAILED);
            failed.accept(e);
            return;
        }
        if (!state.compareAndSet(SENDING, SENT)) { // abandoned while it was under way: the CANCEL follows it
            Thread.interrupted(); // abandon()'s interrupt, held by the frame: not for the CANCEL's send
            cancel.run();
        }
    }

    /**
     * The caller gives up on the call: a frame not yet sent is given up (nothing of it sent) or, if it
     * has started, finished and followed by a CANCEL from the sending thread. Returns true if the frame
     * was through already, so the caller must send the CANCEL; false if there is nothing for the caller
     * to do. Call it once, from the caller; returns at once.
     */
    boolean abandon() {
        if (state.compareAndSet(SENDING, ABANDONED)) {
            thread.interrupt(); // a frame that has not started gives up; a started one is finished first
            return false;
        }
        return state.get() == SENT;
    }
}
