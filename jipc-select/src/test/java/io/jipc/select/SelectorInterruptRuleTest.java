package io.jipc.select;

import io.jipc.mailbox.Mailbox;
import io.jipc.pipe.Pipe;
import io.jipc.pipe.PipeChannel;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for the selector,
 * with the interrupt status set before the call: {@code select(timeout)} and {@code select()} with a
 * channel or a mailbox ready, or a {@code wakeup()} pending, return at once and keep the status;
 * with none they throw {@link InterruptedException} and clear it, also with a zero or negative
 * timeout; {@code selectNow()} never looks at it. A 30 s timeout returns at once because it throws.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SelectorInterruptRuleTest {
    private final String name = "interrupt-" + UUID.randomUUID().toString().substring(0, 8);
    private final Mailbox mailbox = Mailbox.create(name);

    @AfterEach
    void cleanUp() {
        Thread.interrupted();
        Mailbox.destroy(name);
        mailbox.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void select(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (Pipe pipe = Pipe.open();
             PipeChannel channel = PipeChannel.over(pipe.reader(), pipe.writer(), 1024);
             Selector selector = Selector.open()) {
            SelectionKey pipeKey = selector.register(channel, Selector.OP_READ);
            SelectionKey mailboxKey = selector.register(mailbox, Selector.OP_READ);
            throwsInterrupted(() -> selector.select(timeout));
            throwsInterrupted(selector::select);
            assertEquals(List.of(), completesInterrupted(selector::selectNow));

            channel.put(new byte[] {1});
            assertEquals(List.of(pipeKey), completesInterrupted(() -> selector.select(timeout)));
            assertEquals(List.of(pipeKey), completesInterrupted(selector::select));
            channel.take();

            assertTrue(mailbox.offer(new byte[] {2}));
            assertEquals(List.of(mailboxKey), completesInterrupted(() -> selector.select(timeout)));
            assertEquals(List.of(mailboxKey), completesInterrupted(selector::select));
            mailbox.poll();

            selector.wakeup();
            assertEquals(List.of(), completesInterrupted(() -> selector.select(timeout)), "a wake-up ends it at once");
            selector.wakeup();
            assertEquals(List.of(), completesInterrupted(selector::select), "a wake-up ends it at once");
            throwsInterrupted(() -> selector.select(timeout));
        }
    }
}
