package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildMain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Sends {@code args[2]} numbered messages to mailbox {@code args[0]}, one at a time, each after
 * the echo of the previous one came back on mailbox {@code args[1]} (the last is numbered -1);
 * exits 1 if an echo is wrong. Prints {@code PONGS <n>} at the end.
 */
public final class PingProcess {
    private PingProcess() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        int rounds = Integer.parseInt(args[2]);
        try (Mailbox ping = Mailbox.open(args[0]); Mailbox pong = Mailbox.open(args[1])) {
            MemorySegment message = Arena.ofAuto().allocate(16, 8);
            long[] echoed = {0};
            for (long i = 0; i < rounds; i++) {
                long sent = i == rounds - 1 ? -1 : i;
                message.set(ValueLayout.JAVA_LONG, 0, sent);
                ping.put(message);
                pong.take(m -> echoed[0] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                if (echoed[0] != sent) {
                    System.out.println("echo of " + echoed[0] + " for " + sent);
                    System.exit(1);
                }
            }
            System.out.println("PONGS " + rounds);
        }
    }
}
