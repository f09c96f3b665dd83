package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A receiver killed after it found where a dead sender's claim at the head ends, before it moved
 * the head past it (the fault point {@code stall-resolved}): the next receiver resolves the same
 * claim again and gets the live message behind it. Until 2026-12-06 the resolution freed the dead
 * sender's intent slot before the head moved, so the claim was no longer recorded anywhere: the
 * next receiver waited for ever (and, once such a head was reported, got a false
 * {@code CorruptSegmentException} "no producer, live or dead, claimed").
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsumerKilledResolvingTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final long GUARD_SECONDS = 60;
    private static final int MAX_BODY = 64;

    @ParameterizedTest(name = "priorities {0}")
    @ValueSource(ints = {1, 4})
    void aReceiverKilledBetweenResolvingADeadClaimAndMovingTheHeadLeavesItToTheNext(int priorities)
            throws Exception {
        String name = "resolving-" + UUID.randomUUID().toString().substring(0, 8);
        MailboxOptions options = MailboxOptions.builder().priorities(priorities)
                .maxMessageSize(Messages.HEADER + MAX_BODY).build();
        try (Mailbox mailbox = Mailbox.create(name, options)) {
            try {
                // a sender killed between claim and commit: its claim blocks the head
                SendingProcess.killedBeforeCommit(name, MAX_BODY, LINE);
                byte[] live = new byte[Messages.length(2, 0, 0, MAX_BODY)];
                Messages.write(MemorySegment.ofArray(live), 2, 0, 0, live.length);
                mailbox.put(live); // behind the dead claim (level 0 with priorities)
                // a receiver that resolves the dead claim and is killed before it moves the head
                try (ChildJvm receiver = ChildJvm.builder(OneTake.class).quickStart()
                        .property("jipc.faults", "stall-resolved:1").args(name).start()) {
                    receiver.awaitLine("READY", LINE);
                    receiver.awaitLine("FAULT stall-resolved", LINE);
                    receiver.kill();
                }
                CompletableFuture<byte[]> taken = CompletableFuture.supplyAsync(() -> {
                    try {
                        return mailbox.take();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                byte[] received = taken.get(GUARD_SECONDS, TimeUnit.SECONDS); // hang guard
                assertNotNull(received);
                assertEquals(2, Messages.producer(MemorySegment.ofArray(received)), "the live message");
                assertEquals(1, mailbox.skippedDeadSends(), "the dead claim, skipped once");
            } finally {
                mailbox.destroy();
            }
        }
    }
}
