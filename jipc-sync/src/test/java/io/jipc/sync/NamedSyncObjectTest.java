package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.InsecureFileException;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Named objects: files under the jipc root, kinds, permissions, lifetime, and the file layout. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NamedSyncObjectTest {

    @Test
    void createOpenDestroy(Path root) throws InterruptedException {
        try (ProcessMutex created = ProcessMutex.create("m")) {
            assertTrue(Files.isRegularFile(root.resolve("sync/m")));
            assertThrows(SyncObjectExistsException.class, () -> ProcessMutex.create("m"));
            assertThrows(SyncObjectExistsException.class, () -> ProcessSemaphore.create("m", 1),
                    "names are shared by every kind");
            assertThrows(IllegalArgumentException.class, () -> ProcessSemaphore.create("never", 0),
                    "tracked without permits: nobody could acquire or release");
            assertFalse(Files.exists(root.resolve("sync/never")));
            created.lock();
            try (ProcessMutex opened = ProcessMutex.open("m")) {
                assertEquals(Acquisition.NOT_ACQUIRED, opened.tryLock());
                created.unlock();
                assertEquals(Acquisition.ACQUIRED, opened.tryLock());
                opened.unlock();
            }
            assertTrue(ProcessMutex.destroy("m"));
            assertFalse(ProcessMutex.destroy("m"));
            assertThrows(SyncObjectNotFoundException.class, () -> ProcessMutex.open("m"));
            assertEquals(Acquisition.ACQUIRED, created.tryLock(), "an open handle outlives the name");
            created.unlock();
        }
    }

    /**
     * Open, destroy and exists refuse a {@code sync/} directory open to others, as create does, and
     * remove nothing (until 2026-12-06 only create checked it).
     */
    @Test
    void aSyncDirectoryOpenToOthersIsRefused(Path root) throws Exception {
        ProcessMutex.create("guarded").close();
        Path dir = root.resolve("sync");
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            assertThrows(InsecureFileException.class, () -> ProcessMutex.open("guarded"));
            assertThrows(InsecureFileException.class, () -> SyncObjects.open("guarded"));
            assertThrows(InsecureFileException.class, () -> SyncObjects.exists("guarded"));
            assertThrows(InsecureFileException.class, () -> ProcessMutex.destroy("guarded"));
            assertTrue(Files.exists(dir.resolve("guarded")), "the refused destroy removed nothing");
        } finally {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        assertTrue(ProcessMutex.destroy("guarded"));
    }

    /** A slot length in the header too short for the kind is a damaged file, not a caller's mistake. */
    @Test
    void aSlotLengthTooShortForItsKindIsADamagedFile(Path root) throws Exception {
        ProcessMutex.create("short-mutex").close();
        ProcessSemaphore.create("short-semaphore", 1).close();
        for (String name : new String[] {"short-mutex", "short-semaphore"}) {
            try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(root.resolve("sync").resolve(name),
                    java.nio.file.StandardOpenOption.WRITE)) {
                file.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, 8),
                        SyncFileDescriptor.SLOT_LENGTH_OFFSET);
            }
        }
        CorruptSegmentException mutex = assertThrows(CorruptSegmentException.class, () -> ProcessMutex.open("short-mutex"));
        assertTrue(mutex.getMessage().contains("short-mutex"), mutex.getMessage());
        assertThrows(CorruptSegmentException.class, () -> ProcessSemaphore.open("short-semaphore"));
        assertTrue(ProcessMutex.destroy("short-mutex"));
        assertTrue(ProcessSemaphore.destroy("short-semaphore"));
    }

    @Test
    void eachKindOpensOnlyItself() {
        ProcessSemaphore.create("s", 2).close();
        ProcessCondition.create("c").close();
        ProcessBarrier.create("b", 2).close();
        try (ProcessSemaphore semaphore = ProcessSemaphore.open("s");
             ProcessBarrier barrier = ProcessBarrier.open("b");
             ProcessCondition ignored = ProcessCondition.open("c")) {
            assertEquals(2, semaphore.availablePermits());
            assertEquals(ProcessSemaphore.DEFAULT_HOLDER_ENTRIES, semaphore.holderEntries());
            assertEquals(2, barrier.parties());
        }
        CorruptSegmentException wrong = assertThrows(CorruptSegmentException.class, () -> ProcessMutex.open("s"));
        assertTrue(wrong.getMessage().contains("SEMA"), wrong.getMessage());
        assertThrows(CorruptSegmentException.class, () -> ProcessBarrier.open("c"));
        assertTrue(ProcessSemaphore.destroy("s"));
        assertTrue(ProcessCondition.destroy("c"));
        assertTrue(ProcessBarrier.destroy("b"));
    }

    @Test
    void permissionsAndNamesAreChecked() {
        ProcessMutex.create("shared", 0660).close();
        assertThrows(InsecureFileException.class, () -> ProcessMutex.open("shared"));
        ProcessMutex.open("shared", 0660).close();
        assertTrue(ProcessMutex.destroy("shared"));
        assertThrows(IllegalArgumentException.class, () -> ProcessMutex.create("../escape"));
        assertThrows(IllegalArgumentException.class, () -> ProcessMutex.create(""));
        // permission bits only: no set-id or sticky bit (-1 made a file of mode 07777), and nothing is created
        for (int bad : new int[] {-1, 04777, 01600, 01000}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessMutex.create("odd", bad));
            assertTrue(e.getMessage().contains("within 0777"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ProcessSemaphore.create("odd", 1, 16, bad));
            e = assertThrows(IllegalArgumentException.class, () -> ProcessMutex.open("odd", bad));
            assertTrue(e.getMessage().contains("0 to 0777"), e.getMessage());
        }
        assertFalse(SyncObjects.exists("odd"), "nothing was created");
    }

    /**
     * A create refused for its arguments makes nothing, not even the jipc root and its {@code sync/}
     * directory. Until 2026-12-07 {@code ProcessSemaphore.create(null, 1)} made both before it threw.
     */
    @Test
    void aCreateRefusedForItsArgumentsMakesNoDirectory(Path root) {
        Path fresh = root.resolve("fresh-root");
        String previous = System.getProperty(JipcRoot.PROPERTY);
        System.setProperty(JipcRoot.PROPERTY, fresh.toString());
        try {
            assertThrows(NullPointerException.class, () -> ProcessSemaphore.create(null, 1));
            assertThrows(IllegalArgumentException.class, () -> ProcessMutex.create(".."));
            assertThrows(IllegalArgumentException.class, () -> ProcessCondition.create("c", 0400));
            assertThrows(IllegalArgumentException.class, () -> ProcessBarrier.create("b", 2, -1));
            assertFalse(Files.exists(fresh), "a refused create made " + fresh);
        } finally {
            System.setProperty(JipcRoot.PROPERTY, previous);
        }
    }

    /** As a mailbox's: permissions without the owner's read and write would lock the creator's own user out. */
    @Test
    void everyKindIsCreatedOnlyWithPermissionsThatIncludeTheOwnersReadAndWrite() {
        for (int bad : new int[] {0, 0400, 0200, 0066, 0577}) {
            for (Executable create : new Executable[] {
                    () -> ProcessMutex.create("locked-out", bad),
                    () -> ProcessSemaphore.create("locked-out", 1, 0, bad),
                    () -> ProcessCondition.create("locked-out", bad),
                    () -> ProcessCountDownLatch.create("locked-out", 1, bad),
                    () -> ProcessBarrier.create("locked-out", 2, bad)}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, create);
                assertEquals("permissions must be within 0777 and include 0600: 0" + Integer.toOctalString(bad),
                        e.getMessage());
                assertFalse(SyncObjects.exists("locked-out"), "nothing was created");
            }
        }
        ProcessMutex.create("owner-only", 0600).close();
        assertTrue(ProcessMutex.destroy("owner-only"));
    }

    @Test
    void closeEndsTheWaitsOfOtherThreads() throws Exception {
        try (ProcessMutex holder = ProcessMutex.create("held")) {
            holder.lock();
            ProcessMutex waiting = ProcessMutex.open("held");
            ProcessBarrier barrier = ProcessBarrier.create("barrier", 2);
            AtomicReference<Throwable> mutexWaiter = new AtomicReference<>();
            AtomicReference<Throwable> barrierWaiter = new AtomicReference<>();
            Thread first = Thread.ofPlatform().start(() -> mutexWaiter.set(failureOf(waiting::lock)));
            Thread second = Thread.ofPlatform().start(() -> barrierWaiter.set(failureOf(barrier::await)));
            while (barrier.arrived() == 0) {
                Thread.sleep(5);
            }
            Thread.sleep(200); // both are asleep by now, most likely; if not, they find the handle closed
            waiting.close();
            barrier.close();
            first.join(TimeUnit.SECONDS.toMillis(30));
            second.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(mutexWaiter.get() instanceof ClosedException, String.valueOf(mutexWaiter.get()));
            assertTrue(barrierWaiter.get() instanceof ClosedException, String.valueOf(barrierWaiter.get()));
            assertTrue(mutexWaiter.get().getMessage().startsWith("mutex 'held': handle "), mutexWaiter.get().getMessage());
            assertTrue(barrierWaiter.get().getMessage().startsWith("barrier 'barrier': handle "),
                    barrierWaiter.get().getMessage());
            ClosedException later = assertThrows(ClosedException.class, waiting::lock);
            assertEquals("mutex 'held': handle is closed", later.getMessage());
            holder.unlock();
        } finally {
            ProcessMutex.destroy("held");
            ProcessBarrier.destroy("barrier");
        }
    }

    private interface Call {
        Object call() throws Exception;
    }

    private static Throwable failureOf(Call call) {
        try {
            call.call();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @Test
    void theInitialPermitsAndCountStayAsFormattedWhateverTheObjectGoesThrough() throws InterruptedException {
        try (ProcessSemaphore semaphore = ProcessSemaphore.create("s", 3, 0, 0600);
             ProcessCountDownLatch latch = ProcessCountDownLatch.create("l", 2)) {
            semaphore.acquire();
            semaphore.release(4);
            latch.countDown();
            assertEquals(6, semaphore.availablePermits());
            assertEquals(3, semaphore.initialPermits());
            assertEquals(1, latch.count());
            assertEquals(2, latch.initialCount());
            assertTrue(semaphore.toString().contains("6 of 3 available"), semaphore.toString());
            assertTrue(latch.toString().contains("count 1 of 2"), latch.toString());
        } finally {
            ProcessSemaphore.destroy("s");
            ProcessCountDownLatch.destroy("l");
        }
    }

    @Test
    void closingAConditionWhileAThreadAwaitsEndsItsWaitWithTheMutexHeldAgain() throws Exception {
        ProcessCondition.create("cv").close();
        try (ProcessMutex mutex = ProcessMutex.create("cv-lock");
             ProcessCondition closing = ProcessCondition.open("cv");
             ProcessCondition observer = ProcessCondition.open("cv")) {
            AtomicReference<Throwable> ended = new AtomicReference<>();
            AtomicBoolean heldAfter = new AtomicBoolean();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    mutex.lock();
                    closing.await(mutex);
                } catch (Throwable e) {
                    ended.set(e);
                } finally {
                    heldAfter.set(mutex.isHeldByCurrentThread());
                    if (heldAfter.get()) {
                        mutex.unlock();
                    }
                }
            });
            while (!observer.toString().contains(" 1 sleeper]")) {
                Thread.sleep(1);
            }
            closing.close();
            waiter.join();
            assertTrue(ended.get() instanceof ClosedException, String.valueOf(ended.get()));
            assertTrue(heldAfter.get(), "await holds the mutex again, also when its handle was closed");
            assertTrue(observer.toString().contains(" 0 sleepers"), observer.toString());
        } finally {
            ProcessCondition.destroy("cv");
            ProcessMutex.destroy("cv-lock");
        }
    }

    /**
     * Damage found in a named object, when it is opened or later, is reported with the object's file
     * path; in a caller's slot (no file) without a memory address.
     */
    @Test
    void damageInANamedObjectIsReportedWithItsFile(Path root) throws Exception {
        Path mutex = root.resolve("sync/tag");
        ProcessMutex.create("tag").close();
        write(mutex, SyncFileDescriptor.SLOT_OFFSET + Slots.TAG_OFFSET, 4, 0x3f3f3f3f);
        CorruptSegmentException tag = assertThrows(CorruptSegmentException.class, () -> ProcessMutex.open("tag"));
        assertEquals(mutex + ": the slot holds no mutex (tag '????', expected 'MUTX')", tag.getMessage());

        Path barrier = root.resolve("sync/parties");
        ProcessBarrier.create("parties", 2).close();
        write(barrier, SyncFileDescriptor.SLOT_OFFSET + ProcessBarrier.PARTIES_OFFSET, 4, 0);
        CorruptSegmentException parties = assertThrows(CorruptSegmentException.class,
                () -> ProcessBarrier.open("parties"));
        assertEquals(barrier + ": barrier slot says it has 0 parties", parties.getMessage());

        Path semaphore = root.resolve("sync/count");
        try (ProcessSemaphore permits = ProcessSemaphore.create("count", 1)) {
            write(semaphore, SyncFileDescriptor.SLOT_OFFSET + ProcessSemaphore.STATE_OFFSET, 8, -5);
            CorruptSegmentException count = assertThrows(CorruptSegmentException.class, permits::tryAcquire);
            assertTrue(count.getMessage().startsWith(semaphore + ": semaphore state has count -5 "), count.getMessage());
        }

        Path unknown = root.resolve("sync/kind");
        ProcessMutex.create("kind").close();
        write(unknown, SyncFileDescriptor.KIND_OFFSET, 4, 0x3f3f3f3f);
        CorruptSegmentException kind = assertThrows(CorruptSegmentException.class, () -> SyncObjects.open("kind", 0600));
        assertEquals("'kind' (" + unknown + ") is an object of unknown kind ????", kind.getMessage());

        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment slot = arena.allocate(ProcessMutex.SLOT_LENGTH, 64);
            CorruptSegmentException zeroes = assertThrows(CorruptSegmentException.class, () -> ProcessMutex.in(slot));
            assertEquals("the slot holds no mutex (not formatted)", zeroes.getMessage());
        }
        for (String name : new String[] {"tag", "parties", "count", "kind"}) {
            SyncObjects.destroy(name);
        }
    }

    private static void write(Path file, long offset, int bytes, long value) throws java.io.IOException {
        io.jipc.testkit.FileBytes.write(file, offset, bytes, value);
    }

    @Test
    void layoutMatchesTheConstants() {
        assertEquals(SyncFileDescriptor.KIND_OFFSET, offset("kind"));
        assertEquals(SyncFileDescriptor.SLOT_LENGTH_OFFSET, offset("slotLength"));
        assertEquals(SyncFileDescriptor.SLOT_OFFSET_OFFSET, offset("slotOffset"));
        assertEquals(SyncFileDescriptor.PERMISSIONS_OFFSET, offset("permissions"));
        assertEquals(SyncFileDescriptor.SLOT_OFFSET, SyncFileDescriptor.LAYOUT.byteSize());
        assertEquals(SegmentHeaderDescriptor.LENGTH, offset("header") + SegmentHeaderDescriptor.LAYOUT.byteSize());
        assertEquals(0, SyncFileDescriptor.SLOT_OFFSET % 64, "the slot starts on a cache line");
    }

    private static long offset(String field) {
        return SyncFileDescriptor.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
