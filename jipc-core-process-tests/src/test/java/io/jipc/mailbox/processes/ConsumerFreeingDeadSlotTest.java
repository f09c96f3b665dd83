package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A receiver that skipped a dead sender's claim and is about to free that sender's intent slot
 * (the fault point {@code before-slot-freed}: owner dead, checked; the owner's compare-and-set not
 * yet made) while a sender takes the same slot over ({@code reclaimDeadSlots}) and writes its own
 * intent. The mailbox has one sender slot, so the sender must take exactly that one. The sender is
 * held before its commit ({@code before-commit}), the receiver is continued and must find the
 * sender's claim recorded and live (the fault point {@code stall-claimer-alive}); then the sender
 * is continued (its message arrives) or killed (its claim is skipped, and a later message
 * arrives). Every process is held with the fault action {@code stop} ({@code SIGSTOP}), so no
 * timing decides the interleaving.
 *
 * <p>Until 9723a139 (2026-12-06) the receiver freed the slot with an unconditional store of "no
 * intent" before its compare-and-set of the owner: it erased the sender's intent, so the blocked
 * head was claimed by no producer, live or dead, and every receive threw
 * {@code CorruptSegmentException} ("no producer, live or dead, claimed").
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsumerFreeingDeadSlotTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final int MAX_BODY = 64;

    @ParameterizedTest(name = "the sender is {0}")
    @ValueSource(strings = {"continued", "killed"})
    void aSenderTakingOverTheSlotAReceiverIsFreeingKeepsItsClaimRecorded(String fate) throws Exception {
        String name = "freeing-" + UUID.randomUUID().toString().substring(0, 8);
        MailboxOptions options = MailboxOptions.builder().senderSlots(1)
                .maxMessageSize(Messages.HEADER + MAX_BODY).build();
        try (Mailbox mailbox = Mailbox.create(name, options)) {
            try {
                // producer 1, killed between claim and commit: its claim blocks the head, its slot is the only one
                SendingProcess.killedBeforeCommit(name, MAX_BODY, LINE);
                try (ChildJvm receiver = ChildJvm.builder(OneTake.class).quickStart().sharedClassArchive()
                        .property("jipc.faults", "before-slot-freed:1:stop,stall-claimer-alive:1:stop")
                        .args(name).start()) {
                    try {
                        receiver.awaitLine("READY", LINE);
                        // it skipped the dead claim and is stopped before it frees the dead sender's slot
                        receiver.awaitStoppedAt("before-slot-freed", LINE);
                        // producer 2 frees the dead slot itself, takes it, claims, and is stopped before its commit
                        try (ChildJvm sender = sender(name, 2, "before-commit:1:stop")) {
                            try {
                                sender.awaitStoppedAt("before-commit", LINE);
                                continueIt(receiver); // its compare-and-set of the slot's owner fails
                                // it must find producer 2's claim recorded, and wait for it: alive
                                receiver.awaitStoppedAt("stall-claimer-alive", LINE);
                                if (fate.equals("continued")) {
                                    continueIt(sender);
                                    sender.awaitLine("SENT", LINE);
                                    continueIt(receiver);
                                    assertEquals("TOOK 2", receiver.awaitLine("TOOK", LINE));
                                } else {
                                    sender.kill();
                                    continueIt(receiver); // it skips producer 2's dead claim
                                    receiver.awaitStoppedAt("before-slot-freed", LINE);
                                    continueIt(receiver);
                                    try (ChildJvm later = sender(name, 3, null)) { // a message behind it
                                        later.awaitLine("SENT", LINE);
                                        assertEquals("TOOK 3", receiver.awaitLine("TOOK", LINE));
                                        later.assertSuccess(LINE);
                                    }
                                }
                            } finally {
                                sender.resumeIfAlive();
                            }
                        }
                        receiver.assertSuccess(LINE);
                    } finally {
                        receiver.resumeIfAlive();
                    }
                }
                assertEquals(fate.equals("continued") ? 1 : 2, mailbox.skippedDeadSends(),
                        "dead claims skipped: producer 1's, and producer 2's if it was killed");
                assertEquals(null, mailbox.poll(), "nothing else");
            } finally {
                mailbox.destroy();
            }
        }
    }

    /** Producer {@code producer} sending one message to mailbox {@code name} of {@link #MAX_BODY} bytes (then {@code SENT}), with {@code faults}. */
    private static ChildJvm sender(String name, int producer, String faults) {
        ChildJvm.Builder builder = ChildJvm.builder(SendingProcess.class).quickStart().sharedClassArchive()
                .args(name, Integer.toString(producer), "1", "1", Integer.toString(MAX_BODY), "offer");
        return (faults == null ? builder : builder.property("jipc.faults", faults)).start();
    }

    private static void continueIt(ChildJvm child) {
        Signals.kill(child.pid(), Signals.SIGCONT);
    }

}
