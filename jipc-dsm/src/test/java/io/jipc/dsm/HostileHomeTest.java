package io.jipc.dsm;

import io.jipc.ClosedException;
import io.jipc.JipcException;
import io.jipc.net.PeerClosedException;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A replica against a fake home — a raw {@link StreamServer} that answers OPEN itself — that breaks
 * the protocol: a snapshot of the wrong size, unknown frame types, an UPDATE whose version does not
 * increase or whose range lies outside the region, answers nobody asked for, REFUSED after the open,
 * a frame above the maximum size, a frame cut off, silence. At open, {@link ReplicatedRegion#open}
 * throws; after it, the replica fails with {@link RegionHomeLostException}: every blocked caller (a
 * thread in {@code write()}, {@code sync()}, {@code awaitVersion}) is released with it, every later
 * call throws it, the replica closes the connection, and {@link ReplicatedRegion#lastSnapshot()} still
 * gives the bytes it had.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileHomeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int SIZE = 256;
    private static final long VERSION = 5;
    private static final DsmOptions OPTIONS = DsmOptions.defaults()
            .withLiveness(Duration.ofMillis(100), Duration.ofSeconds(1))
            .withConnectTimeout(Duration.ofSeconds(2))
            .withMaxRegionSize(4096);

    private StreamServer fake;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void bind() {
        fake = StreamServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ServerOptions.defaults().withCloseGrace(Duration.ofMillis(100)));
    }

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        fake.close();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "test threads still running");
    }

    private static byte[] snapshot() {
        byte[] bytes = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            bytes[i] = (byte) (i * 7 + 3);
        }
        return bytes;
    }

    // ------------------------------------------------------------------ the fake home

    /** One replica's connection at the fake home, its OPEN read. */
    final class FakeSession implements AutoCloseable {
        final StreamConnection connection;
        final DsmWire.Open open;
        private volatile boolean beating;
        private Thread heartbeats;

        FakeSession(StreamConnection connection) throws InterruptedException {
            this.connection = connection;
            byte[] first = connection.poll(WAIT);
            assertNotNull(first, "no OPEN from the replica");
            this.open = assertInstanceOf(DsmWire.Open.class, DsmWire.decode(first, -1));
        }

        void send(byte[] frame) throws InterruptedException {
            assertTrue(connection.offer(frame, WAIT), "the replica does not read");
        }

        /** Sends a heartbeat every 50 ms, as a home does, until stopped. */
        void startHeartbeats() {
            beating = true;
            heartbeats = Thread.ofVirtual().name("fake home heartbeats").start(() -> {
                try {
                    while (beating) {
                        connection.offer(DsmWire.signal(DsmWire.HEARTBEAT), WAIT);
                        Thread.sleep(50);
                    }
                } catch (InterruptedException | JipcException gone) {
                    // the replica closed the connection, or the test did
                }
            });
        }

        void stopHeartbeats() throws InterruptedException {
            beating = false;
            if (heartbeats != null) {
                heartbeats.join();
            }
        }

        /** The next frame from the replica that is not a heartbeat. */
        DsmWire.Frame expect() throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                byte[] frame = connection.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (frame == null) {
                    return fail(connection.isEndOfStream() ? "the replica closed the connection"
                            : "nothing from the replica within " + WAIT);
                }
                DsmWire.Frame decoded = DsmWire.decode(frame, SIZE);
                if (!(decoded instanceof DsmWire.Signal s && s.type() == DsmWire.HEARTBEAT)) {
                    return decoded;
                }
            }
        }

        /** The replica closes the connection (sending nothing but heartbeats before). */
        void expectClosed() throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() - deadline < 0) {
                byte[] frame;
                try {
                    frame = connection.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                } catch (PeerClosedException reset) {
                    return;
                }
                if (frame == null) {
                    if (connection.isEndOfStream()) {
                        return;
                    }
                    continue;
                }
                DsmWire.Frame decoded = DsmWire.decode(frame, SIZE);
                if (!(decoded instanceof DsmWire.Signal)) {
                    fail("the replica sent " + decoded + " instead of closing");
                }
            }
            fail("the replica did not close the connection within " + WAIT);
        }

        @Override
        public void close() throws InterruptedException {
            beating = false;
            connection.close();
            if (heartbeats != null) {
                heartbeats.join();
            }
        }
    }

    private FakeSession accept() throws InterruptedException {
        StreamConnection c = fake.accept(WAIT);
        assertNotNull(c, "the replica did not connect");
        closeables.add(c);
        FakeSession s = new FakeSession(c);
        closeables.add(s);
        assertEquals(new DsmWire.Open(DsmWire.MAJOR, DsmWire.MINOR, SIZE, "r"), s.open);
        return s;
    }

    private Future<ReplicatedRegion> opening(DsmOptions options) {
        return threads.submit(() -> ReplicatedRegion.open(fake.localAddress(), "r", SIZE, options));
    }

    /** A replica open at the fake home (snapshot at version 5), which sends it heartbeats. */
    record Open(ReplicatedRegion replica, FakeSession home) {
    }

    private Open openReplica() throws Exception {
        Future<ReplicatedRegion> opening = opening(OPTIONS);
        FakeSession home = accept();
        home.send(DsmWire.opened(VERSION, snapshot()));
        ReplicatedRegion replica = opening.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        closeables.add(replica);
        assertEquals(VERSION, replica.version());
        assertArrayEquals(snapshot(), replica.snapshot());
        home.startHeartbeats();
        return new Open(replica, home);
    }

    /** Callers blocked on the replica: in {@code write()} (its ACQUIRE sent), {@code sync()} (its SYNC sent), {@code awaitVersion}. */
    record Callers(List<Future<?>> blocked) {
    }

    private Callers block(Open o, boolean writer, boolean syncer) throws InterruptedException {
        List<Future<?>> blocked = new ArrayList<>();
        ReplicatedRegion r = o.replica();
        if (writer) {
            blocked.add(threads.submit(() -> {
                try (RegionWrite w = r.write()) {
                    w.segment().set(JAVA_BYTE, 0, (byte) 1);
                }
                return null;
            }));
            assertEquals(new DsmWire.Signal(DsmWire.ACQUIRE), o.home().expect());
        }
        if (syncer) {
            blocked.add(threads.submit((Callable<Long>) r::sync));
            assertEquals(new DsmWire.Signal(DsmWire.SYNC), o.home().expect());
        }
        blocked.add(threads.submit(() -> r.awaitVersion(r.version(), Duration.ofSeconds(50))));
        return new Callers(blocked);
    }

    private Callers blockAll(Open o) throws InterruptedException {
        return block(o, true, true);
    }

    /**
     * The replica failed: every blocked caller got {@link RegionHomeLostException} (its message saying
     * {@code cause}, unless null), every call throws it, the replica closed the connection (unless the
     * fake home did), {@code lastSnapshot()} gives {@code bytes} until the replica is closed.
     */
    private void assertLost(Open o, Callers callers, byte[] bytes, String cause) throws Exception {
        for (Future<?> f : callers.blocked()) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            RegionHomeLostException lost = assertInstanceOf(RegionHomeLostException.class, e.getCause());
            if (cause != null) {
                assertTrue(lost.getMessage().contains(cause), "expected '" + cause + "' in: " + lost.getMessage());
            }
        }
        ReplicatedRegion r = o.replica();
        assertLost(r, bytes, cause);
        if (o.home().connection.isOpen()) {
            o.home().expectClosed();
        }
        r.close();
        assertThrows(ClosedException.class, r::lastSnapshot);
        assertThrows(ClosedException.class, r::read);
    }

    private static void assertLost(ReplicatedRegion r, byte[] bytes, String cause) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (r.isConnected() && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        assertFalse(r.isConnected());
        assertArrayEquals(bytes, r.lastSnapshot());
        RegionHomeLostException e = assertThrows(RegionHomeLostException.class, r::read);
        if (cause != null) {
            assertTrue(e.getMessage().contains(cause), "expected '" + cause + "' in: " + e.getMessage());
        }
        assertThrows(RegionHomeLostException.class, r::write);
        assertThrows(RegionHomeLostException.class, () -> r.tryWrite(Duration.ofMillis(100)));
        assertThrows(RegionHomeLostException.class, r::sync);
        assertThrows(RegionHomeLostException.class, r::snapshot);
        assertThrows(RegionHomeLostException.class, () -> r.awaitVersion(0, WAIT));
        assertThrows(RegionHomeLostException.class, () -> r.update(s -> s.set(JAVA_BYTE, 0, (byte) 9)));
        assertArrayEquals(bytes, r.lastSnapshot());
    }

    private static byte[] updateOf(long version, int at, byte value) {
        byte[] twin = new byte[SIZE];
        byte[] now = twin.clone();
        now[at] = value;
        return DsmWire.update(version, DsmWire.release(Diff.between(MemorySegment.ofArray(now), MemorySegment.ofArray(twin))));
    }

    // ------------------------------------------------------------------ at open

    private <E extends Throwable> E openFails(Class<E> expected, Future<ReplicatedRegion> opening) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> {
            ReplicatedRegion r = opening.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            r.close();
        });
        return assertInstanceOf(expected, e.getCause());
    }

    @ParameterizedTest
    @ValueSource(ints = {SIZE - 1, SIZE + 1, 0, 4096})
    void aSnapshotOfTheWrongSizeFailsTheOpen(int size) throws Exception {
        Future<ReplicatedRegion> opening = opening(OPTIONS);
        FakeSession home = accept();
        home.send(DsmWire.opened(0, new byte[size]));
        DsmProtocolException e = openFails(DsmProtocolException.class, opening);
        assertTrue(e.getMessage().contains("snapshot of " + size + " bytes"), e.getMessage());
        home.expectClosed();
    }

    static Stream<Arguments> notAnAnswerToOpen() {
        return Stream.of(
                Arguments.of("HEARTBEAT", DsmWire.signal(DsmWire.HEARTBEAT)),
                Arguments.of("GRANTED", DsmWire.versioned(DsmWire.GRANTED, 0)),
                Arguments.of("SYNCED", DsmWire.versioned(DsmWire.SYNCED, 0)),
                Arguments.of("UPDATE", updateOf(1, 0, (byte) 1)),
                Arguments.of("OPEN", DsmWire.open("r", SIZE)),
                Arguments.of("ACQUIRE", DsmWire.signal(DsmWire.ACQUIRE)),
                Arguments.of("unknown type 99", new byte[] {99, 0, 0}),
                Arguments.of("unknown type 0", new byte[] {0}),
                Arguments.of("an empty frame", new byte[0]),
                Arguments.of("an OPENED of a negative version", DsmWire.opened(-1, snapshot())),
                Arguments.of("an OPENED cut short", new byte[] {DsmWire.OPENED, 0, 0}),
                Arguments.of("a REFUSED of 1025 message bytes",
                        new DsmWireFuzzTest.Bytes().u8(DsmWire.REFUSED).u16(2).fill(1025, 'm').get()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notAnAnswerToOpen")
    void anAnswerToOpenOtherThanOpenedOrRefusedFailsTheOpen(String what, byte[] frame) throws Exception {
        Future<ReplicatedRegion> opening = opening(OPTIONS);
        FakeSession home = accept();
        home.send(frame);
        openFails(DsmProtocolException.class, opening);
        home.expectClosed();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 0, 77, 0xFFFF})
    void aRefusedOpenSaysWhy(int code) throws Exception {
        Future<ReplicatedRegion> opening = opening(OPTIONS);
        FakeSession home = accept();
        home.send(new DsmWireFuzzTest.Bytes().u8(DsmWire.REFUSED).u16(code).raw("not today".getBytes()).get());
        RegionRefusedException e = openFails(RegionRefusedException.class, opening);
        assertEquals(RegionRefusedException.Reason.of(code), e.reason());
        assertTrue(e.getMessage().contains("not today"), e.getMessage());
        home.expectClosed();
    }

    @Test
    void aHomeThatClosesAtOpenFailsItWithHomeLost() throws Exception {
        Future<ReplicatedRegion> opening = opening(OPTIONS);
        FakeSession home = accept();
        home.close();
        RegionHomeLostException e = openFails(RegionHomeLostException.class, opening);
        assertTrue(e.getMessage().contains("closed the connection"), e.getMessage());
    }

    @Test
    void aHomeThatNeverAnswersFailsTheOpenAfterTheConnectTimeout() throws Exception {
        Future<ReplicatedRegion> opening = opening(OPTIONS.withConnectTimeout(Duration.ofMillis(300)));
        FakeSession home = accept();
        RegionHomeLostException e = openFails(RegionHomeLostException.class, opening);
        assertTrue(e.getMessage().contains("no answer"), e.getMessage());
        home.expectClosed();
    }

    @Test
    void anAnswerAboveTheMaxFrameSizeFailsTheOpen() throws Exception {
        Future<ReplicatedRegion> opening = opening(OPTIONS);
        FakeSession home = accept();
        home.send(DsmWire.opened(0, new byte[4096 + 1000])); // above 4096 + 64
        RegionHomeLostException e = openFails(RegionHomeLostException.class, opening);
        assertTrue(e.getMessage().contains("frame header announces"), e.getMessage());
    }

    // ------------------------------------------------------------------ after open

    @ParameterizedTest
    @ValueSource(ints = {0, 14, 99, 255})
    void anUnknownFrameTypeFailsTheReplica(int type) throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        o.home().send(new byte[] {(byte) type, 1, 2, 3});
        assertLost(o, callers, snapshot(), "unknown frame type " + type);
    }

    @ParameterizedTest
    @ValueSource(longs = {VERSION + 1, VERSION, VERSION - 1, 0})
    void anUpdateWhoseVersionDoesNotIncreaseFailsTheReplica(long version) throws Exception {
        Open o = openReplica();
        byte[] expected = snapshot();
        long current = VERSION;
        if (version == VERSION + 1) { // a good update first: the next of the same version is the bad one
            o.home().send(updateOf(VERSION + 1, 10, (byte) 0x77));
            assertEquals(VERSION + 1, o.replica().awaitVersion(VERSION, WAIT));
            expected[10] = 0x77;
            current = VERSION + 1;
        }
        Callers callers = blockAll(o);
        o.home().send(updateOf(version, 11, (byte) 0x66));
        assertLost(o, callers, expected, "update to version " + version + " at version " + current);
    }

    static Stream<Arguments> outOfBoundsUpdates() {
        return Stream.of(
                Arguments.of("a range past the end", DsmWireFuzzTest.update(VERSION + 1, 1).range(SIZE - 2, 4, 1).get()),
                Arguments.of("a range at the end", DsmWireFuzzTest.update(VERSION + 1, 1).range(SIZE, 1, 1).get()),
                Arguments.of("offset + length wrapping 32 bits", DsmWireFuzzTest.update(VERSION + 1, 1)
                        .u32(0xFFFFFFFFL).u32(2).fill(2, 1).get()),
                Arguments.of("a length of 0xFFFFFFFF", DsmWireFuzzTest.update(VERSION + 1, 1).u32(0).u32(0xFFFFFFFFL)
                        .fill(8, 1).get()),
                Arguments.of("a count of 0xFFFFFFFF", DsmWireFuzzTest.update(VERSION + 1, 0xFFFFFFFFL).range(0, 4, 1).get()),
                Arguments.of("overlapping ranges", DsmWireFuzzTest.update(VERSION + 1, 2).range(0, 8, 1).range(4, 8, 2).get()),
                Arguments.of("a good range then one past the end", DsmWireFuzzTest.update(VERSION + 1, 2).range(0, 8, 1)
                        .range(SIZE - 1, 2, 2).get()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outOfBoundsUpdates")
    void anUpdateOutsideTheRegionFailsTheReplicaWithNothingApplied(String what, byte[] frame) throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        o.home().send(frame);
        assertLost(o, callers, snapshot(), "the home of region r");
    }

    static Stream<Arguments> unaskedAnswers() {
        // the callers blocked ask for something else
        return Stream.of(
                Arguments.of("GRANTED", DsmWire.versioned(DsmWire.GRANTED, VERSION), false, true),
                Arguments.of("RELEASED", DsmWire.versioned(DsmWire.RELEASED, VERSION), true, true),
                Arguments.of("SYNCED", DsmWire.versioned(DsmWire.SYNCED, VERSION), true, false),
                Arguments.of("KEPT", DsmWire.versioned(DsmWire.KEPT, VERSION), true, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaskedAnswers")
    void anAnswerNobodyAskedForFailsTheReplica(String what, byte[] frame, boolean writer, boolean syncer) throws Exception {
        Open o = openReplica();
        Callers callers = block(o, writer, syncer);
        o.home().send(frame);
        assertLost(o, callers, snapshot(), what + " that nothing asked for");
    }

    @Test
    void aSecondGrantWhileASectionIsOpenFailsTheReplicaAndTheSectionsClose() throws Exception {
        Open o = openReplica();
        ReplicatedRegion r = o.replica();
        CountDownLatch inSection = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Future<Void> writer = threads.submit(() -> {
            RegionWrite w = r.write();
            w.segment().set(JAVA_BYTE, 200, (byte) 0x11);
            inSection.countDown();
            proceed.await();
            RegionHomeLostException e = assertThrows(RegionHomeLostException.class, w::close);
            assertTrue(e.getMessage().contains("GRANTED that nothing asked for"), e.getMessage());
            return null;
        });
        assertEquals(new DsmWire.Signal(DsmWire.ACQUIRE), o.home().expect());
        o.home().send(DsmWire.versioned(DsmWire.GRANTED, VERSION));
        assertTrue(inSection.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        Callers callers = block(o, false, true);
        o.home().send(DsmWire.versioned(DsmWire.GRANTED, VERSION));
        for (Future<?> f : callers.blocked()) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(RegionHomeLostException.class, e.getCause());
        }
        proceed.countDown();
        writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // the section's bytes were never sent; what the replica holds is its own to keep
        byte[] last = r.lastSnapshot();
        assertEquals(SIZE, last.length);
        byte[] expected = snapshot();
        expected[200] = last[200];
        assertArrayEquals(expected, last);
        assertLost(r, last, "GRANTED that nothing asked for");
        o.home().expectClosed();
        r.close();
        assertThrows(ClosedException.class, r::lastSnapshot);
    }

    @Test
    void aRefusedAfterOpenFailsTheReplica() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        o.home().send(DsmWire.refused(RegionRefusedException.Reason.PROTOCOL, "go away"));
        assertLost(o, callers, snapshot(), "dropped this replica: go away");
    }

    @Test
    void aSecondSnapshotFailsTheReplica() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        byte[] other = new byte[SIZE];
        Arrays.fill(other, (byte) 0x42);
        o.home().send(DsmWire.opened(VERSION + 10, other));
        assertLost(o, callers, snapshot(), "a home does not send");
    }

    @Test
    void aFrameAboveTheMaxFrameSizeFailsTheReplica() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        byte[] huge = new byte[4096 + DsmWire.MAX_OVERHEAD + 1];
        huge[0] = DsmWire.UPDATE;
        o.home().send(huge);
        assertLost(o, callers, snapshot(), "frame header announces " + huge.length + " bytes");
    }

    @Test
    void aFrameHeaderAnnouncingExabytesFailsTheReplica() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        o.home().stopHeartbeats(); // raw bytes must not interleave with a heartbeat
        o.home().connection.write(ByteBuffer.allocate(8).putLong(0, Long.MAX_VALUE));
        assertLost(o, callers, snapshot(), "frame header announces");
    }

    @Test
    void aSilentHomeIsLostAfterThePeerTimeout() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        o.home().stopHeartbeats();
        assertLost(o, callers, snapshot(), "nothing heard from the home");
    }

    @Test
    void aFrameCutOffMidwayFailsTheReplica() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        o.home().stopHeartbeats();
        byte[] update = updateOf(VERSION + 1, 3, (byte) 3);
        ByteBuffer partial = ByteBuffer.allocate(8 + 10).putLong(update.length).put(update, 0, 10).flip();
        o.home().connection.write(partial);
        // the frame timeout or the silence, whichever the replica notices first: both its peer timeout
        assertLost(o, callers, snapshot(), null);
    }

    @Test
    void aHomeThatClosesTheConnectionIsLost() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o);
        o.home().close();
        assertLost(o, callers, snapshot(), "closed the connection");
    }

    /** The fake home speaks the protocol well until it falls silent: what the replica got before is in its last snapshot. */
    @Test
    void workDoneBeforeTheFailureIsInTheLastSnapshot() throws Exception {
        Open o = openReplica();
        ReplicatedRegion r = o.replica();
        byte[] expected = snapshot();
        for (int i = 1; i <= 3; i++) {
            o.home().send(updateOf(VERSION + i, 100 + i, (byte) (0x20 + i)));
            expected[100 + i] = (byte) (0x20 + i);
        }
        assertEquals(VERSION + 3, r.awaitVersion(VERSION + 2, WAIT));
        Future<Long> sync = threads.submit((Callable<Long>) r::sync);
        assertEquals(new DsmWire.Signal(DsmWire.SYNC), o.home().expect());
        o.home().send(DsmWire.versioned(DsmWire.SYNCED, VERSION + 3));
        assertEquals(VERSION + 3, sync.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        Future<Long> writer = threads.submit(() -> {
            try (RegionWrite w = r.write()) {
                w.segment().set(JAVA_BYTE, 0, (byte) 0x7E);
                w.close();
                return w.version();
            }
        });
        assertEquals(new DsmWire.Signal(DsmWire.ACQUIRE), o.home().expect());
        o.home().send(DsmWire.versioned(DsmWire.GRANTED, VERSION + 3));
        DsmWire.Release release = assertInstanceOf(DsmWire.Release.class, o.home().expect());
        assertEquals(1, release.diff().count());
        assertEquals(0, release.diff().offset(0));
        assertEquals(1, release.diff().length(0));
        o.home().send(DsmWire.versioned(DsmWire.RELEASED, VERSION + 4));
        assertEquals(VERSION + 4, writer.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        expected[0] = 0x7E;
        assertArrayEquals(expected, r.snapshot());
        Callers callers = blockAll(o);
        o.home().stopHeartbeats();
        assertLost(o, callers, expected, "nothing heard from the home");
    }

    // ------------------------------------------------------------------ kept locks (protocol 1.1)

    /** A section of its own in another thread: sets {@code at} to {@code value} and returns the section's version. */
    private Future<Long> section(ReplicatedRegion r, int at, byte value) {
        return threads.submit(() -> {
            try (RegionWrite w = r.write()) {
                w.segment().set(JAVA_BYTE, at, value);
                w.close();
                return w.version();
            }
        });
    }

    /** The replica asks for the lock, gets it, and ends its section (one byte changed) with the answer {@code answer}. */
    private void grantedSection(Open o, int at, byte value, long version, byte answer) throws Exception {
        Future<Long> writer = section(o.replica(), at, value);
        assertEquals(new DsmWire.Signal(DsmWire.ACQUIRE), o.home().expect());
        o.home().send(DsmWire.versioned(DsmWire.GRANTED, version - 1));
        DsmWire.Release release = assertInstanceOf(DsmWire.Release.class, o.home().expect());
        assertEquals(1, release.diff().count());
        o.home().send(DsmWire.versioned(answer, version));
        assertEquals(version, writer.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void aKeptLockOpensTheNextSectionsWithoutAskingAndAnUnchangedOneSendsNothing() throws Exception {
        Open o = openReplica();
        ReplicatedRegion r = o.replica();
        grantedSection(o, 10, (byte) 1, VERSION + 1, DsmWire.KEPT);
        for (int i = 2; i <= 4; i++) {
            Future<Long> writer = section(r, 10, (byte) i);
            // no ACQUIRE: the first frame is the section's RELEASE
            DsmWire.Release release = assertInstanceOf(DsmWire.Release.class, o.home().expect());
            assertEquals(10, release.diff().offset(0));
            o.home().send(DsmWire.versioned(DsmWire.KEPT, VERSION + i));
            assertEquals(VERSION + i, writer.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        try (RegionWrite w = r.write()) {
            assertEquals(4, w.segment().get(JAVA_BYTE, 10));
        }
        assertThrows(IllegalStateException.class, () -> r.update(s -> {
            s.set(JAVA_BYTE, 12, (byte) 3);
            throw new IllegalStateException("aborted");
        }));
        Future<Long> writer = section(r, 11, (byte) 9);
        // the unchanged and the aborted sections sent nothing: the next frame is this section's RELEASE
        DsmWire.Release release = assertInstanceOf(DsmWire.Release.class, o.home().expect());
        assertEquals(1, release.diff().count());
        assertEquals(11, release.diff().offset(0));
        o.home().send(DsmWire.versioned(DsmWire.KEPT, VERSION + 5));
        assertEquals(VERSION + 5, writer.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(snapshot()[12], r.snapshot()[12], "the aborted section was undone");
        Future<Long> sync = threads.submit((Callable<Long>) r::sync);
        assertEquals(new DsmWire.Signal(DsmWire.SYNC), o.home().expect());
        o.home().send(DsmWire.versioned(DsmWire.SYNCED, VERSION + 5));
        assertEquals(VERSION + 5, sync.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(VERSION + 5, r.version());
    }

    @Test
    void aRevokeOfAnIdleKeptLockIsAnsweredAtOnceAndTheNextSectionAsksAgain() throws Exception {
        Open o = openReplica();
        grantedSection(o, 10, (byte) 1, VERSION + 1, DsmWire.KEPT);
        o.home().send(DsmWire.signal(DsmWire.REVOKE));
        DsmWire.Release yielded = assertInstanceOf(DsmWire.Release.class, o.home().expect());
        assertTrue(yielded.diff().isEmpty());
        o.home().send(DsmWire.versioned(DsmWire.RELEASED, VERSION + 1));
        o.home().send(updateOf(VERSION + 2, 20, (byte) 0x42)); // another replica's section
        assertEquals(VERSION + 2, o.replica().awaitVersion(VERSION + 1, WAIT));
        grantedSection(o, 10, (byte) 2, VERSION + 3, DsmWire.RELEASED);
        assertEquals(0x42, o.replica().snapshot()[20]);
    }

    @ParameterizedTest(name = "section changes something: {0}")
    @ValueSource(booleans = {true, false})
    void aRevokeDuringASectionIsAnsweredByTheSectionsEndOnce(boolean changes) throws Exception {
        Open o = openReplica();
        ReplicatedRegion r = o.replica();
        grantedSection(o, 10, (byte) 1, VERSION + 1, DsmWire.KEPT);
        CountDownLatch inSection = new CountDownLatch(1);
        CountDownLatch revoked = new CountDownLatch(1);
        Future<Long> ending = threads.submit(() -> {
            RegionWrite w = r.write(); // kept: at once
            try {
                inSection.countDown();
                revoked.await();
                if (changes) {
                    w.segment().set(JAVA_BYTE, 12, (byte) 7);
                }
            } finally {
                w.close();
            }
            return w.version();
        });
        assertTrue(inSection.await(WAIT.toSeconds(), TimeUnit.SECONDS), "a kept lock opens a section at once");
        o.home().send(DsmWire.signal(DsmWire.REVOKE));
        revoked.countDown();
        // whether the REVOKE came during the section or after it: one RELEASE, its diff the section's
        DsmWire.Release release = assertInstanceOf(DsmWire.Release.class, o.home().expect());
        assertEquals(changes ? 1 : 0, release.diff().count());
        long version = changes ? VERSION + 2 : VERSION + 1;
        o.home().send(DsmWire.versioned(DsmWire.RELEASED, version));
        assertEquals(version, ending.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        // and nothing more: the next frame is the next request
        Future<Long> sync = threads.submit((Callable<Long>) r::sync);
        assertEquals(new DsmWire.Signal(DsmWire.SYNC), o.home().expect());
        o.home().send(DsmWire.versioned(DsmWire.SYNCED, version));
        assertEquals(version, sync.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        grantedSection(o, 10, (byte) 2, version + 1, DsmWire.RELEASED);
    }

    @Test
    void aRevokeOfALockTheReplicaDoesNotHaveFailsIt() throws Exception {
        Open o = openReplica();
        Callers callers = blockAll(o); // its ACQUIRE is queued: the lock is not its yet
        o.home().send(DsmWire.signal(DsmWire.REVOKE));
        assertLost(o, callers, snapshot(), "REVOKE of a lock this replica does not have");
    }

    @Test
    void aGrantWhileTheLockIsKeptFailsTheReplica() throws Exception {
        Open o = openReplica();
        grantedSection(o, 10, (byte) 1, VERSION + 1, DsmWire.KEPT);
        byte[] bytes = o.replica().snapshot();
        Callers callers = block(o, false, true);
        o.home().send(DsmWire.versioned(DsmWire.GRANTED, VERSION + 1));
        assertLost(o, callers, bytes, "GRANTED that nothing asked for");
    }
}
