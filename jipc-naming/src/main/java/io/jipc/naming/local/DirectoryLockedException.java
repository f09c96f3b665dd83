package io.jipc.naming.local;

import io.jipc.naming.NamingException;

/**
 * Another process held the name directory's lock for all of {@link NameDirectory#LOCK_WAIT_MILLIS}
 * (one stopped while it removed a name): the removal that waited for it did nothing. A lookup or a
 * listing that meets a dead owner's name leaves it for a later reclaim; an unregister, a close or a
 * registration that must first reclaim a dead owner's name fails with it.
 */
final class DirectoryLockedException extends NamingException {
    private static final long serialVersionUID = 1L;

    DirectoryLockedException(String message) {
        super(message);
    }
}
