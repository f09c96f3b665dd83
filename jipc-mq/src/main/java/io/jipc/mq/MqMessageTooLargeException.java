package io.jipc.mq;

/** A message is longer than the queue's message size; nothing was sent. */
public class MqMessageTooLargeException extends MqException {
    private static final long serialVersionUID = 1L;

    public MqMessageTooLargeException(String message) {
        super(message);
    }
}
