package io.jipc.mailbox;

import io.jipc.ClosedException;

import java.util.Objects;
import java.util.Optional;

/**
 * Asynchronous notification of arriving messages: a virtual thread that receives from a mailbox
 * and hands each message, in place, to a {@link MessageHandler}, from {@link Mailbox#listen} until
 * {@link #close()}. While it waits it sleeps like {@link Mailbox#take(MessageHandler)} (no CPU);
 * it holds this process's receiving role like any receive.
 *
 * <p>If the handler throws, the message counts as received, the listener stops and keeps the
 * exception ({@link #failure()}). The listener also stops when the mailbox handle is closed.
 *
 * <p>While its handler runs, the listener holds this process's receiving role: other threads'
 * receives wait for it (see "A role may be held for long" in {@link Mailbox}). {@link #close()}
 * returns once the handler call in progress has returned, so that the role is free afterwards.
 */
public final class MailboxListener implements AutoCloseable {
    private final Thread thread;
    private final String mailboxName;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile long handled;

    MailboxListener(Mailbox mailbox, MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        this.mailboxName = mailbox.name();
        MessageHandler counting = message -> {
            try {
                handler.onMessage(message);
            } catch (RuntimeException | Error e) {
                failure = e; // kept even if it is a ClosedException (of another object the handler used)
                throw e;
            }
            handled++;
        };
        this.thread = Thread.ofVirtual().name("jipc-listener-" + mailbox.name()).start(() -> {
            try {
                while (!closed) {
                    mailbox.take(counting);
                }
            } catch (InterruptedException | ClosedException stopped) {
                // closed, unless the handler threw it (then failure holds it already)
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            }
        });
    }

    /** Whether the listener still runs (not closed, no failure, mailbox open). */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Messages handed to the handler so far. */
    public long handled() {
        return handled;
    }

    /** What stopped the listener, if the handler or the mailbox failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops the listener: no further message is received, and a handler call in progress completes
     * (the listener's thread is interrupted, so a handler that waits interruptibly ends soon). Waits,
     * however long, until that call has returned and the thread has ended, like {@link
     * java.util.concurrent.ExecutorService#close()}: when it returns, this process's receiving role
     * is free, and an at-once {@link Mailbox#poll()} does not wait for the handler. Any thread may
     * call it, idempotently.
     *
     * <p>An interrupt of the calling thread ends the wait: close returns at once with the thread's
     * interrupt status set, and the listener stops, and gives the role up, only when its handler
     * returns. Called from the handler itself, close returns at once and the listener stops when
     * the handler returns.
     */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The mailbox's name, the messages handled so far, and whether the listener runs, was closed or
     * stopped on a failure (its class) or because the mailbox handle was closed, e.g. {@code MailboxListener[orders, handled 12, running]}.
     */
    @Override
    public String toString() {
        Throwable failed = failure;
        String state = thread.isAlive() ? (closed ? "closing" : "running")
                : failed != null ? "failed: " + failed.getClass().getSimpleName() : closed ? "closed" : "mailbox closed";
        return "MailboxListener[" + mailboxName + ", handled " + handled + ", " + state + "]";
    }
}
