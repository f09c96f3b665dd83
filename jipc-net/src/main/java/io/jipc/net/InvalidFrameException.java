package io.jipc.net;

import io.jipc.JipcException;

/** A frame header announced a length outside {@code [0, maxFrameSize]} (a hostile or confused peer: {@code -1}, {@code 2^31-1}, {@code 2^63}, ...). It is detected before anything is allocated; the stream cannot be resynchronised, so the connection is closed. */
public class InvalidFrameException extends JipcException {
    private static final long serialVersionUID = 1L;

    private final long announcedLength;

    public InvalidFrameException(String message, long announcedLength) {
        super(message);
        this.announcedLength = announcedLength;
    }

    /**
     * The length the header announced, its 8 bytes read as a signed {@code long} (negative for
     * {@code 2^63} and more): lets a peer that knows what the frame would have been (a message
     * longer than its own limit, say) tell that apart from garbage.
     */
    public long announcedLength() {
        return announcedLength;
    }
}
