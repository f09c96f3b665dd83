package io.jipc.mailbox.processes;

import io.jipc.mailbox.MessageHandler;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.testkit.ChildMain;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A receiver process of an {@link UnboundedMailbox} that continues a {@link ResumingTally} and
 * drains until killed, in batches ({@code drain}) with a millisecond's pause in the handler after
 * every 32 messages, so that a kill often lands in the middle of a batch. Arguments:
 * {@code mailbox stateFile maxBody}. Prints {@code READY} once the
 * mailbox is open; on a wrong message prints {@code FAIL <why>} and exits with status 1.
 */
public final class ResumingReceiver {
    private ResumingReceiver() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        ResumingTally resuming = new ResumingTally(ResumingTally.map(Path.of(args[1])), Integer.parseInt(args[2]));
        long[] handled = new long[1];
        MessageHandler tally = message -> {
            resuming.onMessage(message);
            if (++handled[0] % 32 == 0) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (UnboundedMailbox mailbox = UnboundedMailbox.open(args[0])) {
            System.out.println("READY");
            System.out.flush();
            while (true) {
                if (mailbox.drain(tally) == 0) {
                    mailbox.poll(tally, Duration.ofMillis(50));
                }
            }
        } catch (AssertionError e) {
            System.out.println("FAIL " + e.getMessage());
            System.out.flush();
            System.exit(1);
        }
    }
}
