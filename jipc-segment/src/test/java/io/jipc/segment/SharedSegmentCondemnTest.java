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
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.jipc.segment.SegmentHeaderDescriptor.VERSION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
