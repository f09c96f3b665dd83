package io.jipc.mq;

/** There is no POSIX message queue of that name ({@code ENOENT} from {@code mq_open}). */
public class MqNotFoundException extends MqException {
    private static final long serialVersionUID = 1L;

    public MqNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
