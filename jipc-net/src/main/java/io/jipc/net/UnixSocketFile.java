package io.jipc.net;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileLocks;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.Sockets;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The file a Unix-domain socket is bound to: created by {@code bind}, with exact permissions,
 * replaced when a dead owner left it behind, removed by its owner only.
 *
 * <p>The directory of the file may be writable by other users, who can replace the file between
 * {@code bind} and anything done by its path. So the mode is set on the socket's own inode only
 * ({@link #setMode}), and the file is created with at most the requested permission bits (the
 * socket's {@code fchmod} before {@code bind}), never with the wider {@code 0777 & ~umask}.
 *
 * <p><b>One step among jipc processes.</b> Replacing a stale file is three steps ({@code bind} fails,
 * the file is probed, unlinked, bound again) and removing one's own file two ({@code lstat} to compare
 * the inode, {@code unlink}). Two binders that both found one stale file both unlinked and bound, the
 * second unlinking the first one's live file; and an old server closing while its successor replaced
 * its (by then stale) file unlinked the successor's. So every {@code bind} of a path (also the first
 * try: between creating the file and registering the socket the kernel answers a probe as for a stale
 * file) and every removal hold the exclusive {@code flock(2)} of the path's directory
 * ({@link #inDirectoryLock}; released by the kernel if the process dies), and a removal runs while
 * the socket is still open, so that the file it compares against cannot be found stale (and its inode
 * number cannot be reused) meanwhile. A program that does not take that lock (a C server's
 * {@code unlink} and {@code bind}, {@code rm}) is not excluded. Nor is one that holds the lock
 * itself: any process that can read the directory can; it delays a bind or a removal there by at
 * most {@link #LOCK_WAIT_MILLIS} ms, after which that call runs unlocked (see {@link #inDirectoryLock}).
 */
final class UnixSocketFile {
    private UnixSocketFile() {
    }

    /**
     * Binds the socket {@code fd} to {@code address}, replacing a socket file
     * nobody serves any more, and sets its mode to {@code permissions}; returns the file's inode.
     * Called once per socket, before {@code listen}; waits only for the directory's lock
     * ({@link #inDirectoryLock}), which jipc holds for a few system calls, at most
     * {@link #LOCK_WAIT_MILLIS} ms. The caller closes the socket
     * when this throws.
     *
     * @throws ErrnoException         {@code EADDRINUSE} if a live socket or another kind of file has the path
     * @throws InsecureFileException  if another process replaced the socket file right after {@code bind}
     */
    static long bind(int fd, UnixDomainSocketAddress address, int permissions) {
        create(fd, address, permissions);
        return setMode(address.getPath().toString(), permissions).inode();
    }

    /**
     * Binds {@code fd} to {@code address} (replacing a stale socket file), the file getting at most
     * the bits of {@code permissions}: Linux creates a socket file with the mode of the socket's own
     * inode minus the umask, so the socket is given {@code permissions} first. Until {@link #setMode}
     * adds the bits the umask took away, the file is narrower than asked, never wider.
     */
    static void create(int fd, UnixDomainSocketAddress address, int permissions) {
        String path = address.getPath().toString();
        Libc.fchmod(fd, permissions, path);
        inDirectoryLock(address, () -> {
            try {
                Sockets.bind(fd, address);
            } catch (ErrnoException e) {
                if (e.errno() != Sockets.EADDRINUSE || !isStale(address)) {
                    throw e;
                }
                try {
                    Libc.unlink(path);
                } catch (ErrnoException gone) {
                    if (gone.errno() != Errno.ENOENT) { // removed meanwhile by a program that does not lock
                        throw gone;
                    }
                }
                Sockets.bind(fd, address);
            }
            return null;
        });
    }

    /**
     * Sets the mode of the socket file at {@code path} to {@code permissions}, if it is a socket file
     * owned by this process's effective uid: the file is opened without following a link
     * ({@code O_PATH|O_NOFOLLOW}), checked through that descriptor, and changed through it, so a
     * link, another user's file or a file of another type put there by another process is refused
     * and left unchanged. Returns the status of the file as checked (its inode identifies it later).
     *
     * <p>A socket file of the same user that replaced ours would pass: a process of that user could
     * change its mode anyway.
     *
     * @throws InsecureFileException if the path is missing, a link, not a socket, or another user's
     */
    static FileStatus setMode(String path, int permissions) {
        int pathFd;
        try {
            pathFd = Libc.open(path, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.ELOOP) {
                throw e;
            }
            throw replaced(path, e.errno() == Errno.ENOENT ? "nothing is at the path now" : "it is now a symbolic link");
        }
        try {
            FileStatus status = Libc.fstat(pathFd, path);
            if (status.isSymbolicLink()) {
                throw replaced(path, "it is now a symbolic link");
            }
            if (!status.isSocket()) {
                throw replaced(path, "it is now not a socket (mode " + FileStatus.octal(status.mode()) + ")");
            }
            int euid = Libc.geteuid();
            if (status.uid() != euid) {
                throw replaced(path, "it is now a socket of uid " + status.uid() + ", not of uid " + euid);
            }
            Libc.chmodOpened(pathFd, permissions, path);
            return status;
        } finally {
            Libc.close(pathFd);
        }
    }

    private static InsecureFileException replaced(String path, String now) {
        return new InsecureFileException("refusing to set the mode of socket file " + path
                + ": another process replaced the socket file just bound (" + now + "); bind in a directory "
                + "other users cannot write, or one with the sticky bit");
    }

    /**
     * Undoes a bind that failed with {@code failure} after the socket was made: removes the socket
     * file the bind made ({@code inode}, 0 if none is known: an Internet address, or the failure came
     * before) if it is still that file, then closes {@code socket}. A failure to remove it is
     * suppressed in {@code failure}, which the caller throws.
     */
    static void undoBind(NativeSocket socket, SocketAddress address, long inode, Throwable failure) {
        try {
            if (inode != 0) { // while the socket is open: see remove
                remove((UnixDomainSocketAddress) address, inode);
            }
        } catch (RuntimeException notRemoved) {
            failure.addSuppressed(notRemoved);
        } finally {
            socket.close();
        }
    }

    /**
     * Removes the socket file if it is still the one with {@code inode} (not a successor's). Called
     * while the socket bound to it is still open (then no jipc binder finds the file stale, and the
     * inode number cannot go to another file), holding the directory's lock like every bind.
     */
    static void remove(UnixDomainSocketAddress address, long inode) {
        String path = address.getPath().toString();
        inDirectoryLock(address, () -> {
            try {
                if (Libc.lstat(path).inode() == inode) {
                    Libc.unlink(path);
                }
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
            return null;
        });
    }

    /**
     * Runs {@code step} holding the exclusive {@code flock(2)} lock of the directory {@code address}
     * is in, which every jipc bind and removal of a socket file there takes: the step is one step
     * for them. The lock is held by a descriptor of its own, so it excludes the other threads of this
     * process too, and the kernel releases it if the process dies. A directory that cannot be opened
     * for reading (no read permission, gone, not a directory) is not locked: the step runs unlocked,
     * as before the lock, and its own calls report a directory that is gone or is none.
     *
     * <p><b>A bounded wait.</b> jipc holds the lock for a few system calls only, but any process that
     * can read the directory (any user, in {@code /tmp}) can take the same lock ({@code flock DIR
     * sleep 1000}) and keep it. So the wait is bounded: while another holds the lock the thread backs
     * off ({@code Thread.sleep}, 1 ms doubling to {@value #LOCK_BACKOFF_MAX_MILLIS} ms; a virtual
     * thread does not pin its carrier), for at most {@link #LOCK_WAIT_MILLIS} ms in all, then runs the
     * step without the lock: what such a holder can do is delay a bind or a close by that much, and
     * for that call the lock's guarantee is off (it runs as a program that does not lock would,
     * racing any other bind or removal of that directory). A blocking {@code flock} would let that
     * process stop every bind and close there for as long as it liked, uninterruptibly, close() and
     * shutdown hooks included (until 2026-12-06). An interrupt does not shorten the wait (at most
     * the bound; a close must still remove the file): the status is set again afterwards.
     */
    static <T> T inDirectoryLock(UnixDomainSocketAddress address, Supplier<T> step) {
        Path parent = address.getPath().toAbsolutePath().getParent();
        String dir = parent == null ? "/" : parent.toString();
        int fd;
        try {
            fd = Libc.open(dir, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            return step.get(); // its own calls say what is wrong with the directory, if anything
        }
        try {
            // held, or the bound passed: the step runs either way
            FileLocks.flockExclusiveWithin(fd, dir, LOCK_WAIT_MILLIS);
            return step.get();
        } finally {
            Libc.close(fd); // releases the lock, if held
        }
    }

    /** At most this long a bind or removal waits for the directory's lock (see {@link #inDirectoryLock}). */
    static final long LOCK_WAIT_MILLIS = 1000;

    /**
     * Whether {@code address} is a socket file that no socket is bound to any more. Asked of the
     * kernel with a datagram socket's {@code connect}, which makes no connection a server could see:
     * {@code ECONNREFUSED} when no socket is bound to the file, {@code EPROTOTYPE} when a stream or
     * seqpacket socket is (listening or not yet), success when a datagram socket is. (A probe of the
     * server's own type was accepted by a live stream server as a client that left at once.)
     */
    private static boolean isStale(UnixDomainSocketAddress address) {
        FileStatus status;
        try {
            status = Libc.lstat(address.getPath().toString());
        } catch (ErrnoException gone) {
            return false;
        }
        if (!status.isSocket()) {
            return false;
        }
        int probe = Sockets.socket(Sockets.AF_UNIX, Sockets.SOCK_DGRAM);
        try {
            Sockets.connect(probe, address);
            return false; // a datagram socket receives there
        } catch (ErrnoException e) {
            return e.errno() == Sockets.ECONNREFUSED; // not EPROTOTYPE: another type of socket is bound there
        } finally {
            Libc.close(probe);
        }
    }
}
