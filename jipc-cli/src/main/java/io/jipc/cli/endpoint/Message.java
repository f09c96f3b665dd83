package io.jipc.cli.endpoint;

/**
 * A message as the send and receive commands see it, whatever the kind of object.
 *
 * @param payload  its bytes (after a truncating receive, those that fitted)
 * @param priority its priority, 0 where the kind has none
 * @param length   its whole length as sent: more than the payload's if it was truncated
 */
public record Message(byte[] payload, int priority, int length) {
    public Message {
        if (length < payload.length) {
            throw new IllegalArgumentException("a " + length + "-byte message cannot carry " + payload.length + " bytes");
        }
    }

    /** A whole message. */
    public Message(byte[] payload, int priority) {
        this(payload, priority, payload.length);
    }

    /** Whether its end was cut off by a truncating receive. */
    public boolean truncated() {
        return length > payload.length;
    }
}
