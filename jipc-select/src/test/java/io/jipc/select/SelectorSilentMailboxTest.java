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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A selector over a mailbox whose wait strategy never sleeps ({@link WaitStrategy#SPIN},
 * {@link WaitStrategy#YIELD}): its senders commit without ringing the doorbell, so the selector
 * must look again on its own. Without that, a select saw the message only at its timeout (or when
 * another channel woke it). Each select here waits far longer than the test's hang guard.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SelectorSilentMailboxTest {
    /** The hang guard of a select that must end: far shorter than its own timeout. */
    private static final long GUARD_SECONDS = 30;
    /** Longer than the guard: a select that sees the message only at its timeout fails. */
    private static final Duration SELECT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration LINE = Duration.ofSeconds(60);

    /** Who sends the one message: another thread of this process, or a child JVM. */
    enum Sender { THREAD, PROCESS }

    static Stream<Arguments> configurations() {
        return Stream.of(WaitStrategy.SPIN, WaitStrategy.YIELD).flatMap(strategy ->
                Stream.of(false, true).flatMap(virtual ->
                        Stream.of(true, false).flatMap(timed ->
                                Stream.of(Sender.values()).map(sender ->
                                        Arguments.of(strategy, virtual, timed, sender)))));
    }

    @ParameterizedTest(name = "{0}, virtual={1}, timed={2}, sent by {3}")
    @MethodSource("configurations")
    void aMessageToAMailboxWhoseSendersNeverRingIsSelected(WaitStrategy strategy, boolean virtual, boolean timed,
                                                          Sender sender) throws Exception {
        String name = "silent-" + UUID.randomUUID().toString().substring(0, 8);
        Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().waitStrategy(strategy).build());
        ChildJvm child = sender == Sender.PROCESS ? child() : null;
        // open until the end, as the child's: closing a handle rings the doorbell (and hid the bug)
        Mailbox sending = sender == Sender.THREAD ? Mailbox.open(name) : null;
        Selector selector = Selector.open();
        Thread selecting = null;
        try {
            SelectionKey key = selector.register(mailbox, Selector.OP_READ);
            CompletableFuture<Object> selected = new CompletableFuture<>();
            Runnable select = () -> {
                try {
                    selected.complete(timed ? selector.select(SELECT_TIMEOUT) : selector.select());
                } catch (Throwable t) {
                    selected.complete(t);
                }
            };
            selecting = virtual ? Thread.ofVirtual().start(select) : Thread.ofPlatform().daemon().start(select);
            Thread.sleep(50); // most likely asleep in the select by now (a message before it is seen anyway)
            if (sending != null) {
                sending.put(bytes("hello"));
            } else {
                tell(child, "mailbox " + name + " hello");
            }
            assertEquals(List.of(key), selected.get(GUARD_SECONDS, TimeUnit.SECONDS));
            assertNotNull(mailbox.poll());
        } finally {
            if (selecting != null) {
                selecting.interrupt();
                selecting.join();
            }
            selector.close();
            if (sending != null) {
                sending.close();
            }
            if (child != null) {
                tell(child, "bye");
                child.assertSuccess(LINE);
                child.close();
            }
            Mailbox.destroy(name); // the static form also removes the name
            mailbox.close();
        }
    }

    private static ChildJvm child() {
        ChildJvm child = ChildJvm.builder(SelectChild.class).args("commands").quickStart()
                .hardTimeout(Duration.ofSeconds(100)).start();
        child.awaitLine("READY", LINE);
        return child;
    }

    private static void tell(ChildJvm child, String command) throws Exception {
        OutputStream in = child.process().getOutputStream();
        in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        String kind = command.split(" ", 2)[0];
        if (!kind.equals("bye")) {
            child.awaitLine("DONE " + kind, LINE);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
