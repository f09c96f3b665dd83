package io.jipc.cli;

import io.jipc.cli.bench.MiniJson;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench --quick --only ... --json} in a child JVM (which starts its own peer JVM): the
 * JSON has one entry per mechanism asked for, in table order, with the measured figures and the
 * limits it could not measure (signals: a ping-pong and no one-way run). No figure or duration is
 * asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BenchAllCommandTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void quickJsonRunHasTheExpectedShape() throws Exception {
        Path html = dir.resolve("bench.html");
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench", "--quick", "--only", "udp,signal,fifo,unix", "--extra-sizes", "4096,1048576",
                        "--json", "--html", html.toString()).start()) {
            bench.assertSuccess(Duration.ofMinutes(3));
            String output = bench.output(); // the JSON, then "wrote FILE" on standard error
            Map<String, Object> json = (Map<String, Object>) MiniJson.parse(output.substring(output.indexOf("{\n"),
                    output.lastIndexOf("}\n") + 2));
            assertTrue(output.endsWith("}\nwrote " + html + "\n"), output);

            assertEquals("all", json.get("benchmark"));
            assertEquals(64.0, json.get("messageSize"));
            assertEquals(List.of(64.0, 4096.0, 1048576.0), json.get("throughputSizes"));
            List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
            assertEquals(List.of("fifo", "unix", "udp", "signal"), results.stream().map(r -> r.get("id")).toList(),
                    "table order");
            results.forEach(BenchAllCommandTest::assertMeasured);
            assertEquals(3, ((List<?>) results.get(0).get("oneWay")).size(), "FIFO carries every size");
            Map<String, Object> udp = results.get(2);
            assertEquals(List.of(64.0, 4096.0), ((List<Map<String, Object>>) udp.get("oneWay")).stream()
                    .map(t -> t.get("size")).toList(), "UDP: no 1 MiB datagram");
            assertTrue(((List<String>) udp.get("skipped")).getFirst().startsWith("1 MiB"), udp.toString());
            Map<String, Object> signal = results.get(3);
            assertEquals(List.of(), signal.get("oneWay"), "signals: a ping-pong only");
            assertTrue(((List<String>) signal.get("skipped")).getFirst().startsWith("one-way: "), signal.toString());

            assertTrue(Files.isRegularFile(html), "the HTML page was written");
        }
        try (var leftovers = Files.list(dir)) {
            assertFalse(leftovers.anyMatch(p -> !p.getFileName().toString().equals("bench.html")));
        }
    }

    /**
     * The rendezvous mailbox, the circular buffer, a process group, the remote mailbox, RPC (through
     * mailboxes and over TCP) and a replicated region are measured like the others; the ring cannot
     * carry 1 MiB (its items hold at most 1 MiB, length included). The extension fails the test if they leave a mailbox, region or
     * name behind.
     */
    @Test
    @SuppressWarnings("unchecked")
    void rendezvousRingGroupRemoteMailboxRpcAndReplicatedRegionAreMeasured() throws Exception {
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench", "--quick", "--only", "dsm,rpc,rpc-tcp,remote-mailbox,group,ring,rendezvous", "--extra-sizes", "4096,1048576",
                        "--json").start()) {
            bench.assertSuccess(Duration.ofMinutes(3));
            String output = bench.output();
            Map<String, Object> json = (Map<String, Object>) MiniJson.parse(output.substring(output.indexOf("{\n")));

            List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
            assertEquals(List.of("rendezvous", "ring", "group", "remote-mailbox", "rpc", "rpc-tcp", "dsm"), results.stream().map(r -> r.get("id")).toList(),
                    "table order");
            results.forEach(BenchAllCommandTest::assertMeasured);
            assertEquals(3, ((List<?>) results.get(0).get("oneWay")).size(), "rendezvous carries every size");
            assertEquals(3, ((List<?>) results.get(2).get("oneWay")).size(), "a group carries every size");
            assertEquals(3, ((List<?>) results.get(3).get("oneWay")).size(), "remote mailbox carries every size");
            assertEquals(3, ((List<?>) results.get(4).get("oneWay")).size(), "RPC carries every size");
            assertEquals(3, ((List<?>) results.get(5).get("oneWay")).size(), "RPC over TCP carries every size");
            assertEquals(3, ((List<?>) results.get(6).get("oneWay")).size(), "a replicated region carries every size");
            Map<String, Object> ring = results.get(1);
            assertEquals(List.of(64.0, 4096.0), ((List<Map<String, Object>>) ring.get("oneWay")).stream()
                    .map(t -> t.get("size")).toList(), "ring: no 1 MiB item");
            assertTrue(((List<String>) ring.get("skipped")).getFirst().startsWith("1 MiB"), ring.toString());
        }
    }

    /** A mechanism's entry with figures: no problem, round-trip percentiles, positive rates, traits. */
    @SuppressWarnings("unchecked")
    private static void assertMeasured(Map<String, Object> r) {
        assertEquals(Boolean.TRUE, r.get("available"));
        assertNull(r.get("problem"), () -> "problem: " + r);
        Map<String, Object> rtt = (Map<String, Object>) r.get("rttMicros");
        for (String p : List.of("p50", "p90", "p99", "p99.9", "max")) {
            assertInstanceOf(Double.class, rtt.get(p), p);
        }
        assertTrue((Double) rtt.get("p50") <= (Double) rtt.get("p99.9"));
        for (Map<String, Object> t : (List<Map<String, Object>>) r.get("oneWay")) {
            assertTrue((Double) t.get("messagesPerSecond") > 0, "a rate was measured: " + t);
            assertNotNull(t.get("megabytesPerSecond"));
            assertNotNull(t.get("lostShare"));
        }
        for (String key : List.of("kernel", "copies", "persistence")) {
            assertInstanceOf(String.class, r.get(key), key);
        }
    }
}
