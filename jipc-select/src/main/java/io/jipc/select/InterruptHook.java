package io.jipc.select;

import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

/**
 * Turns {@link Thread#interrupt()} of a selecting thread into a wake-up of the native wait, the
 * way the JDK's selectors do it: {@link AbstractSelector#begin()} installs an interruptor that calls
 * {@link #wakeup()}. Nothing else of {@link AbstractSelector} is used; no JDK selector is created.
 */
final class InterruptHook extends AbstractSelector {
    private final Runnable onInterrupt;

    InterruptHook(Runnable onInterrupt) {
        super(SelectorProvider.provider());
        this.onInterrupt = onInterrupt;
    }

    /** Until {@link #leave()}, an interrupt of the calling thread runs the action (at once if already interrupted). */
    void enter() {
        begin();
    }

    void leave() {
        end();
    }

    @Override
    public AbstractSelector wakeup() {
        onInterrupt.run();
        return this;
    }

    @Override
    protected void implCloseSelector() {
    }

    @Override
    protected java.nio.channels.SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Set<java.nio.channels.SelectionKey> keys() {
        return Set.of();
    }

    @Override
    public Set<java.nio.channels.SelectionKey> selectedKeys() {
        return Set.of();
    }

    @Override
    public int selectNow() {
        return 0;
    }

    @Override
    public int select(long timeout) {
        return 0;
    }

    @Override
    public int select() {
        return 0;
    }
}
