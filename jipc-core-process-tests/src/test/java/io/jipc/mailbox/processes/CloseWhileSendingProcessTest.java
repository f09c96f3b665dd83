package io.jipc.mailbox.processes;

import io.jipc.ClosedException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxClaim;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A handle closed by one thread while another thread of the same process sends through it: the
 * close must not cut a send off between its room claim and its commit. Such a claim stays open
 * while its process lives (only a dead sender's claim is skipped), so every receiver of the
 * mailbox, in every process, would wait behind it.
 */
class CloseWhileSendingProcessTest extends ProcessTestFixture {
    static final int ROUNDS = 40;

    /**
     * Rounds of: open a handle, let a thread send through it (offers, or claims it commits) until
     * the handle is closed under it, close it after a random moment, then send "probe-N" through
     * a fresh handle. Says DONE at the end and stays alive until told to go (a dead process's open
     * claims would be skipped, hiding the fault).
     */
    public static final class SendAndClose {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            String name = args[0];
            boolean claims = args[1].endsWith("claims");
            byte[] filler = new byte[100];
            for (int round = 0; round < ROUNDS; round++) {
                Mailbox handle = Mailbox.open(name);
                Thread sender = Thread.ofPlatform().start(() -> {
                    try {
                        while (true) {
                            if (claims) {
                                MailboxClaim claim = handle.tryClaim(filler.length);
                                if (claim != null) {
                                    claim.segment().fill((byte) 1);
                                    claim.commit();
                                }
                            } else {
                                handle.offer(filler);
                            }
                        }
                    } catch (ClosedException expected) {
                        // the handle was closed: the thread ends
                    }
                });
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000));
                handle.close();
                sender.join();
                try (Mailbox fresh = Mailbox.open(name)) {
                    fresh.put(("probe-" + round).getBytes(UTF_8));
                }
            }
            say("DONE");
            System.in.read();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"offers", "claims", "single-sender-offers", "single-sender-claims"})
    void aCloseNeverLeavesAnotherThreadsSendHalfDone(String how) throws Exception {
        // a many-sender mailbox counts its sends in; a single sender's send is seen by its gate
        Mailbox mailbox = create(MailboxOptions.builder().capacityBytes(1 << 20)
                .singleSender(how.startsWith("single-sender")));
        try (ChildJvm child = start(SendAndClose.class, mailbox.name(), how)) {
            Set<String> probes = new HashSet<>();
            while (probes.size() < ROUNDS) {
                // a send cut off by the close would leave its claim open: this would wait for ever
                byte[] message = mailbox.poll(CHILD);
                assertNotNull(message, "no message within " + CHILD + " after probes " + probes
                        + ": a send cut off by the child's close blocks the mailbox");
                if (message.length != 100) {
                    probes.add(new String(message, UTF_8));
                }
            }
            child.awaitLine("DONE", CHILD);
            proceed(child);
            child.assertSuccess(CHILD);
        }
        assertEquals(0, mailbox.skippedDeadSends(), "the child lived throughout: nothing was skipped");
    }
}
