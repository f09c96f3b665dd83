package io.jipc.select;

import io.jipc.mailbox.Mailbox;
import io.jipc.mq.MqAccess;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.StreamConnection;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.PipeWriter;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The other process of the selector tests. {@code commands}: reads lines
 * {@code <kind> <target> <text>} from standard input and makes that one channel ready by sending
 * {@code text} on it (kinds: mailbox, queue, fifo, stream, udp; {@code connect <path>} only
 * connects; {@code receiver <mailbox>} becomes its receiver, with one {@code poll()}), answering
 * {@code DONE <kind>}; {@code bye} closes everything. {@code pinning}: see
 * {@link #pinning()}.
 */
public final class SelectChild {
    private final Map<String, AutoCloseable> open = new HashMap<>();
    private final DatagramEndpoint udp = DatagramEndpoint.open(new InetSocketAddress("127.0.0.1", 1),
            DatagramOptions.defaults());

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        if (args[0].equals("pinning")) {
            pinning();
        } else {
            new SelectChild().commands();
        }
    }

    private void commands() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("READY");
        String line;
        while ((line = in.readLine()) != null && !line.equals("bye")) {
            String[] w = line.split(" ", 3);
            byte[] text = w.length > 2 ? w[2].getBytes(StandardCharsets.UTF_8) : new byte[0];
            boolean sent = switch (w[0]) {
                case "mailbox" -> handle(w, () -> Mailbox.open(w[1]), Mailbox.class).offer(text);
                case "receiver" -> { // becomes the mailbox's receiver (its first receive takes the role)
                    handle(w, () -> Mailbox.open(w[1]), Mailbox.class).poll();
                    yield true;
                }
                case "queue" -> handle(w, () -> PosixMessageQueue.open(w[1], MqAccess.SEND), PosixMessageQueue.class)
                        .offer(text);
                case "fifo" -> handle(w, () -> Fifo.openWriter(Path.of(w[1])), PipeWriter.class)
                        .writeNow(java.nio.ByteBuffer.wrap(text)) == text.length;
                case "connect" -> handle(w, () -> connect(w[1]), StreamConnection.class) != null;
                case "stream" -> handle(w, () -> connect(w[1]), StreamConnection.class).offer(text);
                case "burst" -> burst(w[1], Integer.parseInt(w[2]));
                case "udp" -> udp.offer(new InetSocketAddress("127.0.0.1", Integer.parseInt(w[1])), text);
                default -> throw new IllegalArgumentException(line);
            };
            System.out.println(sent ? "DONE " + w[0] : "FAILED " + line);
        }
        for (AutoCloseable c : open.values()) {
            c.close();
        }
        udp.close();
        System.out.println("BYE");
    }

    /**
     * Sends {@code count} numbered messages to the mailbox and to the queue named {@code target}
     * (the same name for both, the queue's with a leading slash), alternating at random, waiting
     * when one is full.
     */
    private boolean burst(String target, int count) throws Exception {
        try (Mailbox mailbox = Mailbox.open(target);
             PosixMessageQueue queue = PosixMessageQueue.open("/" + target, MqAccess.SEND)) {
            java.util.Random random = new java.util.Random();
            int toMailbox = 0;
            int toQueue = 0;
            while (toMailbox < count || toQueue < count) {
                boolean mailboxNext = toQueue == count || toMailbox < count && random.nextBoolean();
                if (mailboxNext) {
                    mailbox.put(Integer.toString(toMailbox++).getBytes(StandardCharsets.UTF_8));
                } else {
                    queue.put(Integer.toString(toQueue++).getBytes(StandardCharsets.UTF_8));
                }
                if (random.nextInt(8) == 0) {
                    Thread.sleep(0, random.nextInt(200_000)); // let the selector fall asleep now and then
                }
            }
        }
        return true;
    }

    private interface Opener<T> {
        T open() throws Exception;
    }

    private <T extends AutoCloseable> T handle(String[] w, Opener<T> opener, Class<T> type) throws Exception {
        String key = w[1];
        AutoCloseable c = open.get(key);
        if (c == null) {
            c = opener.open();
            open.put(key, c);
        }
        return type.cast(c);
    }

    private static StreamConnection connect(String path) throws InterruptedException {
        return StreamConnection.connect(UnixDomainSocketAddress.of(path));
    }

    /**
     * Run with one carrier thread: four virtual threads select without a timeout (over a mailbox
     * and a UDP socket each); if a select pinned its carrier, neither the others nor the thread
     * that prints ALIVE could run. Then {@code wakeup()} ends every select.
     */
    private static void pinning() throws Exception {
        int n = 4;
        List<Selector> selectors = new ArrayList<>();
        List<AutoCloseable> channels = new ArrayList<>();
        CountDownLatch selecting = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Mailbox mailbox = Mailbox.create("pin-" + ProcessHandle.current().pid() + "-" + i);
            DatagramEndpoint socket = DatagramEndpoint.open(new InetSocketAddress("127.0.0.1", 1),
                    DatagramOptions.defaults());
            channels.add(mailbox);
            channels.add(socket);
            Selector selector = Selector.open();
            selector.register(mailbox, Selector.OP_READ);
            selector.register(socket, Selector.OP_READ);
            selectors.add(selector);
            threads.add(Thread.ofVirtual().start(() -> {
                selecting.countDown();
                try {
                    List<SelectionKey> keys = selector.select();
                    System.out.println("RETURNED " + keys.size() + (selector.isClosed() ? "" : " woken"));
                } catch (InterruptedException e) {
                    System.out.println("INTERRUPTED");
                }
            }));
        }
        selecting.await();
        Thread.sleep(Duration.ofMillis(300)); // let them reach epoll_wait (a pass before does not fail)
        Thread.ofVirtual().start(() -> System.out.println("ALIVE")).join();
        selectors.forEach(Selector::wakeup);
        for (Thread t : threads) {
            t.join();
        }
        for (Selector s : selectors) {
            s.close();
        }
        for (AutoCloseable c : channels) {
            if (c instanceof Mailbox m) {
                Mailbox.destroy(m.name()); // the static form also removes the name
            }
            c.close();
        }
        System.out.println("DONE");
    }
}
