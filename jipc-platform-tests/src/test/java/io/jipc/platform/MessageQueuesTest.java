package io.jipc.platform;

import io.jipc.ErrnoException;
import io.jipc.testkit.TestQueues;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mq_* downcalls and the readiness of a queue descriptor, without the jipc-mq layer. */
class MessageQueuesTest {
    /** Written down by the test kit, so a killed test JVM's queue is unlinked by the next one. */
    private static final String NAME = TestQueues.name("jipc-test-platform");

    @Test
    void aNonBlockingDescriptorSendsReceivesAndSaysWhenItWouldBlock() {
        int mqd = MessageQueues.open(NAME, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NONBLOCK | Libc.O_CLOEXEC,
                0600, 2, 8);
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(MessageQueues.unlink(NAME));
            assertFalse(MessageQueues.unlink(NAME), "a second unlink finds nothing");
            MessageQueues.Attributes attributes = MessageQueues.attributes(mqd, NAME);
            assertEquals(2, attributes.maxMessages());
            assertEquals(8, attributes.messageSize());
            assertEquals(Libc.O_NONBLOCK, attributes.flags() & Libc.O_NONBLOCK);

            MemorySegment set = Readiness.pollSet(arena, 1);
            Readiness.set(set, 0, mqd, (short) (Readiness.POLLIN | Readiness.POLLOUT));
            assertEquals(1, Readiness.poll(set, 0, NAME));
            assertEquals(Readiness.POLLOUT, Readiness.ready(set, 0), "empty: writable, not readable");

            MemorySegment message = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 1, (byte) 2, (byte) 3);
            assertEquals(0, MessageQueues.send(mqd, message, 5, NAME));
            assertEquals(0, MessageQueues.send(mqd, message.asSlice(0, 1), 6, NAME));
            assertEquals(MessageQueues.WOULD_BLOCK, MessageQueues.send(mqd, message, 0, NAME), "full");
            assertEquals(1, Readiness.poll(set, 0, NAME));
            assertEquals(Readiness.POLLIN, Readiness.ready(set, 0), "full: readable, not writable");

            MemorySegment buffer = arena.allocate(8);
            MemorySegment priority = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(1, MessageQueues.receive(mqd, buffer, priority, NAME));
            assertEquals(6, priority.get(ValueLayout.JAVA_INT, 0));
            assertEquals(3, MessageQueues.receive(mqd, buffer, priority, NAME));
            assertArrayEquals(new byte[] {1, 2, 3}, buffer.asSlice(0, 3).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(MessageQueues.WOULD_BLOCK, MessageQueues.receive(mqd, buffer, priority, NAME), "empty");

            ErrnoException tooSmall = assertThrows(ErrnoException.class,
                    () -> MessageQueues.receive(mqd, buffer.asSlice(0, 4), priority, NAME));
            assertEquals("EMSGSIZE", tooSmall.errnoName(), "a buffer shorter than the message size");
        } finally {
            MessageQueues.close(mqd, NAME);
        }
    }

    @Test
    void failuresNameTheErrnoTheCallAndTheQueue() {
        ErrnoException missing = assertThrows(ErrnoException.class,
                () -> MessageQueues.open(NAME + "-missing", Libc.O_RDONLY, 0, 0, 0));
        assertEquals("ENOENT (No such file or directory) from mq_open of " + NAME + "-missing", missing.getMessage());
        ErrnoException invalid = assertThrows(ErrnoException.class,
                () -> MessageQueues.open(NAME + "-invalid", Libc.O_RDWR | Libc.O_CREAT, 0600, 1, -1));
        assertEquals(Errno.EINVAL, invalid.errno());
    }

    @Test
    void anEventDescriptorWakesAPollUntilReset() {
        int fd = Readiness.eventFd("test");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = Readiness.pollSet(arena, 1);
            Readiness.set(set, 0, fd, Readiness.POLLIN);
            assertEquals(0, Readiness.poll(set, 1_000_000, "test"), "times out while not signalled");
            Readiness.signal(fd, "test");
            Readiness.signal(fd, "test");
            assertEquals(1, Readiness.poll(set, -1, "test"));
            Readiness.reset(fd, "test");
            assertEquals(0, Readiness.poll(set, 0, "test"), "reset to zero by one read");
        } finally {
            Libc.close(fd);
        }
    }
}
