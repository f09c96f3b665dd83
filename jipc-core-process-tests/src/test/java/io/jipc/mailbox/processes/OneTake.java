package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildMain;

import java.lang.foreign.MemorySegment;

/**
 * A receiver child of the dead-claim tests: opens the mailbox {@code args[0]}, prints {@code READY},
 * takes one message and prints {@code TOOK <producer>} ({@link Messages#producer}).
 */
public final class OneTake {
    private OneTake() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        try (Mailbox mailbox = Mailbox.open(args[0])) {
            System.out.println("READY");
            System.out.flush();
            byte[] message = mailbox.take();
            System.out.println("TOOK " + Messages.producer(MemorySegment.ofArray(message)));
            System.out.flush();
        }
    }
}
