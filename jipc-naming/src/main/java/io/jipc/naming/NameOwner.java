package io.jipc.naming;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The process that registered a name: host, pid and start time (which together survive pid reuse,
 * see {@link ProcessIdentity}), and user id.
 *
 * @param host      the host name of the owner's machine
 * @param pid       its process id on that host
 * @param startTime its start time in clock ticks since that host's boot
 * @param uid       its effective user id
 */
public record NameOwner(String host, long pid, long startTime, long uid) {
    public NameOwner {
        Objects.requireNonNull(host, "host");
    }

    /**
     * This process, once read; null until the first read that succeeded. Read at the first need, not in
     * a class initialiser: a read that failed for a shortage of the moment ({@code EMFILE}) made the
     * class unusable for the life of the JVM, or, for the host name, took {@code localhost} for it for
     * good (until 2026-12-07). Racing first readers read the same values.
     */
    private static volatile NameOwner current;

    /**
     * This process. Any thread; the first call (and every call after one that failed) reads this
     * process's start time ({@link ProcessIdentity#current()}) and the host name
     * ({@code /proc/sys/kernel/hostname}, {@code localhost} where there is none), later calls return
     * what was read then.
     *
     * @throws ErrnoException if either cannot be read for a shortage of the moment, such as
     *                        {@code EMFILE} in a process out of descriptors: the next call reads again
     */
    public static NameOwner current() {
        NameOwner self = current;
        if (self == null) {
            ProcessIdentity process = ProcessIdentity.current();
            self = new NameOwner(hostName(), process.pid(), process.startTime(), Integer.toUnsignedLong(Libc.geteuid()));
            current = self;
        }
        return self;
    }

    private static final String HOST_NAME = "/proc/sys/kernel/hostname";

    /** The host name, through {@code open(2)} so that a shortage ({@code EMFILE}) is told from a missing file. */
    private static String hostName() {
        int fd;
        try {
            fd = Libc.open(HOST_NAME, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE || e.errno() == Errno.ENOMEM) {
                throw e;
            }
            return "localhost"; // no such file (no /proc), or not readable
        }
        try {
            String name = new String(Libc.readUpTo(fd, 256, HOST_NAME), StandardCharsets.US_ASCII).strip();
            return name.isEmpty() ? "localhost" : name;
        } finally {
            Libc.close(fd);
        }
    }

    /** Whether this owner is on this host (same host name). */
    public boolean isLocal() {
        return host.equals(current().host);
    }

    /** The owner's identity on its host. */
    public ProcessIdentity identity() {
        return new ProcessIdentity(pid, startTime);
    }

    /** {@code "pid 1234 on host1"}. */
    public String describe() {
        return "pid " + pid + " on " + host;
    }
}
