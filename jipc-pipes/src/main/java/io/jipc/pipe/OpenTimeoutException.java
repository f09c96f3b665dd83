package io.jipc.pipe;

import io.jipc.JipcException;
import io.jipc.Timeouts;

import java.time.Duration;

/** A FIFO could not be opened within the timeout because no process opened the other side. */
public class OpenTimeoutException extends JipcException {
    private static final long serialVersionUID = 1L;

    public OpenTimeoutException(String path, String missingSide, Duration timeout) {
        super("no " + missingSide + " opened FIFO " + path + " within " + Timeouts.text(timeout));
    }
}
