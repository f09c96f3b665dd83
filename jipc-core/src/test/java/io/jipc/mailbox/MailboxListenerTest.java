package io.jipc.mailbox;

import io.jipc.ClosedException;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a listener keeps when its handler throws. */
class MailboxListenerTest extends MailboxContractTest {
    /**
     * A handler that throws {@link ClosedException} (of another mailbox it uses) stops the listener
     * with that failure: it is not taken for the listener's own mailbox being closed.
     */
    @ContractTest
    void aClosedExceptionOfTheHandlerIsItsFailure(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config);
        Mailbox elsewhere = create(config);
        elsewhere.close();
        MailboxListener listener = mailbox.listen(message -> elsewhere.offer(new byte[1]));
        assertTrue(mailbox.offer(new byte[] {1}));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (listener.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(listener.isRunning(), "the handler's exception stops it");
        assertInstanceOf(ClosedException.class, listener.failure().orElseThrow(), "kept as its failure");
        assertEquals(0, listener.handled());
        listener.close();
    }
}
