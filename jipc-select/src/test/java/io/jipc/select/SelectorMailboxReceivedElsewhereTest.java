package io.jipc.select;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxSelector;
import io.jipc.pipe.Pipe;
import io.jipc.testkit.BackgroundCall;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A selector over a mailbox whose receiver is another live process (a {@link SelectChild} that
 * took the role with a {@code poll()}; the policy allows one receiver): that mailbox is not ready
 * for this process, and the other channels are still reported. Without the fix every select and
 * selectNow threw {@link io.jipc.mailbox.MailboxBusyException} for as long as the receiver lived,
 * and a ready pipe or mailbox beside it was never returned. Once the receiver dies a select that
 * is already waiting takes the role over and returns the mailbox (nothing rings when a process
 * dies: the selector looks again by the dead-sender timeout).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SelectorMailboxReceivedElsewhereTest {
    /** The hang guard of a select that must end: far beyond the dead-sender timeout. */
    private static final long GUARD_SECONDS = 30;
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final Duration LONG = Duration.ofMinutes(5);

    private final String held = "held-" + UUID.randomUUID().toString().substring(0, 8);
    private final String free = "free-" + UUID.randomUUID().toString().substring(0, 8);
    private final Mailbox heldMailbox = Mailbox.create(held);
    private final Mailbox freeMailbox = Mailbox.create(free);
    private final ChildJvm receiver = ChildJvm.builder(SelectChild.class).args("commands").quickStart()
            .hardTimeout(Duration.ofSeconds(150)).start();
    private Thread selecting;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (selecting != null) {
            selecting.interrupt();
            selecting.join();
        }
        receiver.close();
        Mailbox.destroy(held); // the static form also removes the name
        Mailbox.destroy(free);
        heldMailbox.close();
        freeMailbox.close();
    }

    /** Makes the child the held mailbox's receiver, and puts a message there that this process may not take. */
    private void childReceives() throws IOException, InterruptedException {
        receiver.awaitLine("READY", LINE);
        OutputStream in = receiver.process().getOutputStream();
        in.write(("receiver " + held + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        receiver.awaitLine("DONE receiver", LINE);
        heldMailbox.put(bytes("not ours"));
    }

    @Test
    void selectorReportsTheReadyPipeBesideAMailboxReceivedElsewhere() throws Exception {
        childReceives();
        try (Selector selector = Selector.open(); Pipe pipe = Pipe.open()) {
            selector.register(heldMailbox, Selector.OP_READ);
            SelectionKey pipeKey = selector.register(pipe.reader(), Selector.OP_READ);
            assertEquals(List.of(), selector.selectNow(), "nothing ready yet");
            pipe.writer().writeNow(ByteBuffer.wrap(bytes("hi")));
            assertEquals(List.of(pipeKey), selector.selectNow());
            assertEquals(List.of(pipeKey), selector.select(LONG));
        }
    }

    @Test
    void selectorTakesTheRoleOverWhenTheReceiverDies() throws Exception {
        childReceives();
        try (Selector selector = Selector.open()) {
            SelectionKey key = selector.register(heldMailbox, Selector.OP_READ);
            assertEquals(List.of(), selector.selectNow(), "the child is the receiver");
            CompletableFuture<Object> selected = selecting(() -> selector.select(LONG));
            Thread.sleep(200); // not asserted: lets the select go to sleep first, most of the time
            receiver.kill();
            assertEquals(List.of(key), selected.get(GUARD_SECONDS, TimeUnit.SECONDS));
            assertArrayEquals(bytes("not ours"), heldMailbox.poll());
        }
    }

    @Test
    void mailboxSelectorReportsTheReadyMailboxBesideOneReceivedElsewhere() throws Exception {
        childReceives();
        try (MailboxSelector selector = MailboxSelector.open()) {
            selector.register(heldMailbox).register(freeMailbox);
            assertEquals(List.of(), selector.selectNow(), "nothing ready yet");
            freeMailbox.put(bytes("ours"));
            assertEquals(List.of(freeMailbox), selector.selectNow());
            assertEquals(List.of(freeMailbox), selector.select(LONG));
            assertArrayEquals(bytes("ours"), freeMailbox.poll());
        }
    }

    @Test
    void mailboxSelectorTakesTheRoleOverWhenTheReceiverDies() throws Exception {
        childReceives();
        try (MailboxSelector selector = MailboxSelector.open()) {
            selector.register(heldMailbox);
            assertEquals(List.of(), selector.selectNow(), "the child is the receiver");
            CompletableFuture<Object> selected = selecting(() -> selector.select(LONG));
            Thread.sleep(200); // not asserted: lets the select go to sleep first, most of the time
            receiver.kill();
            assertEquals(List.of(heldMailbox), selected.get(GUARD_SECONDS, TimeUnit.SECONDS));
            assertArrayEquals(bytes("not ours"), heldMailbox.poll());
        }
    }

    /** Runs {@code select} on a new platform thread; the future holds its result or what it threw. */
    private CompletableFuture<Object> selecting(BackgroundCall.Call select) {
        BackgroundCall call = BackgroundCall.start(select);
        selecting = call.thread();
        return call.outcome();
    }


    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
