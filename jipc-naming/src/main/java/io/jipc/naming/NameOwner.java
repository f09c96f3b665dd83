package io.jipc.naming;

import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** This process. */
    public static NameOwner current() {
        return Current.OWNER;
    }

    private static final class Current {
        static final NameOwner OWNER = new NameOwner(hostName(), ProcessIdentity.current().pid(),
                ProcessIdentity.current().startTime(), Integer.toUnsignedLong(Libc.geteuid()));

        private static String hostName() {
            try {
                String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
                return name.isEmpty() ? "localhost" : name;
            } catch (IOException e) {
                return "localhost";
            }
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
