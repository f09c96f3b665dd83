package io.jipc.mailbox;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A selector over mailboxes whose handles are closed while registered. */
class MailboxSelectorTest extends MailboxContractTest {
    /**
     * A closed mailbox is dropped at the next select, as io.jipc.select.Selector drops closed
     * channels; every select threw ClosedException for good, and the closed ones kept their places
     * (after 128 of them, register failed).
     */
    @ContractTest
    void aMailboxClosedWhileRegisteredIsDropped(MailboxConfig config) throws Exception {
        Mailbox open = create(config);
        try (MailboxSelector selector = MailboxSelector.open().register(open)) {
            for (int i = 0; i < 200; i++) {
                Mailbox closing = create(config);
                selector.register(closing);
                closing.close();
            }
            assertEquals(List.of(), selector.selectNow());
            assertTrue(open.offer(new byte[] {1}));
            assertEquals(List.of(open), selector.select(LONG));
            open.poll();
        }
    }

    @ContractTest
    void aSelectWaitingWhenARegisteredMailboxIsClosedGoesOnWithTheOthers(MailboxConfig config) throws Exception {
        Mailbox open = create(config);
        Mailbox closing = create(config);
        try (MailboxSelector selector = MailboxSelector.open().register(open).register(closing)) {
            CompletableFuture<Object> selected = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    selected.complete(selector.select(LONG));
                } catch (Throwable t) {
                    selected.complete(t);
                }
            });
            Thread.sleep(50);
            closing.close();
            Thread.sleep(50);
            assertTrue(open.offer(new byte[] {1}));
            assertEquals(List.of(open), selected.get(30, TimeUnit.SECONDS));
        }
    }

    @ContractTest
    void aSelectorWhoseMailboxesAreAllClosedSaysSo(MailboxConfig config) throws Exception {
        Mailbox closing = create(config);
        try (MailboxSelector selector = MailboxSelector.open().register(closing)) {
            closing.close();
            assertThrows(IllegalStateException.class, () -> selector.select(Duration.ofMillis(10)));
            assertThrows(io.jipc.ClosedException.class, () -> selector.register(closing));
        }
    }
}
