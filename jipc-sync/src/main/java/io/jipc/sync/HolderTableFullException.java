package io.jipc.sync;

import io.jipc.JipcException;

/**
 * A tracked {@link ProcessSemaphore} has no free holder entry for this handle: every entry belongs
 * to a handle of a live process. Nothing was acquired. Close unused handles, or create the
 * semaphore with more holder entries.
 */
public class HolderTableFullException extends JipcException {
    private static final long serialVersionUID = 1L;

    public HolderTableFullException(String message) {
        super(message);
    }
}
