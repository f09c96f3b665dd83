package io.jipc.remote;

import io.jipc.mailbox.Mailbox;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@link MessageChannel} over a {@link Mailbox} of this host: every call goes straight to the
 * mailbox (shared memory, no copy beyond the mailbox's own). Owns the mailbox handle: closing this
 * closes it. Thread-safety, blocking and peer-death behaviour are the mailbox's.
 */
public final class LocalMailboxChannel implements MessageChannel {
    private final Mailbox mailbox;

    public LocalMailboxChannel(Mailbox mailbox) {
        this.mailbox = Objects.requireNonNull(mailbox, "mailbox");
    }

    /** The mailbox, for what only a local mailbox offers (zero-copy claims, handlers, headers). */
    public Mailbox mailbox() {
        return mailbox;
    }

    @Override
    public String name() {
        return mailbox.name();
    }

    @Override
    public boolean isRemote() {
        return false;
    }

    @Override
    public int maxMessageSize() {
        return mailbox.maxMessageSize();
    }

    @Override
    public int priorities() {
        return mailbox.priorities();
    }

    @Override
    public boolean offer(byte[] message) {
        return mailbox.offer(message);
    }

    @Override
    public boolean offer(byte[] message, int priority) {
        return mailbox.offer(message, priority);
    }

    @Override
    public boolean offer(byte[] message, Duration timeout) throws InterruptedException {
        return mailbox.offer(message, timeout);
    }

    @Override
    public boolean offer(byte[] message, int priority, Duration timeout) throws InterruptedException {
        return mailbox.offer(message, priority, timeout);
    }

    @Override
    public void put(byte[] message) throws InterruptedException {
        mailbox.put(message);
    }

    @Override
    public void put(byte[] message, int priority) throws InterruptedException {
        mailbox.put(message, priority);
    }

    @Override
    public byte[] poll() {
        return mailbox.poll();
    }

    @Override
    public byte[] poll(Duration timeout) throws InterruptedException {
        return mailbox.poll(timeout);
    }

    @Override
    public byte[] take() throws InterruptedException {
        return mailbox.take();
    }

    /**
     * {@inheritDoc} The priority comes from the message's header; a mailbox without headers has a
     * single level (levels imply headers), so its messages are at 0.
     */
    @Override
    public ReceivedMessage pollMessage() {
        return mailbox.hasHeaders() ? withPriority(mailbox.pollMessage()) : atLevelZero(mailbox.poll());
    }

    @Override
    public ReceivedMessage pollMessage(Duration timeout) throws InterruptedException {
        return mailbox.hasHeaders() ? withPriority(mailbox.pollMessage(timeout)) : atLevelZero(mailbox.poll(timeout));
    }

    @Override
    public ReceivedMessage takeMessage() throws InterruptedException {
        return mailbox.hasHeaders() ? withPriority(mailbox.takeMessage()) : atLevelZero(mailbox.take());
    }

    private static ReceivedMessage withPriority(io.jipc.mailbox.Message message) {
        return message == null ? null : new ReceivedMessage(message.payload(), message.priority());
    }

    private static ReceivedMessage atLevelZero(byte[] payload) {
        return payload == null ? null : new ReceivedMessage(payload, 0);
    }

    @Override
    public void close() {
        mailbox.close();
    }

    @Override
    public String toString() {
        return "local " + mailbox;
    }
}
