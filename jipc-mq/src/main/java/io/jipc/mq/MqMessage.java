package io.jipc.mq;

/**
 * A message received from a POSIX message queue, with the priority it was sent with.
 *
 * @param payload  the message's bytes (the array belongs to the receiver)
 * @param priority its priority, {@code 0} (lowest) to {@code 32767}
 */
public record MqMessage(byte[] payload, int priority) {
}
