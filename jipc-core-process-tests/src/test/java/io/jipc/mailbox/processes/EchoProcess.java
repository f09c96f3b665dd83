package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MessageHandler;
import io.jipc.testkit.ChildMain;

import java.lang.foreign.ValueLayout;

/**
 * Echoes every message of mailbox {@code args[0]} to mailbox {@code args[1]} until it has echoed
 * one whose first 8 bytes are -1.
 */
public final class EchoProcess {
    private EchoProcess() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        try (Mailbox in = Mailbox.open(args[0]); Mailbox out = Mailbox.open(args[1])) {
            long[] last = {0};
            MessageHandler echo = message -> {
                last[0] = message.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                try {
                    out.put(message);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            System.out.println("READY");
            System.out.flush();
            while (last[0] != -1) {
                in.take(echo);
            }
        }
    }
}
