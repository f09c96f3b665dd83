package io.jipc.testkit;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Two "hosts" with separate network stacks, for tests of what crosses hosts: two network namespaces
 * joined by a veth pair ({@code SUBNET.1/30} on host A, {@code SUBNET.2/30} on host B; nothing
 * outside the machine), with {@code iproute2}. The pair is made inside the namespaces, so it never
 * appears among this host's interfaces; closing deletes both namespaces, and with them the pair.
 * Start a child JVM on a host with {@link ChildJvm.Builder#wrapper} and {@link #exec}.
 *
 * <p>Needs root (or {@code CAP_NET_ADMIN}) and {@code ip}: {@link #make} skips the calling test (a
 * JUnit assumption) where a namespace cannot be made (not root, no iproute2, a restricted
 * container). The namespaces' names start with the system property
 * {@code jipc.test.netnsPrefix}, or the caller's default, then {@code a-}/{@code b-} and this JVM's
 * pid, so that concurrent runs do not meet. Not thread-safe; one test at a time.
 */
public final class TwoHosts implements AutoCloseable {
    private static final String LINK_A = "veth-a";
    private static final String LINK_B = "veth-b";

    private final String hostA;
    private final String hostB;
    private final String addressA;
    private final String addressB;

    private TwoHosts(String hostA, String hostB, String subnet) {
        this.hostA = hostA;
        this.hostB = hostB;
        this.addressA = subnet + ".1";
        this.addressB = subnet + ".2";
    }

    /**
     * Makes the two namespaces and the link between them, both ends up (and each namespace's
     * loopback), or skips the test where namespaces cannot be made.
     *
     * @param defaultPrefix the namespaces' name prefix unless {@code jipc.test.netnsPrefix} is set
     * @param subnet        the first three octets of the /30 ({@code "10.231.7"}), one per test class
     * @throws IllegalStateException if a step after the first namespace fails (what {@code ip} said)
     */
    public static TwoHosts make(String defaultPrefix, String subnet) {
        String prefix = System.getProperty("jipc.test.netnsPrefix", defaultPrefix);
        long id = ProcessHandle.current().pid() % 100_000;
        TwoHosts hosts = new TwoHosts(prefix + "a-" + id, prefix + "b-" + id, subnet);
        String refused = ip("netns", "add", hosts.hostA);
        Assumptions.assumeTrue(refused == null, () -> "network namespaces not permitted here: " + refused);
        try {
            run("netns", "add", hosts.hostB);
            run("-n", hosts.hostA, "link", "add", LINK_A, "type", "veth", "peer", "name", LINK_B, "netns", hosts.hostB);
            run("-n", hosts.hostA, "addr", "add", hosts.addressA + "/30", "dev", LINK_A);
            run("-n", hosts.hostB, "addr", "add", hosts.addressB + "/30", "dev", LINK_B);
            for (String[] end : new String[][] {{hosts.hostA, LINK_A}, {hosts.hostB, LINK_B}}) {
                run("-n", end[0], "link", "set", "lo", "up");
                run("-n", end[0], "link", "set", end[1], "up");
            }
            return hosts;
        } catch (RuntimeException e) {
            hosts.close();
            throw e;
        }
    }

    /** Host A's namespace name. */
    public String hostA() {
        return hostA;
    }

    /** Host B's namespace name. */
    public String hostB() {
        return hostB;
    }

    /** Host A's address on the link. */
    public String addressA() {
        return addressA;
    }

    /** Host B's address on the link. */
    public String addressB() {
        return addressB;
    }

    /** The command prefix that runs a program in namespace {@code host} ({@code ip netns exec host}). */
    public static String[] exec(String host) {
        return new String[] {"ip", "netns", "exec", host};
    }

    /** Cuts host A's end of the link (set down): nothing closes the connections across it. */
    public void cutA() {
        run("-n", hostA, "link", "set", LINK_A, "down");
    }

    /** Cuts host B's end of the link. */
    public void cutB() {
        run("-n", hostB, "link", "set", LINK_B, "down");
    }

    /** Deletes both namespaces (and so the pair); what fails to go is ignored. Idempotent. */
    @Override
    public void close() {
        ip("netns", "del", hostA);
        ip("netns", "del", hostB);
    }

    /** Runs {@code ip args}; null if it succeeded, else what it printed. */
    private static String ip(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? null : out;
        } catch (IOException e) {
            return "cannot run ip: " + e.getMessage(); // no iproute2: the caller skips or fails saying so
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ip " + String.join(" ", args), e);
        }
    }

    private static void run(String... args) {
        String failed = ip(args);
        if (failed != null) {
            throw new IllegalStateException("ip " + String.join(" ", args) + ": " + failed);
        }
    }
}
