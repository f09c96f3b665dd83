package io.jipc.segment;

import io.jipc.platform.FileIdentity;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jipc.segment.SegmentHeaderDescriptor.VERSION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link SharedSegment#condemn} against {@link SharedSegment#tryPublish}: exactly one of the two
 * wins, whichever comes first. A condemned file is removed and its creator's publish fails; a file
 * published first is left and opens; an empty file (its creator not yet past {@code open(2)}) is
 * condemned too; a file that is no longer the one found is left alone; an opener refuses a
 * condemned file at once, without waiting out its ready timeout. (Between processes, with a
 * creator stopped in its window: {@code UnboundedSlowCreatorTest} in jipc-core-process-tests.)
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedSegmentCondemnTest {
    private static final long MAGIC = SegmentChild.MAGIC;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** Longer than the class timeout: an open that waited it out would fail the test. */
    private static final Duration LONG_READY_TIMEOUT = Duration.ofMinutes(5);

    private Path path;

    @BeforeEach
    void paths() {
        path = JipcRoot.directory("segment").resolve("c-" + UUID.randomUUID());
    }

    @AfterEach
    void remove() {
        SharedSegment.unlink(path);
    }

    @Test
    void aFileCondemnedBeforeItsCreatorPublishesIsRemovedAndThePublishFails() {
        try (SharedSegment created = SharedSegment.create(path, MAGIC, 4096, 0600)) {
            assertTrue(SharedSegment.condemn(path, FileIdentity.of(path), 0600));
            assertFalse(Files.exists(path), "removed");
            assertFalse(created.tryPublish(1, 0), "the creator's publish loses");
            assertEquals(SegmentHeaderDescriptor.CONDEMNED, created.version());
        }
    }

    @Test
    void aFilePublishedBeforeTheCondemnationIsLeftAndOpens() {
        try (SharedSegment created = SharedSegment.create(path, MAGIC, 4096, 0600)) {
            assertTrue(created.tryPublish(1, 0));
            assertFalse(SharedSegment.condemn(path, FileIdentity.of(path), 0600), "ready: left to be used");
            try (SharedSegment opened = SharedSegment.open(path, MAGIC, 1, 0600, Duration.ofSeconds(1))) {
                assertEquals(SegmentHeaderDescriptor.version(1, 0), opened.version());
            }
            assertThrows(IllegalStateException.class, () -> created.tryPublish(1, 0), "published once");
        }
    }

    @Test
    void anEmptyFileIsCondemnedToo() throws IOException {
        // what a creator leaves between its open(2) and sizing the file: empty, mode of the umask
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0400);
        try {
            assertTrue(SharedSegment.condemn(path, FileIdentity.of(path), 0600));
            assertFalse(Files.exists(path), "removed");
            FileStatus status = Libc.fstat(fd, path.toString());
            assertEquals(SegmentHeaderDescriptor.LENGTH, status.size(), "given a header to hold the word");
            assertEquals(0600, status.permissions(), "the mode its creator would have given it first");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aFileThatIsNoLongerTheOneFoundIsLeftAlone() {
        Object found;
        try (SharedSegment first = SharedSegment.create(path, MAGIC, 4096, 0600)) {
            found = FileIdentity.of(path);
            SharedSegment.unlink(path);
            try (SharedSegment second = SharedSegment.create(path, MAGIC, 4096, 0600)) {
                assertTrue(SharedSegment.condemn(path, found, 0600), "not the file found: nothing to use");
                assertTrue(Files.exists(path), "another file: left alone");
                assertTrue(second.tryPublish(1, 0), "and not condemned");
            }
        }
    }

    /**
     * An opener that mapped the file while a condemner had given it only the header's length (the
     * creator stopped before it sized the file) and then sees the creator's publish, which came
     * before the condemner's compare-and-set, maps the file again at its full length: it is not
     * damaged. Until 2026-12-06 the open failed ("says it is 4096 bytes long but is 128"), and an
     * unbounded mailbox's sender then removed the file as damaged after its creator had linked it in.
     */
    @Test
    void anOpenerThatMappedTheFileAtTheCondemnersLengthTakesItAtItsFullLengthOnceItsCreatorPublishedIt()
            throws Exception {
        String name = path.toString();
        // the creator, stopped right after its exclusive open(2)
        int fd = Libc.open(name, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0400);
        try (Arena arena = Arena.ofConfined()) {
            // a condemner's first step (SharedSegment.condemn, until fault point before-condemned)
            Libc.fchmod(fd, 0600, name);
            Libc.allocate(fd, SegmentHeaderDescriptor.LENGTH, name);
            CompletableFuture<SharedSegment> opener = CompletableFuture.supplyAsync(
                    () -> SharedSegment.open(path, MAGIC, 1, 0600, LONG_READY_TIMEOUT));
            awaitMapped(opener);
            // the creator goes on: sizes the file, writes its header, publishes before the condemner
            Libc.fchmod(fd, 0600, name);
            Libc.allocate(fd, 4096, name);
            MemorySegment memory = Libc.mapShared(fd, 4096, true, true, arena, name);
            memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.MAGIC_OFFSET, MAGIC);
            memory.set(ValueLayout.JAVA_INT, SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET, SegmentHeaderDescriptor.LENGTH);
            memory.set(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, 4096L);
            assertEquals(0, (int) INT.compareAndExchange(memory, (long) VERSION_OFFSET, 0,
                    SegmentHeaderDescriptor.version(1, 0)), "published first");
            try (SharedSegment opened = opener.get(30, TimeUnit.SECONDS)) { // hang guard
                assertEquals(4096, opened.memory().byteSize(), "mapped again at the file's length");
                assertEquals(SegmentHeaderDescriptor.version(1, 0), opened.version());
            }
            assertFalse(SharedSegment.condemn(path, FileIdentity.of(path), 0600), "ready: the condemner leaves it");
        } finally {
            Libc.close(fd);
        }
    }

    /** Waits until this process maps {@link #path} (the opener's first mapping), or the opener ended. */
    private void awaitMapped(CompletableFuture<SharedSegment> opener) throws Exception {
        while (!opener.isDone() && Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .noneMatch(line -> line.endsWith(" " + path))) {
            Thread.sleep(1);
        }
        if (opener.isDone()) {
            opener.join().close();
            fail("the open returned before the file was ready");
        }
    }

    @Test
    void anOpenerRefusesACondemnedFileWithoutWaitingForIt() {
        try (SharedSegment created = SharedSegment.create(path, MAGIC, 4096, 0600)) {
            // condemned, its condemner gone before the unlink
            created.memory().set(ValueLayout.JAVA_INT, VERSION_OFFSET, SegmentHeaderDescriptor.CONDEMNED);
            SegmentNotReadyException refused = assertThrows(SegmentNotReadyException.class,
                    () -> SharedSegment.open(path, MAGIC, 1, 0600, LONG_READY_TIMEOUT));
            assertTrue(refused.getMessage().contains("condemned"), refused.getMessage());
            assertTrue(SharedSegment.condemn(path, FileIdentity.of(path), 0600), "condemned before: removed now");
            assertFalse(Files.exists(path));
        }
    }
}
