package io.jipc.mq;

/** A POSIX message queue of that name exists already ({@code EEXIST} from an exclusive {@code mq_open}). */
public class MqExistsException extends MqException {
    private static final long serialVersionUID = 1L;

    public MqExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
