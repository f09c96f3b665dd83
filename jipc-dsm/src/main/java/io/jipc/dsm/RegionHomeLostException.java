package io.jipc.dsm;

/**
 * The connection between a replica and its region's home is gone: the home process died or closed,
 * the network failed, nothing was heard from the home for the peer timeout, or the home dropped this
 * replica (it stopped reading, or was silent for longer than the peer timeout). The replica is
 * unusable from then on: reads and writes throw this, and a write section whose release had not
 * been acknowledged may or may not have reached the home.
 */
public class RegionHomeLostException extends DsmException {
    private static final long serialVersionUID = 1L;

    public RegionHomeLostException(String message) {
        super(message);
    }

    public RegionHomeLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
