package io.jipc.cli.endpoint;

/**
 * A send of a message that went out in pieces (a long line into a FIFO, a frame on a stream socket)
 * ended after part of it was written: it was not withdrawn. Thrown by {@link MessageEndpoint#send} in
 * place of {@link InterruptedException} (then its cause) when the stop came after the message was
 * begun, or when the send's time to finish it ran out (a timed send's deadline; a stream socket's
 * frame timeout, then the {@link io.jipc.net.FrameTimeoutException} is its cause). What the reader
 * gets of it is {@link #consequence()}: a FIFO's reader a partial line; a stream socket's connection
 * was closed mid-frame, so a jipc receiver drops the frame and a raw reader gets its first bytes.
 */
public final class MessageCutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long written;
    private final long length;
    private final String consequence;

    /** A FIFO line cut after {@code written} of its {@code length} bytes (with its newline). */
    MessageCutException(long written, long length, String why, InterruptedException cause) {
        super(why + ": cut after " + written + " of " + length + " bytes", cause);
        this.written = written;
        this.length = length;
        this.consequence = "the reader gets a partial line";
    }

    private MessageCutException(long length, String why, Throwable cause, String consequence) {
        super(why, cause);
        this.written = -1;
        this.length = length;
        this.consequence = consequence;
    }

    /**
     * A message of {@code length} bytes whose frame on a stream socket began and was not finished: the
     * send was stopped ({@code cause} an {@link InterruptedException}) or the peer did not read it in time
     * ({@code cause} the {@link io.jipc.net.FrameTimeoutException}); the connection was closed mid-frame.
     * How many bytes went out is in the frame timeout's message, if any; {@link #written()} is -1.
     */
    static MessageCutException ofFrame(long length, Exception cause) {
        return new MessageCutException(length, cause.getMessage() == null ? "stopped" : cause.getMessage(), cause,
                "the connection was closed mid-frame: a jipc receiver drops it, a raw reader gets its first bytes");
    }

    /** The bytes of the message that went out; -1 if not known (a frame on a stream socket). */
    public long written() {
        return written;
    }

    /** The message's whole length as sent (a FIFO line: with its newline). */
    public long length() {
        return length;
    }

    /** How much went out: {@code "after W of L bytes"}, or {@code "after part of its L bytes went out"} if unknown. */
    public String progress() {
        return written >= 0 ? "after " + written + " of " + length + " bytes"
                : "after part of its " + length + " bytes went out";
    }

    /** What the reader gets of the cut message, in words ({@code "the reader gets a partial line"}). */
    public String consequence() {
        return consequence;
    }

    /** Whether a stop (an interrupt) cut it, rather than a deadline. */
    public boolean stopped() {
        return getCause() instanceof InterruptedException;
    }
}
