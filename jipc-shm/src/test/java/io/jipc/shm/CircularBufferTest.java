package io.jipc.shm;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The circular buffer within one process: verbs, limits, blocking, and many threads on each side. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CircularBufferTest {

    private static byte[] item(int size, long value) {
        byte[] bytes = new byte[size];
        MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        return bytes;
    }

    private static long value(byte[] item) {
        return MemorySegment.ofArray(item).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    @Test
    void itemsComeOutInOrderAndTheBufferHoldsExactlyItsCapacity() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("fifo", 12, 4)) {
            assertNull(buffer.poll());
            for (int i = 0; i < 4; i++) {
                assertTrue(buffer.offer(item(12, i)));
            }
            assertFalse(buffer.offer(item(12, 99)), "full");
            assertFalse(buffer.offer(item(12, 99), Duration.ofMillis(20)));
            assertEquals(4, buffer.size());
            for (int lap = 0; lap < 10; lap++) {
                assertEquals(lap, value(buffer.take()));
                buffer.put(item(12, lap + 4));
            }
            for (int i = 10; i < 14; i++) {
                assertEquals(i, value(buffer.poll()));
            }
            assertNull(buffer.poll(Duration.ofMillis(20)));
            assertEquals(14, buffer.putCount());
            assertEquals(14, buffer.takeCount());
        } finally {
            CircularBuffer.destroy("fifo");
        }
    }

    @Test
    void aTimeoutOfCenturiesIsNoDeadlineNotAnOverflow() throws Exception {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        try (CircularBuffer buffer = CircularBuffer.create("centuries", 8, 2)) {
            CompletableFuture<byte[]> waiting = CompletableFuture.supplyAsync(() -> { // usually waits: empty
                try {
                    return buffer.poll(forever);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(buffer.offer(new byte[8], forever));
            assertNotNull(waiting.get(1, TimeUnit.MINUTES));
            assertTrue(buffer.offer(new byte[8], forever));
            assertTrue(buffer.offer(new byte[8], forever));
            CompletableFuture<Boolean> full = CompletableFuture.supplyAsync(() -> { // usually waits: full
                try {
                    return buffer.offer(new byte[8], forever);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertNotNull(buffer.poll(forever));
            assertTrue(full.get(1, TimeUnit.MINUTES));
        } finally {
            CircularBuffer.destroy("centuries");
        }
    }

    @Test
    void aBufferOpenedByNameSharesItems() throws Exception {
        try (CircularBuffer a = CircularBuffer.create("named", 8, 8);
             CircularBuffer b = CircularBuffer.open("named")) {
            a.put(item(8, 5));
            assertEquals(5, value(b.take()));
            assertEquals(8, b.capacity());
            assertEquals(8, b.itemSize());
        } finally {
            CircularBuffer.destroy("named");
        }
    }

    /**
     * unlink() removes the buffer's own name only: not a buffer created under the name since (a
     * shutdown hook that destroyed by name removed a second consumer's live buffer, shm63
     * explorer); creator() names the process that made it.
     */
    @Test
    void unlinkRemovesTheBuffersOwnNameOnlyAndCreatorNamesItsMaker() throws Exception {
        try (CircularBuffer first = CircularBuffer.create("own", 8, 8)) {
            assertEquals(io.jipc.platform.ProcessIdentity.current(), first.creator());
            assertTrue(CircularBuffer.destroy("own"));
            try (CircularBuffer second = CircularBuffer.create("own", 8, 8);
                 CircularBuffer opened = CircularBuffer.open("own")) {
                assertFalse(first.unlink(), "another buffer under the name since");
                assertTrue(SharedRegion.exists("own"));
                assertEquals(second.creator(), opened.creator());
                opened.close();
                assertTrue(opened.unlink(), "an opener removes the buffer it opened, also once closed");
                assertFalse(SharedRegion.exists("own"));
                assertFalse(second.unlink(), "gone already");
            }
        } finally {
            CircularBuffer.destroy("own");
        }
        try (AnonymousRegion region = AnonymousRegion.create(4096);
             CircularBuffer inRegion = CircularBuffer.format(region, 8, 8)) {
            assertFalse(inRegion.unlink(), "a buffer in a region it was given has no name of its own");
        }
    }

    /**
     * A buffer's file has a jipc header, so its opener checks the mode as the other openers of such
     * files do: a 0600 buffer made 0666 behind its back is refused, one created 0666 opens with
     * {@code open(name, 0666)} only.
     */
    @Test
    void aBufferWhoseFileHasOtherPermissionBitsIsRefused() throws Exception {
        try (CircularBuffer a = CircularBuffer.create("chmod", 8, 4)) {
            java.nio.file.Files.setPosixFilePermissions(SharedRegion.path("chmod"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            io.jipc.InsecureFileException e = assertThrows(io.jipc.InsecureFileException.class,
                    () -> CircularBuffer.open("chmod"));
            assertEquals("refusing " + SharedRegion.path("chmod") + ": mode 0666, expected 0600", e.getMessage());
        } finally {
            CircularBuffer.destroy("chmod");
        }
        try (CircularBuffer a = CircularBuffer.create("shared", 8, 4, 0666);
             CircularBuffer b = CircularBuffer.open("shared", 0666)) {
            a.put(item(8, 7));
            assertEquals(7, value(b.take()));
            assertThrows(io.jipc.InsecureFileException.class, () -> CircularBuffer.open("shared"));
            assertThrows(io.jipc.InsecureFileException.class, () -> CircularBuffer.open("shared", 0660));
        } finally {
            CircularBuffer.destroy("shared");
        }
    }

    /**
     * Permissions an opener expects must be permission bits (0 to 0777), as a mailbox's and a
     * synchronization object's open require: anything else is an IllegalArgumentException before the
     * region is looked at, for a buffer that exists and one that does not. Until 2026-12-07 the value
     * was compared with the file's mode: InsecureFileException "mode 0600, expected 037777777777" for
     * -1, RegionNotFoundException for a missing buffer.
     */
    @Test
    void thePermissionsAnOpenerExpectsMustBePermissionBits() throws Exception {
        try (CircularBuffer existing = CircularBuffer.create("expects", 8, 4)) {
            for (int bad : new int[] {-1, 01000, 04600, 01000000, Integer.MIN_VALUE}) {
                String expected = "permissions must be permission bits (0 to 0777): 0" + Integer.toOctalString(bad);
                for (String name : List.of("expects", "never-made")) {
                    assertEquals(expected, assertThrows(IllegalArgumentException.class,
                            () -> CircularBuffer.open(name, bad).close(), name).getMessage());
                }
            }
            CircularBuffer.open("expects", 0600).close(); // the bits it was made with still open it
        } finally {
            CircularBuffer.destroy("expects");
        }
    }

    @Test
    void wrongItemsAndConfigurationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CircularBuffer.create("bad", 8, 3));
        assertThrows(IllegalArgumentException.class, () -> CircularBuffer.create("bad", 8, 1));
        assertThrows(IllegalArgumentException.class, () -> CircularBuffer.create("bad", 0, 4));
        assertThrows(IllegalArgumentException.class, () -> CircularBuffer.create("bad", (1 << 20) + 1, 4));
        assertFalse(SharedRegion.exists("bad"));
        try (CircularBuffer buffer = CircularBuffer.create("sizes", 8, 4)) {
            assertThrows(IllegalArgumentException.class, () -> buffer.offer(new byte[7]));
            assertThrows(IllegalArgumentException.class, () -> buffer.offer(new byte[9]));
            assertThrows(IllegalArgumentException.class, () -> buffer.poll(MemorySegment.ofArray(new byte[4])));
            assertTrue(buffer.offer(new byte[8]));
            MemorySegment larger = MemorySegment.ofArray(new byte[16]);
            assertTrue(buffer.poll(larger), "a larger destination takes the item in its first bytes");
            // a read-only destination is the JDK's ReadOnlyBufferException, as Mailbox.poll(ByteBuffer) gives
            assertTrue(buffer.offer(new byte[8]));
            MemorySegment readOnly = MemorySegment.ofArray(new byte[8]).asReadOnly();
            assertThrows(ReadOnlyBufferException.class, () -> buffer.poll(readOnly));
            assertThrows(ReadOnlyBufferException.class, () -> buffer.take(readOnly));
            assertThrows(ReadOnlyBufferException.class, () -> buffer.poll(readOnly, Duration.ZERO));
            assertEquals(1, buffer.size(), "a read-only destination took nothing");
            assertTrue(buffer.poll(larger));
            // a null timeout is refused also when the call need not wait (it was taken then)
            assertTrue(buffer.offer(new byte[8]));
            assertThrows(NullPointerException.class, () -> buffer.poll((Duration) null));
            assertThrows(NullPointerException.class, () -> buffer.offer(new byte[8], null));
            assertEquals(1, buffer.size(), "nothing taken or put by the refused calls");
        } finally {
            CircularBuffer.destroy("sizes");
        }
    }

    /** Segments the calling thread cannot copy with: confined to another thread, or of closed arenas. */
    private static List<MemorySegment> inaccessibleSegments(int size) throws Exception {
        List<MemorySegment> segments = new ArrayList<>();
        segments.add(CompletableFuture.supplyAsync(() -> Arena.ofConfined().allocate(size)).get()); // another thread's
        Arena closed = Arena.ofConfined();
        segments.add(closed.allocate(size));
        Arena shared = Arena.ofShared();
        ByteBuffer freed = shared.allocate(size).asByteBuffer(); // a direct buffer whose memory is freed
        segments.add(MemorySegment.ofBuffer(freed));
        closed.close();
        shared.close();
        return segments;
    }

    /**
     * A put or take with a segment the copy would refuse (another thread's confined arena, a closed
     * arena, a direct ByteBuffer of a closed arena) is refused before it claims a position: nothing
     * is put or taken, no item is lost and the buffer goes on. Until 2026-12-06 the copy threw after
     * the claim: a bad put stopped every consumer at its slot for good, a bad take lost the item and
     * stopped the producers a lap later.
     */
    @Test
    void aSegmentTheCopyWouldRefuseIsRefusedBeforeAnythingIsClaimed() throws Exception {
        for (MemorySegment bad : inaccessibleSegments(8)) {
            try (CircularBuffer buffer = CircularBuffer.create("badseg", 8, 4)) {
                Class<? extends RuntimeException> expected = bad.scope().isAlive()
                        ? WrongThreadException.class : IllegalStateException.class;
                // puts, the buffer empty and then full (a blocked put checks again on every retry)
                for (int full = 0; full < 2; full++) {
                    assertThrows(expected, () -> buffer.offer(bad));
                    assertThrows(expected, () -> buffer.offer(bad, Duration.ofMillis(20)));
                    assertThrows(expected, () -> buffer.put(bad));
                    assertEquals(full * 4L, buffer.putCount(), "nothing put: " + bad);
                    for (int i = 0; full == 0 && i < 4; i++) {
                        assertTrue(buffer.offer(item(8, i)));
                    }
                }
                // takes, the buffer full and then empty
                for (int empty = 0; empty < 2; empty++) {
                    assertThrows(expected, () -> buffer.poll(bad));
                    assertThrows(expected, () -> buffer.poll(bad, Duration.ofMillis(20)));
                    assertThrows(expected, () -> buffer.take(bad));
                    assertEquals(empty * 4L, buffer.takeCount(), "nothing taken: " + bad);
                    for (int i = 0; empty == 0 && i < 4; i++) {
                        assertEquals(i, value(buffer.poll()), "no item lost, none out of order");
                    }
                }
                // a whole lap more, through every slot: neither side stops
                for (int i = 0; i < 4; i++) {
                    assertTrue(buffer.offer(item(8, 10 + i)));
                }
                assertFalse(buffer.offer(item(8, 99)), "exactly the capacity");
                for (int i = 0; i < 4; i++) {
                    assertEquals(10 + i, value(buffer.poll(Duration.ofSeconds(30))));
                }
                assertNull(buffer.poll());
                assertEquals(0, buffer.size());
            } finally {
                CircularBuffer.destroy("badseg");
            }
        }
    }

    @Test
    void aRegionThatIsNotABufferIsRefused() {
        try (SharedRegion raw = SharedRegion.create("raw", 4096)) {
            raw.setLong(0, 0x1234);
            raw.setIntRelease(8, 0x10000);
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> CircularBuffer.open("raw"));
            assertTrue(e.getMessage().contains("not a circular buffer"), e.getMessage());
            raw.setIntRelease(8, 0); // not ready yet, by a foreign magic: refused at once all the same
            e = assertThrows(CorruptSegmentException.class, () -> CircularBuffer.open("raw"));
            assertTrue(e.getMessage().contains("not a circular buffer"), e.getMessage());
            raw.setLong(0, 0); // all zero: waited for, then no creator to name (was "pid 0")
            e = assertThrows(CorruptSegmentException.class, () -> CircularBuffer.open("raw"));
            assertTrue(e.getMessage().contains("none recorded: it may be no circular buffer"), e.getMessage());
        } finally {
            SharedRegion.unlink("raw");
        }
        try (SharedRegion tiny = SharedRegion.create("tiny", 100)) {
            assertThrows(CorruptSegmentException.class, () -> CircularBuffer.attach(tiny));
            assertThrows(IllegalArgumentException.class, () -> CircularBuffer.format(tiny, 8, 4));
        } finally {
            SharedRegion.unlink("tiny");
        }
    }

    @Test
    void aBufferFormattedInAnAnonymousRegionWorks() throws Exception {
        try (AnonymousRegion region = AnonymousRegion.create(CircularBuffer.requiredBytes(8, 16));
             CircularBuffer buffer = CircularBuffer.format(region, 8, 16);
             CircularBuffer other = CircularBuffer.attach(region)) {
            buffer.put(item(8, 3));
            assertEquals(3, value(other.take()));
        }
    }

    @Test
    void aBlockedTakeWakesForAnItemAndABlockedPutForRoom() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("blocking", 8, 2)) {
            CompletableFuture<byte[]> taker = async(buffer::take);
            Thread.sleep(100);
            assertFalse(taker.isDone());
            buffer.put(item(8, 7));
            assertEquals(7, value(taker.get(60, TimeUnit.SECONDS)));
            buffer.put(item(8, 1));
            buffer.put(item(8, 2));
            CompletableFuture<byte[]> putter = async(() -> {
                buffer.put(item(8, 3));
                return new byte[0];
            });
            Thread.sleep(100);
            assertFalse(putter.isDone());
            assertEquals(1, value(buffer.take()));
            putter.get(60, TimeUnit.SECONDS);
            assertEquals(2, value(buffer.take()));
            assertEquals(3, value(buffer.take()));
        } finally {
            CircularBuffer.destroy("blocking");
        }
    }

    @Test
    void closeEndsABlockedTakeAndInterruptEndsAnother() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("close", 8, 2)) {
            Thread[] thread = new Thread[1];
            CompletableFuture<byte[]> interrupted = async(() -> {
                thread[0] = Thread.currentThread();
                return buffer.take();
            });
            CompletableFuture<byte[]> closed = async(buffer::take);
            Thread.sleep(100);
            thread[0].interrupt();
            ExecutionException e = assertThrows(ExecutionException.class, () -> interrupted.get(60, TimeUnit.SECONDS));
            assertInstanceOf(InterruptedException.class, e.getCause());
            buffer.close();
            e = assertThrows(ExecutionException.class, () -> closed.get(60, TimeUnit.SECONDS));
            assertInstanceOf(ClosedException.class, e.getCause());
            assertThrows(ClosedException.class, () -> buffer.offer(new byte[8]));
            assertThrows(ClosedException.class, buffer::size); // was: IllegalStateException "Already closed"
            assertThrows(ClosedException.class, buffer::putCount);
            assertThrows(ClosedException.class, buffer::takeCount);
        } finally {
            CircularBuffer.destroy("close");
        }
    }

    /**
     * A handle closed while its threads put and take at full speed, many times: each put or take
     * that close overtook either completed or changed nothing, so the buffer goes on for the other
     * handles, and every item put is taken exactly once. (Unmapping between a claim and its
     * publication left a position claimed forever: consumers, then producers, stopped at it.)
     */
    @Test
    void closingAHandleWhileItsThreadsPutAndTakeNeverWedgesTheBuffer() throws Exception {
        int capacity = 8;
        for (int round = 0; round < 200; round++) {
            String name = "wedge-" + round;
            try (CircularBuffer other = CircularBuffer.create(name, 8, capacity)) {
                CircularBuffer closing = CircularBuffer.open(name);
                List<Long> taken = java.util.Collections.synchronizedList(new ArrayList<>());
                long[] put = new long[1];
                CompletableFuture<Void> producer = async(() -> {
                    try {
                        for (long next = 0; ; ) {
                            if (closing.offer(item(8, next))) {
                                put[0] = ++next;
                            }
                        }
                    } catch (ClosedException expected) {
                        return null;
                    }
                });
                CompletableFuture<Void> consumer = async(() -> {
                    try {
                        while (true) {
                            byte[] item = closing.poll();
                            if (item != null) {
                                taken.add(value(item));
                            }
                        }
                    } catch (ClosedException expected) {
                        return null;
                    }
                });
                Thread.sleep(1 + round % 3);
                closing.close();
                producer.get(60, TimeUnit.SECONDS);
                consumer.get(60, TimeUnit.SECONDS);
                for (byte[] item; (item = other.poll(Duration.ofMillis(50))) != null; ) {
                    taken.add(value(item));
                }
                List<Long> expected = java.util.stream.LongStream.range(0, put[0]).boxed().toList();
                assertEquals(expected, taken.stream().sorted().toList(), "round " + round + ": every item once");
                try (CircularBuffer again = CircularBuffer.open(name)) { // two laps through every slot
                    for (long i = 0; i < 2 * capacity; i++) {
                        assertTrue(again.offer(item(8, i), Duration.ofSeconds(5)), "round " + round + ": room for " + i);
                        byte[] item = other.poll(Duration.ofSeconds(5));
                        assertNotNull(item, "round " + round + ": item " + i + " came through");
                        assertEquals(i, value(item));
                    }
                }
            } finally {
                CircularBuffer.destroy(name);
            }
        }
    }

    @Test
    void anItemAvailableAtOnceIsTakenEvenByAnInterruptedThread() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("interrupted", 8, 2)) {
            buffer.put(item(8, 4));
            Thread.currentThread().interrupt();
            try {
                assertEquals(4, value(buffer.take()));
            } finally {
                assertTrue(Thread.interrupted());
            }
        } finally {
            CircularBuffer.destroy("interrupted");
        }
    }

    /**
     * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") with the
     * status set before the call: a timed or blocking call that cannot complete at once throws and
     * clears it, also with a zero or negative timeout; one that can completes and keeps it; the
     * at-once verbs never look at it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void anInterruptedThreadThrowsOnlyWhenTheCallCannotCompleteAtOnce(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (CircularBuffer buffer = CircularBuffer.create("interrupt-rule", 8, 2)) {
            throwsInterrupted(() -> buffer.poll(timeout));
            throwsInterrupted(() -> buffer.poll(MemorySegment.ofArray(new byte[8]), timeout));
            throwsInterrupted(buffer::take);
            assertNull(completesInterrupted(buffer::poll));
            assertTrue(completesInterrupted(() -> buffer.offer(item(8, 1), timeout)));
            completesInterrupted(() -> {
                buffer.put(item(8, 2));
                return null;
            });
            throwsInterrupted(() -> buffer.offer(item(8, 3), timeout));
            throwsInterrupted(() -> {
                buffer.put(item(8, 3));
                return null;
            });
            assertFalse(completesInterrupted(() -> buffer.offer(item(8, 3))));
            assertEquals(1, value(completesInterrupted(() -> buffer.poll(timeout))));
            assertEquals(2, value(completesInterrupted(buffer::take)));
            assertNull(buffer.poll(), "nothing was put by the interrupted calls");
        } finally {
            Thread.interrupted();
            CircularBuffer.destroy("interrupt-rule");
        }
    }


    /**
     * An attach waiting for a formatter when its region closes ends with ClosedException naming the
     * region; until 2026-12-06 the region unmapped under the wait and the JDK's bare "Already closed"
     * came out. The close comes once the attaching thread is seen waiting (running its yield loop).
     */
    @Test
    void anAttachWaitingForAFormatterWhenItsRegionClosesEndsWithClosedException() throws Exception {
        AnonymousRegion region = AnonymousRegion.create(64 * 1024);
        CompletableFuture<Throwable> attached = new CompletableFuture<>();
        Thread attacher = Thread.ofPlatform().daemon().start(() -> {
            try {
                CircularBuffer.attach(region).close();
                attached.complete(null);
            } catch (Throwable t) {
                attached.complete(t);
            }
        });
        while (!inAwaitReady(attacher) && !attached.isDone()) {
            Thread.onSpinWait();
        }
        region.close();
        Throwable t = attached.get(60, TimeUnit.SECONDS); // a hang guard only
        assertInstanceOf(ClosedException.class, t);
        assertTrue(t.getMessage().contains(region.toString()), t.getMessage());
    }

    private static boolean inAwaitReady(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getMethodName().equals("awaitReady")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Closing the region of a {@link CircularBuffer#format formatted} buffer while a thread waits in
     * {@code take} (or {@code put}) closes the buffer first: the wait ends with ClosedException, on a
     * platform thread too. Until 2026-12-06 the region unmapped at once under the sleeper, whose
     * futex wait on the vanished page no close or interrupt could end (a virtual thread got out).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void closingTheRegionFirstEndsBlockedTakesAndPutsWithClosedException(boolean virtual) throws Exception {
        Thread.Builder builder = virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
        AnonymousRegion region = AnonymousRegion.create(64 * 1024);
        CircularBuffer empty = CircularBuffer.format(region, 8, 2);
        CompletableFuture<Throwable> taken = blockedCall(builder, empty::take);
        region.close();
        assertInstanceOf(ClosedException.class, taken.get(60, TimeUnit.SECONDS)); // a hang guard only
        assertTrue(empty.isClosed(), "the region's close closed the buffer");
        assertFalse(region.isOpen());
        assertThrows(ClosedException.class, () -> empty.offer(new byte[8]));
        assertThrows(IllegalStateException.class, () -> CircularBuffer.attach(region)); // as any access
        empty.close(); // after the region's: nothing more to do

        AnonymousRegion second = AnonymousRegion.create(64 * 1024);
        CircularBuffer full = CircularBuffer.format(second, 8, 2);
        full.put(new byte[8]);
        full.put(new byte[8]);
        CompletableFuture<Throwable> put = blockedCall(builder, () -> {
            full.put(new byte[8]);
            return null;
        });
        second.close();
        assertInstanceOf(ClosedException.class, put.get(60, TimeUnit.SECONDS));
    }

    /** Starts {@code call} on a new thread and gives it time to go to sleep in it (the test passes either way). */
    private static CompletableFuture<Throwable> blockedCall(Thread.Builder builder,
            java.util.concurrent.Callable<?> call) throws InterruptedException {
        CompletableFuture<Throwable> end = new CompletableFuture<>();
        builder.start(() -> {
            try {
                call.call();
                end.complete(null);
            } catch (Throwable t) {
                end.complete(t);
            }
        });
        Thread.sleep(300);
        assertFalse(end.isDone(), "the call waits");
        return end;
    }

    /** Producer and consumer threads, platform and virtual, on a small buffer: every item exactly once. */
    @ParameterizedTest
    @CsvSource({"1, 1, 2, false", "4, 1, 4, false", "1, 4, 4, false", "4, 4, 8, false", "3, 3, 2, true"})
    void manyThreadsOnEachSideTakeEveryItemExactlyOnce(int producers, int consumers, int capacity, boolean virtual)
            throws Exception {
        // virtual threads that sleep hand their futex waits to watcher threads: slower, fewer items
        int perProducer = virtual ? 5_000 : 50_000;
        AtomicIntegerArray seen = new AtomicIntegerArray(producers * perProducer);
        try (CircularBuffer buffer = CircularBuffer.create("threads", 16, capacity)) {
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread.Builder builder = virtual ? Thread.ofVirtual() : Thread.ofPlatform();
            for (int p = 0; p < producers; p++) {
                long producer = p;
                threads.add(builder.start(() -> run(failures, () -> {
                    MemorySegment item = MemorySegment.ofArray(new byte[16]);
                    for (long i = 0; i < perProducer; i++) {
                        item.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, producer);
                        item.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, i);
                        buffer.put(item);
                    }
                })));
            }
            List<Thread> consumerThreads = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                consumerThreads.add(builder.start(() -> run(failures, () -> {
                    MemorySegment item = MemorySegment.ofArray(new byte[16]);
                    long[] last = new long[producers];
                    java.util.Arrays.fill(last, -1);
                    while (true) {
                        buffer.take(item);
                        int producer = (int) item.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                        long sequence = item.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
                        if (producer < 0) {
                            return;
                        }
                        if (sequence <= last[producer]) {
                            throw new AssertionError("producer " + producer + ": " + sequence + " after " + last[producer]);
                        }
                        last[producer] = sequence;
                        seen.incrementAndGet((int) (producer * perProducer + sequence));
                    }
                })));
            }
            for (Thread t : threads) {
                t.join();
            }
            for (int c = 0; c < consumers; c++) {
                buffer.put(item(16, -1));
            }
            for (Thread t : consumerThreads) {
                t.join();
            }
            assertEquals(List.of(), failures);
            for (int i = 0; i < seen.length(); i++) {
                if (seen.get(i) != 1) {
                    throw new AssertionError("item " + i + " taken " + seen.get(i) + " times");
                }
            }
        } finally {
            CircularBuffer.destroy("threads");
        }
    }

    @Test
    void theLayoutConstantsMatchTheMemoryLayout() {
        var layout = CircularBufferDescriptor.LAYOUT;
        assertEquals(CircularBufferDescriptor.SLOTS_OFFSET, layout.byteSize());
        assertEquals(CircularBufferDescriptor.ITEM_SIZE_OFFSET, offset("itemSize"));
        assertEquals(CircularBufferDescriptor.CAPACITY_OFFSET, offset("capacity"));
        assertEquals(CircularBufferDescriptor.STRIDE_OFFSET, offset("stride"));
        assertEquals(CircularBufferDescriptor.ENQUEUE_POSITION_OFFSET, offset("enqueuePosition"));
        assertEquals(CircularBufferDescriptor.DEQUEUE_POSITION_OFFSET, offset("dequeuePosition"));
        assertEquals(CircularBufferDescriptor.NOT_EMPTY_SIGNAL_OFFSET, offset("notEmptySignal"));
        assertEquals(CircularBufferDescriptor.CONSUMERS_ASLEEP_OFFSET, offset("consumersAsleep"));
        assertEquals(CircularBufferDescriptor.NOT_FULL_SIGNAL_OFFSET, offset("notFullSignal"));
        assertEquals(CircularBufferDescriptor.PRODUCERS_ASLEEP_OFFSET, offset("producersAsleep"));
        assertArrayEquals(new int[] {16, 16, 24}, new int[] {CircularBufferDescriptor.stride(1),
                CircularBufferDescriptor.stride(8), CircularBufferDescriptor.stride(9)});
    }

    private static long offset(String field) {
        return CircularBufferDescriptor.LAYOUT.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(field));
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private static void run(List<Throwable> failures, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> CompletableFuture<T> async(Call<T> call) {
        CompletableFuture<T> future = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                future.complete(call.call());
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        return future;
    }
}
