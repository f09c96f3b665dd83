package io.jipc.select;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A selector over a mailbox whose head record is a dead sender's unfinished claim (a
 * {@link SelectChild} stopped between claim and commit, at the ring's fault point
 * {@code before-commit}, and killed): a live sender's message committed behind it is selected once
 * the dead-sender timeout lets the receiver skip the claim, as a blocked {@code take()} gets it.
 * The live commit rings the doorbell, but the look it causes finds the dead claim at the head
 * before that timeout has passed; nothing rings when it passes, so the selector must look again by
 * itself ({@link io.jipc.Selectable.Doorbell#lookAgainBy()}). Without that it slept on until its
 * timeout (5 minutes here, far past the 30 s hang guard).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SelectorDeadClaimTest {
    private static final long GUARD_SECONDS = 30;
    private static final Duration SELECT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration LINE = Duration.ofSeconds(60);

    static Stream<Arguments> configurations() {
        return Stream.of(WaitStrategy.FUTEX, WaitStrategy.SPIN_THEN_FUTEX, WaitStrategy.SPIN).flatMap(strategy ->
                Stream.of(false, true).map(virtual -> Arguments.of(strategy, virtual)));
    }

    @ParameterizedTest(name = "{0}, virtual={1}")
    @MethodSource("configurations")
    void aMessageBehindADeadSendersClaimIsSelected(WaitStrategy strategy, boolean virtual) throws Exception {
        String name = "dead-claim-" + UUID.randomUUID().toString().substring(0, 8);
        Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().waitStrategy(strategy).build());
        Selector selector = Selector.open();
        Thread selecting = null;
        try {
            SelectionKey key = selector.register(mailbox, Selector.OP_READ);
            CompletableFuture<Object> selected = new CompletableFuture<>();
            Runnable select = () -> {
                try {
                    selected.complete(selector.select(SELECT_TIMEOUT));
                } catch (Throwable t) {
                    selected.complete(t);
                }
            };
            selecting = virtual ? Thread.ofVirtual().start(select) : Thread.ofPlatform().daemon().start(select);
            try (ChildJvm sender = ChildJvm.builder(SelectChild.class).args("commands").quickStart()
                    .property("jipc.faults", "before-commit:1").hardTimeout(Duration.ofSeconds(100)).start()) {
                sender.awaitLine("READY", LINE);
                OutputStream in = sender.process().getOutputStream();
                in.write(("mailbox " + name + " dead\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                sender.awaitLine("FAULT before-commit", LINE);
                sender.kill();
            }
            mailbox.put(bytes("live")); // rings the doorbell; the dead claim is still at the head
            assertEquals(List.of(key), selected.get(GUARD_SECONDS, TimeUnit.SECONDS),
                    "the selector slept on past the dead-sender timeout");
            assertArrayEquals(bytes("live"), mailbox.poll());
            assertEquals(1, mailbox.skippedDeadSends());
        } finally {
            if (selecting != null) {
                selecting.interrupt();
                selecting.join();
            }
            selector.close();
            Mailbox.destroy(name); // the static form also removes the name
            mailbox.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
