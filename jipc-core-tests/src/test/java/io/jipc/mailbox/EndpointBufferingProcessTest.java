package io.jipc.mailbox;

import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link Endpoint}'s buffering holds while its process waits in {@code receive(Q)} for a process
 * that does not send, and another process sends (a child JVM): on a bounded endpoint the other
 * sender's sends wait once the kept messages and the endpoint are full; on a rendezvous endpoint
 * its send does not return before the application received the message; and many large messages
 * do not grow the receiver's kept store beyond the endpoint's capacity. Every message arrives, in
 * order, once the application receives. (Before the fix receive(Q) took every message out of the
 * endpoint into an unbounded heap queue: sends never waited, a rendezvous send returned at once.)
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EndpointBufferingProcessTest {
    private static final Duration CHILD = Duration.ofSeconds(60);
    /** How long a check that something did not happen looks: long enough for it to happen if it could. */
    private static final long SETTLE_MILLIS = 500;

    /**
     * A sender child; closing it after a failed check kills it if it still runs and removes the
     * endpoint it then leaves, so that a failing test leaves nothing behind.
     */
    private record Sending(ChildJvm child, ProcessIdentity identity) implements AutoCloseable {
        static Sending start(Endpoint to, int count, int size) {
            ProcessIdentity target = to.identity();
            ChildJvm child = ChildJvm.builder(Sender.class)
                    .args(Long.toString(target.pid()), Long.toString(target.startTime()), Integer.toString(count),
                            Integer.toString(size))
                    .quickStart().hardTimeout(Duration.ofSeconds(90)).start();
            return new Sending(child, ProcessIdentity.of(child.pid()).orElseThrow());
        }

        @Override
        public void close() {
            if (child.isAlive()) {
                child.kill();
                Mailbox.destroy("endpoint-" + Long.toHexString(identity.token()));
            }
        }
    }

    /** A process that never sends to the endpoint (a made-up identity). */
    private static ProcessIdentity silent(Endpoint endpoint) {
        ProcessIdentity self = endpoint.identity();
        return new ProcessIdentity(self.pid(), self.startTime() + 1);
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) { // the class timeout guards a hang
            Thread.sleep(5);
        }
    }

    /** Receives {@code count} messages from the child, checking they are its 1..count in order. */
    private static void receiveAll(Endpoint endpoint, ChildJvm child, int count) throws InterruptedException {
        for (int i = 1; i <= count; i++) {
            Message message = endpoint.receive();
            assertEquals(child.pid(), ProcessIdentity.pidOf(message.senderToken()), "sender");
            assertEquals(i, ByteBuffer.wrap(message.payload()).getInt(), "message number");
        }
    }

    private static void finish(ChildJvm child) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write('\n');
        in.flush();
        child.assertSuccess(CHILD);
    }

    @Test
    void onABoundedEndpointSendsWaitWhileReceiveFromAnotherProcessWaits() throws Exception {
        try (Endpoint endpoint = Endpoint.open(MailboxOptions.builder().messageLimit(1))) {
            Async<Message> holder = Async.start(Async.Kind.PLATFORM, "receive(silent)",
                    () -> endpoint.receive(silent(endpoint)));
            holder.assertBlocked();
            try (Sending sending = Sending.start(endpoint, 3, 16)) {
                ChildJvm child = sending.child();
                // message 1 is kept (the kept store's limit is the endpoint's: 1), message 2 fills the endpoint
                child.awaitLine("SENDING 3", CHILD);
                awaitTrue(() -> endpoint.keptCount() >= 1);
                Thread.sleep(SETTLE_MILLIS);
                assertFalse(child.output().contains("SENT 3"), "the third send waits: the endpoint is full");
                assertEquals(1, endpoint.keptCount(), "kept messages");
                assertFalse(holder.isDone(), "receive(silent) still waits");
                holder.interrupt();
                holder.failure(InterruptedException.class);
                receiveAll(endpoint, child, 3);
                child.awaitLine("SENT 3", CHILD);
                finish(child);
            }
        }
    }

    @Test
    void onARendezvousEndpointASendReturnsOnlyOnceTheApplicationReceivedTheMessage() throws Exception {
        try (Endpoint endpoint = Endpoint.open(MailboxOptions.builder().messageLimit(0))) {
            Async<Message> holder = Async.start(Async.Kind.PLATFORM, "receive(silent)",
                    () -> endpoint.receive(silent(endpoint)));
            holder.assertBlocked();
            try (Sending sending = Sending.start(endpoint, 1, 16)) {
                ChildJvm child = sending.child();
                child.awaitLine("SENDING 1", CHILD);
                awaitTrue(() -> endpoint.keptCount() >= 1);
                Thread.sleep(SETTLE_MILLIS);
                assertFalse(child.output().contains("SENT 1"),
                        "the send waits: the message is kept, the application has not received it");
                // another thread receives it from the kept store while the holder still waits for silent
                receiveAll(endpoint, child, 1);
                child.awaitLine("SENT 1", CHILD);
                assertNull(endpoint.poll(Duration.ofMillis(200)), "delivered once (its earlier, withdrawn tries are dropped)");
                assertFalse(holder.isDone(), "receive(silent) still waits");
                holder.interrupt();
                holder.failure(InterruptedException.class);
                finish(child);
            }
        }
    }

    /**
     * While this process waits in {@code receive(A)}, process B's at-once {@code offer} to its
     * rendezvous endpoint returns false without waiting for the application (before the fix it
     * waited until the message was received or that receive ended), and a timed send of B gives up
     * by its timeout; neither message is ever delivered. B's blocking send still returns only once
     * the application received its message.
     */
    @Test
    void onARendezvousEndpointAnOfferToAReceiveFromAnotherProcessReturnsFalseAtOnce() throws Exception {
        try (Endpoint endpoint = Endpoint.open(MailboxOptions.builder().messageLimit(0))) {
            Async<Message> holder = Async.start(Async.Kind.PLATFORM, "receive(A)",
                    () -> endpoint.receive(silent(endpoint)));
            holder.assertBlocked();
            ProcessIdentity target = endpoint.identity();
            ChildJvm child = ChildJvm.builder(Offerer.class)
                    .args(Long.toString(target.pid()), Long.toString(target.startTime()))
                    .quickStart().hardTimeout(Duration.ofSeconds(90)).start();
            try (Sending sending = new Sending(child, ProcessIdentity.of(child.pid()).orElseThrow())) {
                // the class timeout is the hang guard: before the fix the offer returned only after receive(A)
                assertEquals("OFFERED false", child.awaitLine("OFFERED", CHILD), "the at-once offer");
                assertFalse(holder.isDone(), "the offer returned while receive(A) still waits");
                assertEquals("TIMED false", child.awaitLine("TIMED", CHILD), "the timed send");
                assertFalse(holder.isDone(), "the timed send gave up while receive(A) still waits");
                child.process().getOutputStream().write('\n');
                child.process().getOutputStream().flush();
                child.awaitLine("SENDING 3", CHILD);
                Thread.sleep(SETTLE_MILLIS);
                assertFalse(child.output().contains("SENT 3"), "the blocking send waits for the application");
                Message message = endpoint.receive(); // kept by receive(A); the declined and withdrawn ones are not
                assertEquals(child.pid(), ProcessIdentity.pidOf(message.senderToken()), "sender");
                assertEquals(3, ByteBuffer.wrap(message.payload()).getInt(), "the blocking send's message");
                child.awaitLine("SENT 3", CHILD);
                assertNull(endpoint.poll(Duration.ofMillis(SETTLE_MILLIS)), "messages 1 and 2 are never delivered");
                assertFalse(holder.isDone(), "receive(A) still waits");
                holder.interrupt();
                holder.failure(InterruptedException.class);
                finish(child);
            }
        }
    }

    @Test
    void manyLargeMessagesDoNotGrowTheKeptStoreBeyondTheEndpointsCapacity() throws Exception {
        int capacity = 64 * 1024;
        int size = 8000;
        int count = 100; // 800 KB: twelve times the capacity
        try (Endpoint endpoint = Endpoint.open(MailboxOptions.builder().capacityBytes(capacity).maxMessageSize(size))) {
            Async<Message> holder = Async.start(Async.Kind.PLATFORM, "receive(silent)",
                    () -> endpoint.receive(silent(endpoint)));
            holder.assertBlocked();
            try (Sending sending = Sending.start(endpoint, count, size)) {
                ChildJvm child = sending.child();
                awaitTrue(() -> endpoint.keptBytes() >= capacity);
                Thread.sleep(SETTLE_MILLIS);
                assertTrue(endpoint.keptBytes() < capacity + size,
                        "kept bytes " + endpoint.keptBytes() + " stay within the capacity (plus the last message)");
                assertFalse(child.output().contains("SENT " + count), "the sender waits on the full endpoint");
                holder.interrupt();
                holder.failure(InterruptedException.class);
                receiveAll(endpoint, child, count);
                child.awaitLine("SENT " + count, CHILD);
                finish(child);
            }
        }
    }

    // ================================================================== child main

    /**
     * Offers message 1 at once to a process's endpoint, then sends message 2 with a short timeout
     * straight to its mailbox (an endpoint has no timed send), printing each result; after a line
     * on stdin sends message 3 blocking.
     */
    public static final class Offerer {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            ProcessIdentity target = new ProcessIdentity(Long.parseLong(args[0]), Long.parseLong(args[1]));
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            try (Endpoint endpoint = Endpoint.open();
                 Mailbox inbox = Mailbox.open("endpoint-" + Long.toHexString(target.token()))) {
                System.out.println("OFFERED " + endpoint.offer(target, ByteBuffer.allocate(4).putInt(1).array()));
                System.out.flush();
                System.out.println("TIMED " + inbox.offer(ByteBuffer.allocate(4).putInt(2).array(), Duration.ofMillis(200)));
                System.out.flush();
                stdin.readLine();
                System.out.println("SENDING 3");
                System.out.flush();
                endpoint.send(target, ByteBuffer.allocate(4).putInt(3).array());
                System.out.println("SENT 3");
                System.out.flush();
                stdin.readLine();
            }
        }
    }

    /** Sends {@code count} messages of {@code size} bytes (each starting with its number) to a process's endpoint. */
    public static final class Sender {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            ProcessIdentity target = new ProcessIdentity(Long.parseLong(args[0]), Long.parseLong(args[1]));
            int count = Integer.parseInt(args[2]);
            int size = Integer.parseInt(args[3]);
            try (Endpoint endpoint = Endpoint.open()) {
                for (int i = 1; i <= count; i++) {
                    System.out.println("SENDING " + i);
                    System.out.flush();
                    endpoint.send(target, ByteBuffer.allocate(size).putInt(i).array());
                    System.out.println("SENT " + i);
                    System.out.flush();
                }
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
        }
    }
}
