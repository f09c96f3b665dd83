package io.jipc.segment;

import io.jipc.platform.FileLocks;

import java.time.Duration;

/**
 * The mark by which an opener of a shared file tells a creator that is still making the file
 * (alive, only slow: descheduled, swapped out, stopped) from one that died making it: the creator
 * holds the exclusive {@code flock(2)} lock of the file, through the descriptor of its exclusive
 * create, until the file is ready ({@link SharedSegment#publish}, or sized for a named region) or
 * its failed create is undone, and then releases it ({@link #release}). The lock belongs to that
 * open file description, which the creator's descriptor and mappings made through it hold, so the
 * kernel releases it when the creator dies, however it dies. Closing the descriptor alone does not
 * release it while such a mapping lasts, so it is released explicitly: held for the creator's
 * life, it would hang an unbounded mailbox's sender, which takes its control file's {@code flock}
 * to remove a segment file.
 *
 * <p>An opener that has waited its ready timeout for a file that is still empty or not ready asks
 * {@link #isHeld}: held means the creator lives and is still making the file, so the opener waits
 * on, until {@link #LIVE_CREATOR_TIMEOUT} (a stopped creator must not hang its openers without
 * end); free means the creator finished, failed or died, and a file still not ready after that is
 * a dead creator's (or that of a jipc from before this lock).
 *
 * <p>Nothing else takes {@code flock} locks on these files while they are not ready (jipc's
 * unbounded mailbox takes its control file's only through a handle, so once it is ready). A
 * creator descheduled for longer than an opener's ready timeout exactly between its
 * {@code open(O_CREAT|O_EXCL)} and its {@code flock} (two system calls) still looks dead.
 * Calls never block, except {@link #take}, for as long as an opener's {@link #isHeld} lasts.
 */
public final class CreationLock {
    /**
     * How long an opener waits in all for a file whose creator is known to be still making it
     * (holds its creation lock), when its own ready timeout is shorter and not zero.
     */
    public static final Duration LIVE_CREATOR_TIMEOUT = Duration.ofSeconds(30);

    private CreationLock() {
    }

    /**
     * For the creator, right after its exclusive create of the file {@code fd} refers to: takes
     * the file's exclusive {@code flock}, until {@link #release}.
     */
    public static void take(int fd, String name) {
        FileLocks.flockExclusive(fd, name);
    }

    /**
     * For the creator, once its file is ready (or removed): releases the lock {@link #take} took
     * through {@code fd}. Explicitly, before the descriptor is closed: a mapping made through the
     * descriptor holds its open file description, and with it the lock, for as long as it lasts.
     */
    public static void release(int fd, String name) {
        FileLocks.flockRelease(fd, name);
    }

    /**
     * Whether the file {@code fd} (an opener's own descriptor, read-only or read-write) refers to
     * is still being made by a live creator: its creation lock is held. Takes a shared
     * {@code flock} for a moment if it is free.
     */
    public static boolean isHeld(int fd, String name) {
        if (!FileLocks.tryFlockShared(fd, name)) {
            return true;
        }
        FileLocks.flockRelease(fd, name);
        return false;
    }

    /**
     * How long in all an opener with {@code readyTimeout} waits for a file whose creator holds its
     * creation lock: {@link #LIVE_CREATOR_TIMEOUT}, or {@code readyTimeout} if that is longer or
     * zero (an opener that does not wait at all, say one that judges the file from outside).
     */
    public static Duration liveCreatorTimeout(Duration readyTimeout) {
        if (readyTimeout.isZero() || readyTimeout.compareTo(LIVE_CREATOR_TIMEOUT) >= 0) {
            return readyTimeout;
        }
        return LIVE_CREATOR_TIMEOUT;
    }
}
