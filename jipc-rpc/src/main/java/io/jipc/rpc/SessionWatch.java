package io.jipc.rpc;

import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.mailbox.Mailbox;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Notices, for a client through mailboxes, that its session is over although the server's process
 * lives and no CLOSING came: by the names of the two mailboxes it maps ({@link Mailbox#isStillNamed},
 * one {@code lstat} each).
 * <ul>
 * <li>Its own reply mailbox no longer named (another process removed it: {@code jipc rm},
 *     {@link Mailbox#destroy(String)}): the server counts the client as gone and forgets it (within
 *     {@link RpcServer#SWEEP_INTERVAL}), and ignores its later calls. Over at once.</li>
 * <li>The server's request mailbox no longer named (its {@link RpcServer#close()} removes it first;
 *     or another process removed it, or a new server of the name replaced it): the server takes no
 *     more calls through it. Over once {@link #CLOSE_WAIT} has passed since this was first seen: a
 *     closing server still answers the calls that end within its {@link RpcServer#CLOSE_GRACE} and
 *     then says CLOSING, which the client reads as usual; this only ends a wait for a CLOSING that
 *     will not come (the client's reply mailbox was full for longer than the server's reply timeout
 *     while it closed, or the client waits to send, reading nothing).</li>
 * </ul>
 * Until 2026-12-07 such a client learnt of it only from a CLOSING it read, or from the server's
 * process's exit: a call waited for ever while that process lived on.
 *
 * <p>Any thread may call {@link #over()}; it blocks only in the two system calls. A name that cannot
 * be looked at (the mailbox directory refused now) counts as still named: the server's process
 * liveness decides then, as before.
 */
final class SessionWatch {
    /**
     * How long a client waits, once it saw its server's request mailbox removed, for the CLOSING
     * before it gives the session up: twice the server's close grace, in which the calls running at
     * the close answer before the CLOSING is sent.
     */
    static final Duration CLOSE_WAIT = RpcServer.CLOSE_GRACE.multipliedBy(2);

    private final String service;
    private final Mailbox requests;
    private final Mailbox replies;
    /** When the request mailbox was first seen removed ({@link System#nanoTime()}); null until then. */
    private final AtomicReference<Long> requestsGoneAt = new AtomicReference<>();

    SessionWatch(String service, Mailbox requests, Mailbox replies) {
        this.service = service;
        this.requests = requests;
        this.replies = replies;
    }

    /** Why the session is over, for an {@link RpcServerLostException}; null while it may go on. */
    String over() {
        if (!named(replies)) {
            return "the reply mailbox '" + replies.name() + "' of this client of '" + service
                    + "' was removed (by another process): its server forgets it";
        }
        if (named(requests)) {
            return null; // a name once removed never names this file again: nothing to reset
        }
        long now = System.nanoTime();
        requestsGoneAt.compareAndSet(null, now);
        if (now - requestsGoneAt.get() < Timeouts.nanos(CLOSE_WAIT)) {
            return null;
        }
        return "the mailbox of '" + service + "' was removed (its server closed, or another process removed it)"
                + " and no CLOSING came within " + Timeouts.text(CLOSE_WAIT);
    }

    private static boolean named(Mailbox mailbox) {
        try {
            return mailbox.isStillNamed();
        } catch (JipcException cannotTell) {
            return true;
        }
    }
}
