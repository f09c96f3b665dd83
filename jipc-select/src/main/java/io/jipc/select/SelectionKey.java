package io.jipc.select;

import io.jipc.Selectable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The registration of one channel with one {@link Selector}: the interest, an attachment, and
 * after each select the operations found ready.
 *
 * <p>Thread-safe. {@link #readyOps()} is written by the selecting thread before {@code select}
 * returns, so the thread that called {@code select} sees it; other threads see it eventually.
 */
public final class SelectionKey {
    private final Selector selector;
    private final Selectable channel;
    private final Selectable.Source source;
    private final int interestOps;
    /** The epoll data of a descriptor key: unique in its selector, never 0 (the eventfd's). */
    private final long token;
    /** Read and replaced through {@link #ATTACHMENT}. */
    private volatile Object attachment;
    private volatile int readyOps;
    private volatile boolean cancelled;

    private static final VarHandle ATTACHMENT;

    static {
        try {
            ATTACHMENT = MethodHandles.lookup().findVarHandle(SelectionKey.class, "attachment", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    SelectionKey(Selector selector, Selectable channel, Selectable.Source source, int interestOps,
                 Object attachment, long token) {
        this.selector = selector;
        this.channel = channel;
        this.source = source;
        this.interestOps = interestOps;
        this.attachment = attachment;
        this.token = token;
    }

    /** The registered channel. */
    public Selectable channel() {
        return channel;
    }

    /** The selector this key belongs to. */
    public Selector selector() {
        return selector;
    }

    /** The operations waited for: {@link Selectable#OP_READ}, {@link Selectable#OP_WRITE} or both. */
    public int interestOps() {
        return interestOps;
    }

    /** The operations found ready by the last select that returned this key (a hint: re-check with the channel's non-blocking verb). */
    public int readyOps() {
        return readyOps;
    }

    /** Whether the last select found the channel readable (a message, a connection to accept, an end of stream or an error). */
    public boolean isReadable() {
        return (readyOps & Selectable.OP_READ) != 0;
    }

    /** Whether the last select found the channel writable (room to send, or an error a send reports at once). */
    public boolean isWritable() {
        return (readyOps & Selectable.OP_WRITE) != 0;
    }

    /** The object given at registration or by {@link #attach}, or null. */
    public Object attachment() {
        return attachment;
    }

    /**
     * Replaces the attachment; returns the previous one. Atomic, as {@code java.nio}'s: of threads that
     * attach at once each gets back the attachment the one before it replaced (until 2026-12-07 two
     * could get the same one).
     */
    public Object attach(Object attachment) {
        return ATTACHMENT.getAndSet(this, attachment);
    }

    /** Whether the key is still registered (not cancelled, selector open, channel open). */
    public boolean isValid() {
        return !cancelled && !source.isClosed() && !selector.isClosed();
    }

    /** Removes the channel from the selector (idempotent); the channel stays open. */
    public void cancel() {
        selector.deregister(this);
    }

    long token() {
        return token;
    }

    Selectable.Source source() {
        return source;
    }

    void readyOps(int ops) {
        readyOps = ops;
    }

    /** Marks the key cancelled; returns false if it already was. */
    boolean markCancelled() {
        if (cancelled) {
            return false;
        }
        cancelled = true;
        return true;
    }

    @Override
    public String toString() {
        return "SelectionKey[" + channel + ", interest " + opsName(interestOps) + ", ready " + opsName(readyOps)
                + (cancelled ? ", cancelled" : "") + "]";
    }

    static String opsName(int ops) {
        return switch (ops) {
            case Selectable.OP_READ -> "read";
            case Selectable.OP_WRITE -> "write";
            case Selectable.OP_READ | Selectable.OP_WRITE -> "read+write";
            case 0 -> "none";
            default -> "unknown";
        };
    }
}
