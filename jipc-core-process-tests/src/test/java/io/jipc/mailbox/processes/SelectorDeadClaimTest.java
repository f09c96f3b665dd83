package io.jipc.mailbox.processes;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MailboxSelector;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A {@link MailboxSelector} over a mailbox whose head record is a dead sender's unfinished claim
 * (the sender was stopped between claim and commit, at the fault point {@code before-commit}, and
 * killed): a live sender's message committed behind it is selected once the dead-sender timeout
 * lets the receiver skip the claim, as a blocked {@code take()} gets it. The live commit rings the
 * doorbell, but the look it causes finds the dead claim at the head before that timeout has
 * passed; nothing rings when it passes, so the selector must look again by itself. Without that
 * it slept on until its timeout (5 minutes here, far past the 30 s hang guard).
 *
 * <p>Each configuration runs on a mailbox without priorities (one ring) and on one with four
 * priority levels ({@link Layout}), where the look finds the claim through the lanes' {@code
 * claimPending()} instead of the ring's. The child sends with a plain {@code offer}, at level 0.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SelectorDeadClaimTest {
    private static final long GUARD_SECONDS = 30;
    private static final Duration SELECT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final int MAX_BODY = 64;

    /**
     * Where the dead claim and the live message are. The child's plain {@code offer} claims at
     * priority level 0; the live message is sent at {@link #liveLevel}.
     */
    enum Layout {
        /** No priority levels: one ring, the live message behind the dead claim. */
        ONE_RING(1, 0),
        /** Four levels, the live message behind the dead claim at level 0: the lanes' claim at the head. */
        SAME_LEVEL(4, 0),
        /**
         * Four levels, the live message at level 3, above the dead claim's level: ready at the first
         * look after it, with nothing in its way (whether that look or an earlier one skipped the
         * dead claim depends on timing, so the skip is not counted).
         */
        HIGHER_LEVEL(4, 3);

        final int priorities;
        final int liveLevel;

        Layout(int priorities, int liveLevel) {
            this.priorities = priorities;
            this.liveLevel = liveLevel;
        }

        /** Whether the live message waits behind the dead claim (the selector must skip it to see the message). */
        boolean behindTheClaim() {
            return liveLevel == 0;
        }
    }

    static Stream<Arguments> configurations() {
        return Stream.of(Layout.values()).flatMap(layout ->
                Stream.of(WaitStrategy.FUTEX, WaitStrategy.SPIN_THEN_FUTEX, WaitStrategy.SPIN).flatMap(strategy ->
                        Stream.of(false, true).map(virtual -> Arguments.of(strategy, virtual, layout))));
    }

    @ParameterizedTest(name = "{0}, virtual={1}, {2}")
    @MethodSource("configurations")
    void aMessageBehindADeadSendersClaimIsSelected(WaitStrategy strategy, boolean virtual, Layout layout)
            throws Exception {
        String name = "dead-claim-" + UUID.randomUUID().toString().substring(0, 8);
        MailboxOptions options = MailboxOptions.builder().waitStrategy(strategy).priorities(layout.priorities)
                .maxMessageSize(Messages.HEADER + MAX_BODY).build();
        try (Mailbox mailbox = Mailbox.create(name, options); MailboxSelector selector = MailboxSelector.open()) {
            selector.register(mailbox);
            CompletableFuture<Object> selected = new CompletableFuture<>();
            Runnable select = () -> {
                try {
                    selected.complete(selector.select(SELECT_TIMEOUT));
                } catch (Throwable t) {
                    selected.complete(t);
                }
            };
            Thread selecting = virtual ? Thread.ofVirtual().start(select) : Thread.ofPlatform().daemon().start(select);
            try {
                SendingProcess.killedBeforeCommit(name, MAX_BODY, LINE);
                byte[] live = new byte[Messages.length(2, 0, 0, MAX_BODY)];
                Messages.write(MemorySegment.ofArray(live), 2, 0, 0, live.length);
                if (layout.priorities == 1) {
                    mailbox.put(live); // rings the doorbell; the dead claim is still at the head
                } else {
                    mailbox.put(live, layout.liveLevel);
                }
                assertEquals(List.of(mailbox), selected.get(GUARD_SECONDS, TimeUnit.SECONDS),
                        "the selector slept on past the dead-sender timeout");
                byte[] received = mailbox.poll();
                assertNotNull(received, "selected, but no message");
                assertEquals(2, Messages.producer(MemorySegment.ofArray(received)));
                if (layout.behindTheClaim()) {
                    assertEquals(1, mailbox.skippedDeadSends());
                }
            } finally {
                selecting.interrupt();
                selecting.join();
                mailbox.destroy();
            }
        }
    }
}
