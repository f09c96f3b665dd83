package io.jipc.select;

import io.jipc.ClosedException;
import io.jipc.Selectable;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.pipe.Pipe;
import io.jipc.pipe.PipeChannel;
import io.jipc.pipe.PipeReader;
import io.jipc.platform.FdPassing;
import io.jipc.platform.Libc;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Selector#register} racing the channel's {@code close()}, for every kind of descriptor
 * channel, and entries that a closed channel leaves in the epoll set.
 *
 * <p>Until 2026-12-05 a channel's {@code readinessSource()} left its use of the descriptor before
 * the selector's {@code epoll_ctl(ADD)}: a close in between gave a raw {@code ErrnoException EBADF}
 * (12 of 20,000 rounds with a queue), or, when the number had been reused meanwhile by another
 * file, added that file to the epoll set; the key was then dropped as closed, the file stayed in
 * the set without a key, and while it was ready every select spun on it until its timeout
 * ({@code select()} for ever). The selector now adds and removes a descriptor inside the channel's
 * {@link Selectable.Descriptor#whileOpen}, marks its entries with a per-key token, and rebuilds its
 * epoll set when an entry of no key reports events (an open file kept alive by a duplicate).
 *
 * <p>What the epoll set holds is read from {@code /proc/self/fdinfo/<epoll fd>} (its {@code tfd:}
 * lines list the target descriptors); no duration is asserted, waits have hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SelectorRegisterCloseRaceTest {
    private static final int ROUNDS = 1500;
    private static final Duration SHORT = Duration.ofMillis(100);

    /** A channel of one kind and what else must be closed with it (peers, servers). */
    private record Opened(Selectable channel, AutoCloseable closer, List<AutoCloseable> others) {
    }

    private static final String QUEUE = "/selreg-" + ProcessHandle.current().pid();

    private Opened open(String kind, Path root) throws Exception {
        Path dir = createRoot(root);
        switch (kind) {
            case "queue" -> {
                PosixMessageQueue q = PosixMessageQueue.openOrCreate(QUEUE, MqAttributes.of(2, 8));
                return new Opened(q, q, List.of());
            }
            case "pipe" -> {
                Pipe pipe = Pipe.open();
                return new Opened(pipe.reader(), pipe.reader(), List.of(pipe.writer()));
            }
            case "pipe-channel" -> {
                Pipe pipe = Pipe.open();
                PipeChannel channel = PipeChannel.over(pipe.reader(), null, PipeChannel.DEFAULT_MAX_LENGTH);
                return new Opened(channel, channel, List.of(pipe.writer()));
            }
            case "datagram" -> {
                DatagramEndpoint d = DatagramEndpoint.bind(new InetSocketAddress("127.0.0.1", 0));
                return new Opened(d, d, List.of());
            }
            case "server" -> {
                StreamServer s = StreamServer.bind(UnixDomainSocketAddress.of(dir.resolve("s" + System.nanoTime())));
                return new Opened(s, s, List.of());
            }
            case "connection" -> {
                StreamServer s = StreamServer.bind(UnixDomainSocketAddress.of(dir.resolve("c" + System.nanoTime())));
                StreamConnection c = StreamConnection.connect(s.localAddress());
                StreamConnection accepted = s.accept(Duration.ofSeconds(30));
                assertNotNull(accepted, "no connection accepted");
                return new Opened(c, c, List.of(accepted, s));
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    private static void closeAll(Opened o) throws Exception {
        o.closer().close();
        for (AutoCloseable c : o.others()) {
            c.close();
        }
    }

    private static void cleanUpQueue() {
        PosixMessageQueue.unlink(QUEUE);
    }

    /**
     * Deterministic: the channel is closed, and its number taken by a ready pipe end, between
     * {@code readinessSource()} and the selector's {@code epoll_ctl}. register then throws
     * {@link ClosedException}, and the epoll set holds no foreign file (it held the pipe end, and a
     * select spun on it, before).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"queue", "pipe", "pipe-channel", "datagram", "server", "connection"})
    void aChannelClosedAndItsNumberReusedBeforeTheAddIsRefusedAndNothingForeignIsWatched(String kind,
            Path root) throws Exception {
        Opened opened = open(kind, root);
        Deque<AutoCloseable> foreign = new ArrayDeque<>();
        try (Selector selector = Selector.open()) {
            Set<Integer> empty = epollTargets(selector);
            assertEquals(1, empty.size(), "a new selector watches its eventfd only: " + empty);
            AtomicReference<Integer> reused = new AtomicReference<>();
            Selectable closedInBetween = () -> {
                Selectable.Source source = opened.channel().readinessSource();
                int fd = ((Selectable.Descriptor) source).fd();
                try {
                    opened.closer().close();
                    if (takeNumber(fd, foreign)) {
                        reused.set(fd);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return source;
            };
            assertThrows(ClosedException.class, () -> selector.register(closedInBetween, Selector.OP_READ));
            assertNotNull(reused.get(), "no pipe end got the closed channel's number");
            assertEquals(empty, epollTargets(selector), "the set holds a foreign file");
            assertEquals(List.of(), selector.select(SHORT));
            assertEquals(Set.of(), selector.keys());
            assertEquals(0, selector.rebuilds());
        } finally {
            while (!foreign.isEmpty()) {
                foreign.pop().close();
            }
            closeAll(opened);
            cleanUpQueue();
        }
    }

    /**
     * Deterministic: the channel is closed between {@code readinessSource()} and the selector's lock, its
     * number goes to a pipe end and another thread registers that end meanwhile. The registration of
     * the closed channel throws {@link ClosedException}, not "already registered" (the duplicate check ran
     * before the channel was held open: explorer last50a), and the other key stays.
     */
    @Test
    void aClosedChannelWhoseNumberAnotherRegisteredChannelGotIsClosedException() throws Exception {
        Deque<AutoCloseable> foreign = new ArrayDeque<>();
        Pipe first = Pipe.open();
        try (Selector selector = Selector.open()) {
            AtomicReference<PipeReader> reuser = new AtomicReference<>();
            Selectable closedInBetween = () -> {
                Selectable.Source source = first.reader().readinessSource();
                int fd = ((Selectable.Descriptor) source).fd();
                try {
                    first.reader().close();
                    if (takeNumber(fd, foreign)) {
                        Pipe pipe = (Pipe) foreign.peek();
                        PipeReader end = pipe.reader();
                        if (end.readinessSource().fd() == fd) {
                            selector.register(end, Selector.OP_READ); // another thread's registration
                            reuser.set(end);
                        }
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return source;
            };
            assertThrows(ClosedException.class, () -> selector.register(closedInBetween, Selector.OP_READ));
            assertNotNull(reuser.get(), "no pipe's read end got the closed channel's number");
            assertEquals(Set.of(reuser.get()), selector.keys().stream().map(SelectionKey::channel)
                    .collect(java.util.stream.Collectors.toSet()));
            assertEquals(List.of(reuser.get()), selector.select(SHORT).stream().map(SelectionKey::channel).toList(),
                    "the other key is ready (a byte in its pipe)");
        } finally {
            while (!foreign.isEmpty()) {
                foreign.pop().close();
            }
            first.close();
        }
    }

    /**
     * Opens pipes until an end of one gets {@code fd} (the lowest free number), makes that end ready
     * (a byte in the pipe; for a write end, its reader closed: {@code EPOLLERR}); keeps what it opened
     * in {@code opened}. Returns whether an end got the number.
     */
    private static boolean takeNumber(int fd, Deque<AutoCloseable> opened) throws Exception {
        for (int i = 0; i < 64; i++) {
            Pipe pipe = Pipe.open();
            opened.push(pipe);
            int readFd = pipe.reader().readinessSource().fd();
            int writeFd = pipe.writer().readinessSource().fd();
            if (readFd == fd) {
                pipe.writer().write(new byte[] {1});
                return true;
            }
            if (writeFd == fd) {
                pipe.reader().close();
                return true;
            }
            if (readFd > fd && writeFd > fd) {
                return false;
            }
        }
        return false;
    }

    /**
     * A registered pipe reader is closed without cancelling while a duplicate of its descriptor (an
     * {@code SCM_RIGHTS} copy to this process, as a child's inherited copy would be) keeps the open
     * file alive and readable: its entry stays in the epoll set, and no {@code epoll_ctl} can remove it.
     * A select then rebuilds the set without it instead of spinning on it, returns nothing at its
     * timeout; a new channel that got the old number is not taken for ready by the old file's events.
     */
    @Test
    void anEntryLeftByAClosedChannelWhoseFileLivesOnIsDroppedAndNotTakenForANewChannel(
            Path root) throws Exception {
        int duplicate = -1;
        try (Selector selector = Selector.open(); Pipe pipe = Pipe.open()) {
            Set<Integer> empty = epollTargets(selector);
            PipeReader reader = pipe.reader();
            int fd = reader.readinessSource().fd();
            duplicate = duplicate(fd, root);
            selector.register(reader, Selector.OP_READ);
            pipe.writer().write(new byte[] {1});
            reader.close(); // not cancelled: the duplicate keeps the file, and so the entry, alive
            Set<Integer> left = epollTargets(selector);
            assertTrue(left.contains(fd), "the entry of the closed reader is gone already: " + left);

            try (Pipe second = Pipe.open()) { // its reader takes the closed reader's number
                int reusedFd = second.reader().readinessSource().fd();
                SelectionKey key = selector.register(second.reader(), Selector.OP_READ, "second");
                assertEquals(List.of(), selector.select(SHORT), "the old file's events are not the new reader's");
                Set<Integer> expected = new TreeSet<>(empty);
                expected.add(reusedFd);
                assertEquals(expected, epollTargets(selector), "the set holds the eventfd and the new reader only");
                assertEquals(1, selector.rebuilds(), "the stale entry made the selector rebuild its set");
                assertEquals(Set.of(key), selector.keys());
                second.writer().write(new byte[] {2});
                assertEquals(List.of(key), selector.select(Duration.ofSeconds(30)), "the new reader turns ready");
                key.cancel();
            }
            assertEquals(List.of(), selector.select(SHORT));
            assertEquals(empty, epollTargets(selector));
        } finally {
            if (duplicate >= 0) {
                Libc.close(duplicate);
            }
        }
    }

    /** A second descriptor of the open file of {@code fd}: passed to this process over a Unix-domain socket. */
    private static int duplicate(int fd, Path root) throws IOException {
        Path path = createRoot(root).resolve("dup.sock");
        int listener = FdPassing.listen(path.toString());
        int client = -1;
        int server = -1;
        try {
            client = FdPassing.connect(path.toString());
            server = FdPassing.accept(listener, 30_000, "dup");
            assertTrue(server >= 0, "no connection accepted");
            FdPassing.send(client, fd, (byte) 0, "dup");
            FdPassing.Received received = FdPassing.receive(server, 30_000, "dup");
            assertNotNull(received, "no descriptor received");
            return received.fd();
        } finally {
            for (int open : new int[] {client, server, listener}) {
                if (open >= 0) {
                    Libc.close(open);
                }
            }
            Files.deleteIfExists(path);
        }
    }

    /**
     * Register racing close, over many rounds: only a key or {@link ClosedException}, never an
     * {@code ErrnoException}; and once both are done (the channel closed), the epoll set holds the
     * eventfd only, though the closing thread at once opens a ready pipe that may take the number.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"queue", "pipe", "connection"})
    void registerRacingCloseGivesAKeyOrClosedExceptionAndLeavesNoForeignFile(String kind,
            Path root) throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        try (Selector selector = Selector.open()) {
            Set<Integer> empty = epollTargets(selector);
            for (int round = 0; round < ROUNDS; round++) {
                Opened opened = open(kind, root);
                Pipe[] foreign = new Pipe[1];
                CountDownLatch go = new CountDownLatch(1);
                Thread closer = Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        opened.closer().close();
                        foreign[0] = Pipe.open();
                        foreign[0].writer().write(new byte[] {1});
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                go.countDown();
                String outcome;
                SelectionKey key = null;
                try {
                    key = selector.register(opened.channel(), Selector.OP_READ);
                    outcome = "registered";
                } catch (ClosedException e) {
                    outcome = "ClosedException";
                } catch (RuntimeException e) {
                    outcome = e.toString();
                }
                closer.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(closer.isAlive(), "the close hangs");
                outcomes.merge(outcome, 1, Integer::sum);
                assertEquals(empty, epollTargets(selector), "round " + round + ": " + outcome);
                if (key != null) {
                    key.cancel();
                }
                foreign[0].close();
                for (AutoCloseable c : opened.others()) {
                    c.close();
                }
            }
            assertEquals(Set.of(), selector.keys());
        } finally {
            cleanUpQueue();
        }
        outcomes.remove("registered");
        outcomes.remove("ClosedException");
        assertEquals(Map.of(), outcomes, "other outcomes");
    }

    /** The class's root directory, private (0700, as the name service wants it): sockets go there. */
    private static Path createRoot(Path root) throws IOException {
        return Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** The target descriptors of the selector's epoll set now ({@code tfd:} lines of its fdinfo). */
    static Set<Integer> epollTargets(Selector selector) throws IOException {
        Set<Integer> targets = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + selector.epollDescriptor()))) {
            if (line.startsWith("tfd:")) {
                targets.add(Integer.parseInt(line.substring(4).trim().split("\\s+")[0]));
            }
        }
        return targets;
    }
}
