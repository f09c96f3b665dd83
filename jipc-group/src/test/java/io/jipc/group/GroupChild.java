package io.jipc.group;

import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The other processes of {@link GroupProcessTest}; prints one line per event. Modes (all join the
 * group {@code name} of {@code size} ranks first and print {@code JOINED <rank> <incarnation>}):
 * <ul>
 * <li>{@code collectives <name> <size> <rounds>}: {@link GroupScenarios#collectives}, then {@code OK}
 *     or {@code WRONG <what>}.</li>
 * <li>{@code broadcasts <name> <size> <count>}: {@link GroupScenarios#broadcasts}, then {@code OK} or
 *     {@code WRONG <what>}.</li>
 * <li>{@code barriers <name> <size>}: barriers in a loop, {@code ROUND} after the first; on a lost
 *     member prints {@code LOST <rank>}.</li>
 * <li>{@code stalled <name> <size>}: (no collective timeout) one barrier, {@code ROUND}, then
 *     {@code broadcastFrom(0, null)} in a loop until {@code LOST <rank> after <operations>}; then takes every message there is and prints
 *     {@code RECEIVED <count> <in order>}, each payload of 8 bytes or more starting with its sequence
 *     number (a long) from 0.</li>
 * <li>{@code flood <name> <size> <to> <count> <bytes>}: sends {@code count} messages of {@code bytes}
 *     bytes to rank {@code to}, each starting with its sequence number (a long) from 0, printing
 *     {@code SENT <n>} after each, then {@code DONE}; then one barrier, and {@code BARRIER}.</li>
 * <li>{@code echo <name> <size>}: sends each message back to its sender until one says {@code bye}.</li>
 * <li>{@code ahead <name> <size> barrier|first}: (with {@code barrier}, after one barrier) {@code gather(0, "from-<rank>")}
 *     and {@code reduce(0, "+<rank>", concatenation)}, which return as soon as its parts are in rank 0's inbox,
 *     then {@code DELIVERED}, and leaves.</li>
 * <li>{@code hold <name> <size> <inboxBytes> <maxMessage>}: holds its rank, receiving nothing, until a line
 *     arrives on standard input.</li>
 * <li>{@code allreduce <name> <size> long|bytes}: waits for the group to fill, then {@code allReduce(2L, Long::sum)}
 *     ({@code long}) or {@code allReduce(new byte[4], concatenation)} ({@code bytes}), printing {@code RESULT <value>}
 *     or {@code THREW <exception class>}, then one {@code allReduce(1L, Long::sum)}, printing {@code NEXT <value>}.</li>
 * <li>{@code timeout-barrier <name> <size>}: (collective timeout 500 ms) waits for the group to fill, then one
 *     barrier: {@code TIMEOUT} on GroupTimeoutException, else {@code BARRIER}.</li>
 * <li>{@code nbarriers <name> <size> <n>}: waits for the group to fill, then {@code n} barriers, then
 *     {@code BARRIERS <n>}, or {@code THREW <exception>} at the first that throws.</li>
 * <li>{@code barrier-per-line <name> <size>}: waits for the group to fill, then one barrier, printing
 *     {@code BARRIER} or {@code THREW <exception>}; again for each line that arrives on standard input, until it
 *     closes.</li>
 * <li>{@code create-only <name> <size>}: (does not join) creates the group's file as a joiner does, prints
 *     {@code CREATED}, and holds it, taking no rank (a creator between creating the file and claiming its rank),
 *     until a line arrives on standard input; then removes the file and prints {@code REMOVED}.</li>
 * <li>{@code stuck-send <name> <size> <inboxBytes> <maxMessage> send|broadcast}: (inboxes of {@code inboxBytes},
 *     messages up to {@code maxMessage}) waits for the group to fill, fills rank 1's inbox with {@code offer}, prints
 *     {@code FULL}, then sends one more message of {@code maxMessage} bytes to rank 1 ({@code send}) or to all
 *     ({@code broadcast}), which waits for room, and prints {@code SENT}, {@code REACHED <members>} or
 *     {@code LOST <rank> <message>}.</li>
 * <li>{@code allgather <name> <size> <inboxBytes> <valueBytes> <rounds>}: (inboxes of {@code inboxBytes}) waits
 *     for the group to fill, then {@code rounds} times {@link #allGatherValue} with {@link ProcessGroup#allGather},
 *     then {@code OK} or {@code WRONG <what>}.</li>
 * </ul>
 * Every mode leaves the group and prints {@code LEFT} at the end.
 */
public final class GroupChild {
    private GroupChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        String name = args[1];
        int size = Integer.parseInt(args[2]);
        if (args[0].equals("create-only")) {
            try (MemberTable table = MemberTable.openOrCreate(name, GroupOptions.of(size))) {
                say("CREATED");
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                table.unlink();
            }
            say("REMOVED");
            return;
        }
        GroupOptions options = GroupOptions.of(size);
        if (args[0].equals("hold")) {
            options = options.withInboxBytes(Long.parseLong(args[3])).withMaxMessageSize(Integer.parseInt(args[4]));
        } else if (args[0].equals("timeout-barrier")) {
            options = options.withCollectiveTimeout(Duration.ofMillis(500));
        } else if (args[0].equals("stuck-send")) {
            options = options.withInboxBytes(Long.parseLong(args[3])).withMaxMessageSize(Integer.parseInt(args[4]));
        } else if (args[0].equals("allgather")) {
            options = options.withInboxBytes(Long.parseLong(args[3]));
        }
        try (ProcessGroup g = ProcessGroup.join(name, options)) {
            say("JOINED " + g.rank() + " " + g.members().stream().filter(m -> m.rank() == g.rank())
                    .findFirst().orElseThrow().incarnation());
            switch (args[0]) {
                case "collectives" -> report(GroupScenarios.collectives(g, Integer.parseInt(args[3])));
                case "broadcasts" -> report(GroupScenarios.broadcasts(g, Integer.parseInt(args[3])));
                case "barriers" -> barriers(g);
                case "echo" -> echo(g);
                case "stalled" -> stalled(g);
                case "flood" -> flood(g, Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
                case "ahead" -> {
                    if (args[3].equals("barrier")) {
                        g.barrier();
                    }
                    g.gather(0, ("from-" + g.rank()).getBytes(StandardCharsets.UTF_8));
                    g.reduce(0, ("+" + g.rank()).getBytes(StandardCharsets.UTF_8), GroupChild::concat);
                    say("DELIVERED");
                }
                case "allreduce" -> {
                    g.awaitFull(Duration.ofMinutes(1));
                    try {
                        say("RESULT " + (args[3].equals("long") ? Long.toString(g.allReduce(2L, Long::sum))
                                : g.allReduce(new byte[4], GroupChild::concat).length + " bytes"));
                    } catch (GroupException e) {
                        say("THREW " + e.getClass().getSimpleName());
                    }
                    say("NEXT " + g.allReduce(1L, Long::sum));
                }
                case "timeout-barrier" -> {
                    g.awaitFull(Duration.ofMinutes(1));
                    try {
                        g.barrier();
                        say("BARRIER");
                    } catch (GroupTimeoutException e) {
                        say("TIMEOUT");
                    }
                }
                case "nbarriers" -> {
                    g.awaitFull(Duration.ofMinutes(1));
                    int n = Integer.parseInt(args[3]);
                    try {
                        for (int i = 0; i < n; i++) {
                            g.barrier();
                        }
                        say("BARRIERS " + n);
                    } catch (GroupException e) {
                        say("THREW " + e);
                    }
                }
                case "barrier-per-line" -> {
                    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                    do {
                        g.awaitFull(Duration.ofMinutes(1));
                        try {
                            g.barrier();
                            say("BARRIER");
                        } catch (GroupException e) {
                            say("THREW " + e);
                        }
                    } while (in.readLine() != null);
                }
                case "stuck-send" -> stuckSend(g, Integer.parseInt(args[4]), args[5].equals("broadcast"));
                case "allgather" -> report(allGathers(g, Integer.parseInt(args[4]), Integer.parseInt(args[5])));
                case "hold" -> new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
        say("LEFT");
    }

    /** The value of {@code rank} in round {@code round}: {@code bytes} bytes of {@code rank * 16 + round}. */
    static byte[] allGatherValue(int rank, int round, int bytes) {
        byte[] v = new byte[bytes];
        java.util.Arrays.fill(v, (byte) (rank * 16 + round));
        return v;
    }

    /** {@code rounds} allGathers of {@link #allGatherValue}s; {@code null} if every result was right. */
    static String allGathers(ProcessGroup g, int bytes, int rounds) throws InterruptedException {
        g.awaitFull(Duration.ofMinutes(1));
        for (int round = 0; round < rounds; round++) {
            java.util.List<byte[]> values = g.allGather(allGatherValue(g.rank(), round, bytes));
            for (int r = 0; r < g.size(); r++) {
                if (!java.util.Arrays.equals(values.get(r), allGatherValue(r, round, bytes))) {
                    return "round " + round + ": the value of rank " + r;
                }
            }
        }
        return null;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void report(String wrong) {
        say(wrong == null ? "OK" : "WRONG " + wrong);
    }

    private static void barriers(ProcessGroup g) throws InterruptedException {
        g.awaitFull(Duration.ofMinutes(1));
        try {
            g.barrier();
            say("ROUND");
            while (true) {
                g.barrier();
            }
        } catch (GroupMemberLostException e) {
            say("LOST " + e.rank());
        }
    }

    private static void stalled(ProcessGroup g) throws InterruptedException {
        g.awaitFull(Duration.ofMinutes(1));
        g.barrier();
        say("ROUND");
        long got = 0;
        try {
            while (true) {
                g.broadcastFrom(0, null);
                got++;
            }
        } catch (GroupMemberLostException e) {
            say("LOST " + e.rank() + " after " + got);
        }
        long count = 0;
        boolean inOrder = true;
        for (GroupMessage m = g.poll(); m != null; m = g.poll()) {
            inOrder &= m.payload().length < 8 || java.nio.ByteBuffer.wrap(m.payload()).getLong() == count;
            count++;
        }
        say("RECEIVED " + count + " " + inOrder);
    }

    private static void flood(ProcessGroup g, int to, int count, int bytes) throws InterruptedException {
        g.awaitFull(Duration.ofMinutes(1));
        for (int i = 0; i < count; i++) {
            g.send(to, java.nio.ByteBuffer.allocate(bytes).putLong(i).array());
            say("SENT " + (i + 1));
        }
        say("DONE");
        g.barrier();
        say("BARRIER");
    }

    private static void stuckSend(ProcessGroup g, int bytes, boolean broadcast) throws InterruptedException {
        g.awaitFull(Duration.ofMinutes(1));
        while (g.offer(1, new byte[bytes])) {
            // until rank 1's inbox has no room for one more
        }
        say("FULL");
        try {
            if (broadcast) {
                say("REACHED " + g.broadcast(new byte[bytes]));
            } else {
                g.send(1, new byte[bytes]);
                say("SENT");
            }
        } catch (GroupMemberLostException e) {
            say("LOST " + e.rank() + " " + e.getMessage());
        }
    }

    private static void echo(ProcessGroup g) throws InterruptedException {
        while (true) {
            GroupMessage m = g.receive();
            if (new String(m.payload(), StandardCharsets.UTF_8).equals("bye")) {
                return;
            }
            g.send(m.sender(), m.payload());
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
