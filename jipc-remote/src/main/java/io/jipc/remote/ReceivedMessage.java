package io.jipc.remote;

/**
 * A message a {@link MessageChannel} received, with the priority level it was sent at: what
 * {@code mq_receive} gives, on a local or a remote mailbox alike.
 *
 * @param payload  the message's bytes (a new array, owned by the caller)
 * @param priority the level it was sent at, {@code 0..priorities()-1} of the mailbox (0 without priorities)
 */
public record ReceivedMessage(byte[] payload, int priority) {
    public ReceivedMessage {
        java.util.Objects.requireNonNull(payload, "payload");
        if (priority < 0) {
            throw new IllegalArgumentException("negative priority " + priority);
        }
    }
}
