package io.jipc.mq;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a refused creation is explained, for each limit, with and without CAP_SYS_RESOURCE. */
class MqLimitsTest {
    private static final MqLimits USER = new MqLimits(10, 8192, 256, 10, 8192, 819200, false);
    private static final MqLimits ADMIN = new MqLimits(10, 8192, 256, 10, 8192, 819200, true);

    private static ErrnoException errno(int errno) {
        return Errno.exception(errno, "mq_open", "/q");
    }

    @Test
    void theCurrentLimitsAreReadFromProc() {
        MqLimits limits = MqLimits.current();
        assertTrue(limits.maxMessages() >= 1 && limits.maxMessageSize() >= 128 && limits.maxQueues() >= 0, limits.toString());
        assertTrue(limits.userBytes() > 0, limits.toString());
        assertEquals(limits.defaults(), MqAttributes.kernelDefaults());
    }

    /** As {@code mqueue_get_inode()}: a default queue gets each default capped at its maximum, privileged or not. */
    @Test
    void theDefaultsAreCappedAtTheMaxima() {
        assertEquals(MqAttributes.of(10, 8192), USER.defaults());
        assertEquals(MqAttributes.of(5, 4096), new MqLimits(5, 4096, 256, 10, 8192, 819200, false).defaults());
        assertEquals(MqAttributes.of(5, 8192), new MqLimits(5, 16384, 256, 10, 8192, 819200, true).defaults());
        assertEquals(MqAttributes.of(3, 100), new MqLimits(20, 8192, 256, 3, 100, 819200, false).defaults());
    }

    @Test
    void tooManyMessagesNamesMsgMaxOrTheHardCeiling() {
        ErrnoException cause = errno(Errno.EINVAL);
        MqLimitException user = USER.explain("/q", MqAttributes.of(11, 100), cause);
        assertEquals("cannot create POSIX message queue /q: 11 messages asked, more than fs.mqueue.msg_max = 10 "
                + "(/proc/sys/fs/mqueue/msg_max; a process with CAP_SYS_RESOURCE in the initial user namespace "
                + "may ask up to 65536)", user.getMessage());
        assertEquals("fs.mqueue.msg_max", user.limit());
        assertEquals(11, user.asked());
        assertEquals(10, user.allowed());
        assertSame(cause, user.getCause());

        MqLimitException admin = ADMIN.explain("/q", MqAttributes.of(65537, 100), cause);
        assertEquals("HARD_MSGMAX", admin.limit());
        assertTrue(admin.getMessage().contains("65537 messages asked, more than the kernel's ceiling of 65536"),
                admin.getMessage());
        assertNull(ADMIN.explain("/q", MqAttributes.of(11, 100), cause), "not a limit: EINVAL for another reason");
    }

    @Test
    void tooLongMessagesNameMsgsizeMax() {
        MqLimitException e = USER.explain("/q", MqAttributes.of(1, 8193), errno(Errno.EINVAL));
        assertEquals("fs.mqueue.msgsize_max", e.limit());
        assertTrue(e.getMessage().contains("messages of 8193 bytes asked, more than fs.mqueue.msgsize_max = 8192"),
                e.getMessage());
        assertEquals("HARD_MSGSIZEMAX", ADMIN.explain("/q", MqAttributes.of(1, (16 << 20) + 1), errno(Errno.EINVAL)).limit());
    }

    @Test
    void anExhaustedUserAllowanceNamesRlimitMsgqueueWithWhatTheQueueNeeds() {
        MqLimitException alone = USER.explain("/q", MqAttributes.of(10, 100_000), errno(Errno.EMFILE));
        assertEquals("RLIMIT_MSGQUEUE", alone.limit());
        assertEquals(MqLimits.accountedBytes(10, 100_000), alone.asked());
        assertTrue(alone.getMessage().contains("this queue alone needs 1000960 bytes, more than RLIMIT_MSGQUEUE = 819200 bytes"),
                alone.getMessage());
        MqLimitException shared = USER.explain("/q", MqAttributes.of(10, 8192), errno(Errno.EMFILE));
        assertTrue(shared.getMessage().contains("this queue needs 82880 bytes, which with the user's other queues is"
                + " more than RLIMIT_MSGQUEUE = 819200 bytes (or the process has too many open descriptors)"),
                shared.getMessage());
        MqLimits unlimited = new MqLimits(10, 8192, 256, 10, 8192, Long.MAX_VALUE, false);
        assertNull(unlimited.explain("/q", MqAttributes.of(10, 8192), errno(Errno.EMFILE)), "then EMFILE is descriptors");
    }

    @Test
    void tooManyQueuesNamesQueuesMax() {
        MqLimitException e = USER.explain("/q", MqAttributes.of(1, 1), errno(Errno.ENOSPC));
        assertEquals("fs.mqueue.queues_max", e.limit());
        assertTrue(e.getMessage().contains("fs.mqueue.queues_max = 256 queues exist already"), e.getMessage());
        assertNull(ADMIN.explain("/q", MqAttributes.of(1, 1), errno(Errno.ENOSPC)));
    }

    @Test
    void theAccountingMatchesTheKernels() {
        // measured with ulimit -q: 10 x 4096 fits in 41920 bytes and not in 41919; 10 x 8192 in 82880
        assertEquals(41920, MqLimits.accountedBytes(10, 4096));
        assertEquals(82880, MqLimits.accountedBytes(10, 8192));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void attributesBelowOneAreRefused(int value) {
        assertTrue(assertThrowsIllegal(() -> MqAttributes.of(value, 1)).contains("maxMessages"));
        assertTrue(assertThrowsIllegal(() -> MqAttributes.of(1, value)).contains("maxMessageSize"));
    }

    private static String assertThrowsIllegal(Runnable r) {
        return org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}
