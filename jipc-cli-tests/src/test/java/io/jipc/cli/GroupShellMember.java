package io.jipc.cli;

import io.jipc.group.GroupMessage;
import io.jipc.group.ProcessGroup;
import io.jipc.testkit.ChildJvm;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A {@code jipc group join} member in a child JVM, for the tests of removals racing a group's members. */
final class GroupShellMember {
    private static final Duration LONG = Duration.ofSeconds(60);

    private GroupShellMember() {
    }

    /** {@code jipc group join GROUP MORE...} in a child JVM (hard timeout 2 min). */
    static ChildJvm start(String group, String... more) {
        String[] args = new String[3 + more.length];
        args[0] = "group";
        args[1] = "join";
        args[2] = group;
        System.arraycopy(more, 0, args, 3, more.length);
        return ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(2)).args(args).start();
    }

    /**
     * A second member, {@code jipc group join} in a child JVM, sends to the live one (rank 0 of a
     * group of 2) and gets its reply: the live member is still reached.
     */
    static void assertStillReached(ProcessGroup live, String group) throws Exception {
        try (ChildJvm shell = start(group)) {
            assertEquals("joined group '" + group + "' as rank 1 of 2", shell.awaitLine("joined", LONG), shell.output());
            OutputStream in = shell.process().getOutputStream();
            in.write("@0 still reached\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            GroupMessage m = live.poll(LONG);
            assertNotNull(m, "nothing arrived: " + shell.output());
            assertEquals("still reached", new String(m.payload(), StandardCharsets.UTF_8));
            live.send(1, "and answers".getBytes(StandardCharsets.UTF_8));
            assertEquals("0> and answers", shell.awaitLine("0> ", LONG));
            in.close();
            assertEquals("left group '" + group + "'", shell.awaitLine("left", LONG));
            assertEquals(0, shell.waitFor(LONG), shell.output());
        }
    }
}
