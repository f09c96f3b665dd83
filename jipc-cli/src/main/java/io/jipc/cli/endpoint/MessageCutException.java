package io.jipc.cli.endpoint;

/**
 * A send of a message that could only go in pieces (a long line into a FIFO) ended after part of it
 * was written: the reader gets a partial message. Thrown by {@link MessageEndpoint#send} in place of
 * {@link InterruptedException} (then its cause) when the stop came after the message was begun, or
 * when a timed send's deadline passed while finishing it; it was not withdrawn.
 */
public final class MessageCutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long written;
    private final long length;

    MessageCutException(long written, long length, String why, InterruptedException cause) {
        super(why + ": cut after " + written + " of " + length + " bytes", cause);
        this.written = written;
        this.length = length;
    }

    /** The bytes of the message that went out. */
    public long written() {
        return written;
    }

    /** The message's whole length as sent (a FIFO line: with its newline). */
    public long length() {
        return length;
    }

    /** Whether a stop (an interrupt) cut it, rather than a deadline. */
    public boolean stopped() {
        return getCause() instanceof InterruptedException;
    }
}
