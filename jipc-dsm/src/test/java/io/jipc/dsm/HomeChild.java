package io.jipc.dsm;

import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A region home in another process, for {@link ReplicatedRegionProcessTest}. Arguments:
 * {@code <heartbeatMillis> <peerTimeoutMillis>}. Starts a {@link RegionHome} on 127.0.0.1, port 0, and
 * prints {@code HOME <port>}; then answers {@code status <region>} on standard input with
 * {@code STATUS <version> <replicas> <locked> <waiting>} (or {@code STATUS none}). At the end of standard
 * input closes the home, prints {@code CLOSED} and exits 0.
 */
public final class HomeChild {
    private HomeChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        DsmOptions options = DsmOptions.defaults().withLiveness(Duration.ofMillis(Long.parseLong(args[0])),
                Duration.ofMillis(Long.parseLong(args[1])));
        try (RegionHome home = RegionHome.start(new InetSocketAddress("127.0.0.1", 0), options)) {
            say("HOME " + ((InetSocketAddress) home.address()).getPort());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] c = line.trim().split(" ");
                if (!c[0].equals("status")) {
                    throw new IllegalArgumentException("unknown command: " + line);
                }
                say(home.regions().stream().filter(s -> s.name().equals(c[1])).findFirst()
                        .map(s -> "STATUS " + s.version() + " " + s.replicas() + " " + s.locked() + " " + s.waiting())
                        .orElse("STATUS none"));
            }
        }
        say("CLOSED");
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
