package io.jipc.net;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.Sockets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The file a Unix-domain socket is bound to: created by {@code bind}, with exact permissions,
 * replaced when a dead owner left it behind, removed by its owner only.
 */
final class UnixSocketFile {
    private static final int S_IFSOCK = 0140000;

    private UnixSocketFile() {
    }

    /**
     * Binds the socket {@code fd} to {@code address}, replacing a socket file
     * nobody serves any more, and sets its mode to {@code permissions}; returns the file's inode.
     *
     * @throws ErrnoException {@code EADDRINUSE} if a live socket or another kind of file has the path
     */
    static long bind(int fd, UnixDomainSocketAddress address, int permissions) {
        String path = address.getPath().toString();
        try {
            Sockets.bind(fd, address);
        } catch (ErrnoException e) {
            if (e.errno() != Sockets.EADDRINUSE || !isStale(address)) {
                throw e;
            }
            Libc.unlink(path);
            Sockets.bind(fd, address);
        }
        try {
            Files.setPosixFilePermissions(address.getPath(), permissions(permissions));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set the permissions of socket " + path, e);
        }
        return Libc.lstat(path).inode();
    }

    /** Removes the socket file if it is still the one with {@code inode} (not a successor's). */
    static void remove(UnixDomainSocketAddress address, long inode) {
        String path = address.getPath().toString();
        try {
            if (Libc.lstat(path).inode() == inode) {
                Libc.unlink(path);
            }
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }

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
        if ((status.mode() & Libc.S_IFMT) != S_IFSOCK) {
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

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(all[i]);
            }
        }
        return set;
    }
}
