package io.jipc.sync;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.CorruptSegmentException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A handle attached to a semaphore (or barrier) slot whose bytes were written by something hostile
 * or broken must either work or throw {@link CorruptSegmentException} (or the documented
 * {@link HolderTableFullException}): never another exception, never a read outside the slot, never
 * a hang. The holder table, the pending field and the records are what another process writes and
 * this one decodes. (The mutations call {@code release()} only after a {@code tryAcquire()} that
 * took a permit: a hostile pending field may name an entry of a live process, e.g. this one's, and
 * a tracked release then waits for that change, as documented, however long;
 * {@link #changePendingOnAFreeEntryIsCorruption} calls every verb on a change that can never
 * complete.)
 *
 * <p>{@link #hostileSemaphore(byte[])} is a Jazzer fuzz target: {@code mvn test} runs it on its
 * seed inputs; {@code JAZZER_FUZZ=1 mvn -pl jipc-sync -am test -Dtest=HostileSemaphoreFuzzTest}
 * fuzzes it for real. {@link #mutatedSemaphores(long)} runs the same check on random mutations of
 * valid, used semaphores in every build.
 */
@ExtendWith(JipcTestExtension.class)
class HostileSemaphoreFuzzTest {
    private static final int HOLDERS = 4;
    private static final int LENGTH = (int) ProcessSemaphore.slotLength(HOLDERS);

    @FuzzTest(maxDuration = "60s")
    void hostileSemaphore(byte[] input) {
        check(input, input.length > 0 && (input[0] & 1) == 0);
    }

    static LongStream seeds() {
        return LongStream.range(0, 2000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedSemaphores(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = validSemaphore(random);
        int mutations = 1 + random.nextInt(6);
        MemorySegment view = MemorySegment.ofArray(bytes);
        for (int i = 0; i < mutations; i++) {
            int at = random.nextInt(LENGTH);
            switch (random.nextInt(3)) {
                case 0 -> bytes[at] = (byte) random.nextInt();
                case 1 -> {
                    int[] nasty = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 1, HOLDERS, HOLDERS + 1, 4097};
                    view.set(ValueLayout.JAVA_INT_UNALIGNED, Math.min(at & ~3, LENGTH - 4),
                            nasty[random.nextInt(nasty.length)]);
                }
                default -> {
                    long[] nasty = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L, 1L << 32, (long) (HOLDERS + 1) << 32,
                            1L << 40 | 7};
                    view.set(ValueLayout.JAVA_LONG_UNALIGNED, Math.min(at & ~7, LENGTH - 8),
                            nasty[random.nextInt(nasty.length)]);
                }
            }
        }
        check(bytes, random.nextBoolean());
    }

    @Test
    void pendingEntryOutsideTheTableIsCorruption() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(LENGTH, 64);
            ProcessSemaphore.format(slot, 1, HOLDERS);
            slot.set(ValueLayout.JAVA_LONG, ProcessSemaphore.STATE_OFFSET, (long) (HOLDERS + 1) << 32 | 1);
            assertThrows(CorruptSegmentException.class, ProcessSemaphore.in(slot)::tryAcquire);
        }
    }

    /**
     * A change pending on a free holder entry (token 0) can never complete: nobody holds the entry,
     * so nobody clears the pending field, and it is no dead process's to roll forward. Every verb
     * that meets it reports the corruption, naming the object; none waits for ever (the timeouts
     * are hang guards: a release used to spin on it without end).
     */
    @Test
    void changePendingOnAFreeEntryIsCorruption(Path root) throws Exception {
        // not closed by a finally: after a failed hang guard the verb may still run, holding the handle's lock
        ProcessSemaphore semaphore = ProcessSemaphore.create("hostile", 2, HOLDERS, 0600);
        try {
            semaphore.acquire(); // entry 0 holds 1
            // another process's write: a change pending on entry HOLDERS - 1, which is free
            try (FileChannel file = FileChannel.open(root.resolve("sync/hostile"), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                ByteBuffer state = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
                long at = SyncFileDescriptor.SLOT_OFFSET + ProcessSemaphore.STATE_OFFSET;
                assertEquals(8, file.read(state, at));
                state.putLong(0, (long) HOLDERS << 32 | (int) state.getLong(0)).rewind();
                assertEquals(8, file.write(state, at));
            }
            for (Executable verb : List.<Executable>of(semaphore::release, semaphore::tryAcquire,
                    () -> semaphore.tryAcquire(Duration.ofSeconds(30)), semaphore::acquire)) {
                CorruptSegmentException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> assertThrows(CorruptSegmentException.class, verb));
                assertTrue(e.getMessage().startsWith(root.resolve("sync/hostile") + ": "), e.getMessage());
                assertTrue(e.getMessage().contains("pending on holder entry " + (HOLDERS - 1) + ", which is free"),
                        e.getMessage());
            }
            assertEquals(1, semaphore.heldPermits(), "nothing was released");
            semaphore.close();
        } finally {
            ProcessSemaphore.destroy("hostile");
        }
    }

    @Test
    void negativeHeldPermitsAreCorruption() throws InterruptedException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(LENGTH, 64);
            ProcessSemaphore.format(slot, 2, HOLDERS);
            ProcessSemaphore semaphore = ProcessSemaphore.in(slot);
            semaphore.acquire();
            slot.set(ValueLayout.JAVA_INT, ProcessSemaphore.ENTRIES_OFFSET + ProcessSemaphore.ENTRY_RECORD_OFFSET, -5);
            assertThrows(CorruptSegmentException.class, semaphore::release);
        }
    }

    /** A semaphore that was used by a few handles, as bytes. */
    private static byte[] validSemaphore(SplittableRandom random) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(LENGTH, 64);
            ProcessSemaphore.format(slot, 1 + random.nextInt(5), HOLDERS);
            for (int h = 0; h < 1 + random.nextInt(HOLDERS); h++) {
                ProcessSemaphore handle = ProcessSemaphore.in(slot);
                for (int i = random.nextInt(3); i > 0; i--) {
                    handle.tryAcquire();
                }
            }
            // entries of processes that are gone: a pid that cannot exist
            for (int e = 0; e < HOLDERS; e++) {
                if (random.nextBoolean()) {
                    slot.set(ValueLayout.JAVA_LONG, ProcessSemaphore.ENTRIES_OFFSET + (long) ProcessSemaphore.ENTRY_LENGTH * e,
                            (0x7FFF_FFF0L + e) << 32 | random.nextInt(1000));
                }
            }
            return slot.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Attaches to {@code bytes} (with a valid tag and table size if {@code keepHeader}) and uses it. */
    private static void check(byte[] bytes, boolean keepHeader) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(LENGTH, 64);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, slot, 0, Math.min(bytes.length, LENGTH));
            if (keepHeader) {
                slot.set(ValueLayout.JAVA_INT, 0, ProcessSemaphore.TAG);
                slot.set(ValueLayout.JAVA_INT, ProcessSemaphore.HOLDER_ENTRIES_OFFSET, HOLDERS);
            }
            ProcessSemaphore semaphore;
            try {
                semaphore = ProcessSemaphore.in(slot);
            } catch (CorruptSegmentException expected) {
                return;
            }
            try {
                for (int i = 0; i < 3; i++) {
                    semaphore.availablePermits();
                    if (semaphore.tryAcquire().acquired()) {
                        semaphore.release();
                    }
                }
            } catch (CorruptSegmentException | HolderTableFullException expected) {
                // reported, not followed
            } catch (IllegalStateException overflow) {
                if (!overflow.getMessage().contains("would exceed")) {
                    throw overflow;
                }
            }
        }
    }
}
