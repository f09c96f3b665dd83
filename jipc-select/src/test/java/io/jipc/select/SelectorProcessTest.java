package io.jipc.select;

import io.jipc.mailbox.Mailbox;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.MqMessage;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.net.Datagram;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeReader;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One selector over a mailbox, a POSIX queue, a FIFO, a Unix stream socket and a UDP socket; a
 * child process makes them ready one at a time in random order and the selector must report
 * exactly that one, then nothing once it was consumed.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SelectorProcessTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final Duration SAFETY = Duration.ofSeconds(60);
    private static final String QUEUE_PREFIX = "/jipc-test-select-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    /** The channels of one test, all closed and removed by {@link #close()}. */
    private static final class Channels implements AutoCloseable {
        final String mailboxName = "select-" + UUID.randomUUID().toString().substring(0, 8);
        final Mailbox mailbox = Mailbox.create(mailboxName);
        final String queueName = QUEUE_PREFIX + mailboxName;
        final PosixMessageQueue queue = PosixMessageQueue.create(queueName, MqAttributes.of(4, 64));
        final Path fifoPath = Fifo.create(JipcTestExtension.root().resolve(mailboxName + ".fifo"), 0600);
        final PipeReader fifo = Fifo.openReaderNow(fifoPath);
        final Path socketPath = JipcTestExtension.root().resolve(mailboxName + ".sock");
        final StreamServer server = StreamServer.bind(UnixDomainSocketAddress.of(socketPath));
        final DatagramEndpoint udp = DatagramEndpoint.bind(new InetSocketAddress("127.0.0.1", 0));
        StreamConnection accepted;

        int udpPort() {
            return ((InetSocketAddress) udp.localAddress()).getPort();
        }

        @Override
        public void close() throws IOException {
            if (accepted != null) {
                accepted.close();
            }
            server.close();
            udp.close();
            fifo.close();
            Fifo.remove(fifoPath);
            queue.close();
            PosixMessageQueue.unlink(queueName);
            Mailbox.destroy(mailboxName); // the static form also removes the name
            mailbox.close();
            Files.deleteIfExists(socketPath);
        }
    }

    private static ChildJvm child() {
        ChildJvm child = ChildJvm.builder(SelectChild.class).args("commands").quickStart()
                .hardTimeout(Duration.ofSeconds(150)).start();
        child.awaitLine("READY", LINE);
        return child;
    }

    private static void tell(ChildJvm child, String command) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        String kind = command.split(" ", 2)[0];
        if (!kind.equals("bye")) {
            child.awaitLine("DONE " + kind, LINE);
        }
    }

    private static void bye(ChildJvm child) throws IOException {
        tell(child, "bye");
        child.assertSuccess(LINE);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @RepeatedTest(3)
    void reportsExactlyTheChannelAnotherProcessMadeReady() throws Exception {
        try (Channels c = new Channels(); Selector selector = Selector.open(); ChildJvm child = child()) {
            SelectionKey serverKey = selector.register(c.server, Selector.OP_READ, "server");
            tell(child, "connect " + c.socketPath);
            assertEquals(List.of(serverKey), selector.select(SAFETY), "the listening socket is acceptable");
            assertTrue(serverKey.isReadable());
            c.accepted = c.server.accept(Duration.ZERO);
            assertNotNull(c.accepted, "accept after the selector reported a connection");
            serverKey.cancel();
            assertEquals(List.of(), selector.selectNow());

            selector.register(c.mailbox, Selector.OP_READ, "mailbox");
            selector.register(c.queue, Selector.OP_READ, "queue");
            selector.register(c.fifo, Selector.OP_READ, "fifo");
            selector.register(c.accepted, Selector.OP_READ, "stream");
            selector.register(c.udp, Selector.OP_READ, "udp");
            assertEquals(5, selector.keys().size());
            assertEquals(List.of(), selector.selectNow(), "nothing is ready yet");

            List<String> order = new ArrayList<>(List.of("mailbox", "queue", "fifo", "stream", "udp"));
            long seed = System.nanoTime();
            Collections.shuffle(order, new Random(seed));
            for (String kind : order) {
                String text = kind + "-" + seed;
                String target = switch (kind) {
                    case "mailbox" -> c.mailboxName;
                    case "queue" -> c.queueName;
                    case "fifo" -> c.fifoPath.toString();
                    case "stream" -> c.socketPath.toString();
                    default -> Integer.toString(c.udpPort());
                };
                tell(child, kind + " " + target + " " + text);
                List<SelectionKey> ready = selector.select(SAFETY);
                assertEquals(1, ready.size(), "order " + order + ": after " + kind + " got " + ready);
                SelectionKey key = ready.getFirst();
                assertEquals(kind, key.attachment());
                assertTrue(key.isReadable());
                assertFalse(key.isWritable(), "only read interest was registered");
                assertArrayEquals(bytes(text), receive(c, kind), kind);
                assertEquals(List.of(), selector.selectNow(), "nothing ready once " + kind + " was consumed");
            }
            bye(child);
        }
    }

    /** Receives one message with the channel's non-blocking verb. */
    private static byte[] receive(Channels c, String kind) {
        return switch (kind) {
            case "mailbox" -> c.mailbox.poll();
            case "queue" -> {
                MqMessage m = c.queue.poll();
                yield m == null ? null : m.payload();
            }
            case "fifo" -> {
                ByteBuffer b = ByteBuffer.allocate(256);
                c.fifo.readNow(b);
                yield java.util.Arrays.copyOf(b.array(), b.position());
            }
            case "stream" -> c.accepted.poll();
            default -> {
                Datagram d = c.udp.poll();
                yield d == null ? null : d.payload();
            }
        };
    }

    @Test
    void noWakeUpIsLostUnderABurst() throws Exception {
        int count = 2000;
        String name = "burst-" + UUID.randomUUID().toString().substring(0, 8);
        try (Mailbox mailbox = Mailbox.create(name);
             PosixMessageQueue queue = PosixMessageQueue.create("/" + name, MqAttributes.of(4, 64));
             Selector selector = Selector.open(); ChildJvm child = child()) {
            try {
                selector.register(mailbox, Selector.OP_READ, "mailbox");
                selector.register(queue, Selector.OP_READ, "queue");
                OutputStream in = child.process().getOutputStream();
                in.write(("burst " + name + " " + count + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                int fromMailbox = 0;
                int fromQueue = 0;
                while (fromMailbox < count || fromQueue < count) {
                    List<SelectionKey> ready = selector.select(SAFETY); // a lost wake-up ends here empty
                    assertFalse(ready.isEmpty(), "no wake-up after " + fromMailbox + " + " + fromQueue + " messages");
                    for (SelectionKey key : ready) {
                        if (key.attachment().equals("mailbox")) {
                            for (byte[] m; (m = mailbox.poll()) != null; fromMailbox++) {
                                assertEquals(Integer.toString(fromMailbox), new String(m, StandardCharsets.UTF_8));
                            }
                        } else {
                            for (MqMessage m; (m = queue.poll()) != null; fromQueue++) {
                                assertEquals(Integer.toString(fromQueue), new String(m.payload(), StandardCharsets.UTF_8));
                            }
                        }
                    }
                }
                child.awaitLine("DONE burst", LINE);
                assertEquals(List.of(), selector.selectNow());
                bye(child);
            } finally {
                Mailbox.destroy(name);
                PosixMessageQueue.unlink("/" + name);
            }
        }
    }

    @Test
    void aFifoAtEndOfFileStaysReadable() throws Exception {
        try (Channels c = new Channels(); Selector selector = Selector.open()) {
            ChildJvm child = child();
            SelectionKey key = selector.register(c.fifo, Selector.OP_READ, "fifo");
            tell(child, "fifo " + c.fifoPath + " x");
            assertEquals(List.of(key), selector.select(SAFETY));
            assertArrayEquals(bytes("x"), receive(c, "fifo"));
            bye(child); // closes the write end: end of file
            child.close();
            assertEquals(List.of(key), selector.select(SAFETY), "end of file is readable (a read returns at once)");
            assertEquals(-1, c.fifo.readNow(ByteBuffer.allocate(8)));
        }
    }

    @Test
    void aTimeoutWithNothingReadyReturnsEmpty() throws Exception {
        try (Channels c = new Channels(); Selector selector = Selector.open()) {
            selector.register(c.mailbox, Selector.OP_READ);
            selector.register(c.udp, Selector.OP_READ);
            selector.register(c.queue, Selector.OP_READ);
            selector.register(c.fifo, Selector.OP_READ); // no writer ever: not end of file
            selector.register(c.server, Selector.OP_READ);
            assertEquals(List.of(), selector.select(Duration.ofMillis(200)));
            assertEquals(List.of(), selector.select(Duration.ZERO));
            assertEquals(List.of(), selector.select(Duration.ofMillis(-5)), "a negative timeout does not wait");
            selector.wakeup();
            assertEquals(List.of(), selector.select(Duration.ofDays(365L * 1000)), "no overflow of the deadline");
        }
    }

    @Test
    void writableWhereThereIsRoom() throws Exception {
        try (Channels c = new Channels(); Selector selector = Selector.open()) {
            SelectionKey queue = selector.register(c.queue, Selector.OP_WRITE);
            SelectionKey udp = selector.register(c.udp, Selector.OP_READ | Selector.OP_WRITE);
            List<SelectionKey> ready = selector.select(SAFETY);
            assertEquals(java.util.Set.of(queue, udp), java.util.Set.copyOf(ready));
            assertTrue(queue.isWritable());
            assertTrue(udp.isWritable());
            assertFalse(udp.isReadable());
            for (int i = 0; i < 4; i++) {
                assertTrue(c.queue.offer(bytes("m" + i)));
            }
            assertEquals(List.of(udp), selector.selectNow(), "a full queue is not writable");
        }
    }

    @Test
    void wakeupFromAnotherThreadEndsTheSelect() throws Exception {
        try (Channels c = new Channels(); Selector selector = Selector.open()) {
            selector.register(c.mailbox, Selector.OP_READ);
            selector.register(c.fifo, Selector.OP_READ);
            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                selector.wakeup();
            });
            assertEquals(List.of(), selector.select());
            waker.join();
            selector.wakeup(); // before a select: the next one returns at once
            assertEquals(List.of(), selector.select(SAFETY));
        }
    }

    @Test
    void anInterruptEndsTheSelect() throws Exception {
        try (Channels c = new Channels(); Selector selector = Selector.open()) {
            selector.register(c.mailbox, Selector.OP_READ);
            selector.register(c.udp, Selector.OP_READ);
            for (boolean virtual : new boolean[] {false, true}) {
                Thread.Builder builder = virtual ? Thread.ofVirtual() : Thread.ofPlatform();
                Object[] outcome = new Object[1];
                Thread selecting = builder.start(() -> {
                    try {
                        outcome[0] = selector.select();
                    } catch (InterruptedException e) {
                        outcome[0] = e;
                    }
                });
                Thread.sleep(100);
                selecting.interrupt();
                selecting.join(SAFETY);
                assertFalse(selecting.isAlive());
                assertTrue(outcome[0] instanceof InterruptedException, "virtual " + virtual + ": " + outcome[0]);
            }
        }
    }

    @Test
    void manyMailboxesAndSockets() throws Exception {
        int mailboxes = 100;
        int sockets = 20;
        List<Mailbox> boxes = new ArrayList<>();
        List<DatagramEndpoint> endpoints = new ArrayList<>();
        String prefix = "many-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        try (Selector selector = Selector.open(); ChildJvm child = child()) {
            for (int i = 0; i < mailboxes; i++) {
                Mailbox m = Mailbox.create(prefix + i);
                boxes.add(m);
                selector.register(m, Selector.OP_READ, "mailbox " + i);
            }
            for (int i = 0; i < sockets; i++) {
                DatagramEndpoint e = DatagramEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), DatagramOptions.defaults());
                endpoints.add(e);
                selector.register(e, Selector.OP_READ, "udp " + i);
            }
            Random random = new Random();
            for (int round = 0; round < 20; round++) {
                boolean mailbox = random.nextBoolean();
                int i = random.nextInt(mailbox ? mailboxes : sockets);
                String text = "round " + round;
                if (mailbox) {
                    tell(child, "mailbox " + prefix + i + " " + text);
                } else {
                    tell(child, "udp " + ((InetSocketAddress) endpoints.get(i).localAddress()).getPort() + " " + text);
                }
                List<SelectionKey> ready = selector.select(SAFETY);
                assertEquals(1, ready.size(), "round " + round + ": " + ready);
                assertEquals((mailbox ? "mailbox " : "udp ") + i, ready.getFirst().attachment());
                byte[] got = mailbox ? boxes.get(i).poll() : endpoints.get(i).poll().payload();
                assertArrayEquals(bytes(text), got);
            }
            bye(child);
        } finally {
            for (Mailbox m : boxes) {
                Mailbox.destroy(m.name());
                m.close();
            }
            endpoints.forEach(DatagramEndpoint::close);
        }
    }

    @Test
    void aVirtualThreadSelectingDoesNotPinItsCarrier() {
        try (ChildJvm child = ChildJvm.builder(SelectChild.class).args("pinning").quickStart()
                .jvmArg("-Djdk.virtualThreadScheduler.parallelism=1")
                .jvmArg("-Djdk.virtualThreadScheduler.maxPoolSize=1")
                .hardTimeout(Duration.ofSeconds(150)).start()) {
            child.awaitLine("ALIVE", LINE);
            child.awaitLine("DONE", LINE);
            child.assertSuccess(LINE);
            assertEquals(4, child.output().lines().filter(l -> l.equals("RETURNED 0 woken")).count(), child.output());
        }
    }

    @Test
    void closedChannelsAreDroppedAndBadInterestRefused() throws Exception {
        try (Channels c = new Channels(); Selector selector = Selector.open()) {
            DatagramEndpoint extra = DatagramEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), DatagramOptions.defaults());
            SelectionKey key = selector.register(extra, Selector.OP_READ);
            extra.close();
            assertFalse(key.isValid());
            assertEquals(List.of(), selector.selectNow());
            assertEquals(0, selector.keys().size());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> selector.register(c.fifo, Selector.OP_WRITE), "a FIFO read end cannot be writable");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> selector.register(c.mailbox, 0));
            selector.register(c.mailbox, Selector.OP_READ);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> selector.register(c.mailbox, Selector.OP_READ), "registered twice");
        }
    }
}
