package io.jipc.cli.endpoint;

/**
 * A message as the send and receive commands see it, whatever the kind of object.
 *
 * @param payload  its bytes
 * @param priority its priority, 0 where the kind has none
 */
public record Message(byte[] payload, int priority) {
}
