package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.JipcException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.MessageQueues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the kernel tells of one POSIX queue without taking a message: {@code mq_getattr} and
 * {@code fstat} of a descriptor opened (to receive, else to send) and closed at once. On Linux a queue
 * descriptor is a file of the kernel's internal {@code mqueue} mount, so {@code fstat} gives the
 * queue's permission bits, owner and inode (mounted or not), and the processes holding the queue open
 * show that inode in {@code /proc/<pid>/fd}.
 *
 * @param maxMessages     capacity in messages
 * @param messageSize     the longest message, in bytes
 * @param currentMessages messages in the queue now
 * @param file            the descriptor's {@code fstat}
 * @param user            the owning user's name, or the uid
 */
record QueueStatus(long maxMessages, long messageSize, long currentMessages, FileStatus file, String user) {
    /**
     * The status of queue {@code name}, or empty if there is no queue of that name.
     *
     * @throws JipcException            if it exists but cannot be opened (permissions)
     * @throws IllegalArgumentException if the name cannot be passed to the kernel
     */
    static Optional<QueueStatus> read(String name) {
        int mqd;
        try {
            mqd = open(name);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
        try {
            MessageQueues.Attributes a = MessageQueues.attributes(mqd, name);
            FileStatus file = Libc.fstat(mqd, name);
            return Optional.of(new QueueStatus(a.maxMessages(), a.messageSize(), a.currentMessages(), file,
                    userOf(mqd, file)));
        } finally {
            MessageQueues.close(mqd, name);
        }
    }

    /** Whether a queue of that name exists; true when that cannot be told (it exists but is not ours to open). */
    static boolean exists(String name) {
        try {
            return read(name).isPresent();
        } catch (JipcException | IllegalArgumentException cannotTell) {
            return true;
        }
    }

    private static int open(String name) {
        int flags = Libc.O_NONBLOCK | Libc.O_CLOEXEC;
        try {
            return MessageQueues.open(name, Libc.O_RDONLY | flags, 0, 0, 0);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EACCES) {
                throw e;
            }
            return MessageQueues.open(name, Libc.O_WRONLY | flags, 0, 0, 0); // a drop box: others may only send
        }
    }

    /** The owner's user name, looked up through the descriptor's {@code /proc} link; the uid if unknown. */
    private static String userOf(int mqd, FileStatus file) {
        try {
            return Files.getOwner(Path.of("/proc/self/fd/" + mqd)).getName();
        } catch (IOException | RuntimeException e) {
            return Integer.toUnsignedString(file.uid());
        }
    }
}
