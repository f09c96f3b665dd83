package io.jipc.mailbox;

import io.jipc.ClosedException;

import java.time.Duration;
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
 */
public final class MailboxListener implements AutoCloseable {
    private static final Duration JOIN = Duration.ofSeconds(10);

    private final Thread thread;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile long handled;

    MailboxListener(Mailbox mailbox, MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
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
     * Stops the listener: a handler call in progress completes, no further message is received.
     * Waits (up to 10 s) until its thread has ended. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(JOIN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
