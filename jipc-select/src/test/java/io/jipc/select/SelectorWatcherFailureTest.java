package io.jipc.select;

import io.jipc.ErrnoException;
import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.platform.Errno;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The mailbox watcher's thread fails (its {@code futex_waitv} fails with {@code ENOSYS}, injected
 * as the watcher's sleep once it is armed with the doorbells, that is once a select sleeps): the
 * select asleep then ends with a {@link JipcException} whose cause is that failure, and so does every
 * later select. Until 2026-12-06 the watcher's thread died silently and the select slept for ever
 * although nobody watched the mailbox.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SelectorWatcherFailureTest {
    /** The hang guard of a select that must end; nothing else about its duration is asserted. */
    private static final Duration GUARD = Duration.ofSeconds(60);

    private final String name = "watcher-failure-" + UUID.randomUUID().toString().substring(0, 8);
    private final Mailbox mailbox = Mailbox.create(name);
    /** The injected failure, thrown by the watcher's first sleep on the doorbells. */
    private final ErrnoException failure = Errno.exception(Errno.ENOSYS, "futex_waitv", "an injected failure");
    /** Sleeps as in production on the watcher's own word alone, and fails once armed with a doorbell. */
    private final Selector selector = Selector.open((addresses, expected) -> {
        if (addresses.length > 1) {
            throw failure;
        }
        DoorbellWatcher.FUTEX_WAITV.await(addresses, expected);
    });

    @AfterEach
    void cleanUp() {
        selector.close(); // ends a select still blocked (without the fix), with ClosedException
        Mailbox.destroy(name);
        mailbox.close();
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void aSelectAsleepWhenTheWatcherFailsThrowsItsFailureAndSoDoLaterSelects(boolean virtual) {
        selector.register(mailbox, Selector.OP_READ);
        Throwable thrown = assertTimeoutPreemptively(GUARD, () -> selectOn(virtual).join());
        JipcException e = assertInstanceOf(JipcException.class, thrown);
        assertSame(failure, e.getCause());
        assertEquals(Errno.ENOSYS, ((ErrnoException) e.getCause()).errno());

        assertSame(failure, assertThrows(JipcException.class, () -> selector.select(Duration.ofMinutes(5))).getCause());
        assertSame(failure, assertThrows(JipcException.class, selector::selectNow).getCause());
    }

    /** Runs {@code select()} (no timeout) on a new thread; the future holds what it threw, or null if it returned. */
    private CompletableFuture<Throwable> selectOn(boolean virtual) {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Runnable select = () -> {
            try {
                selector.select();
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        };
        if (virtual) {
            Thread.ofVirtual().start(select);
        } else {
            Thread.ofPlatform().daemon().start(select);
        }
        return thrown;
    }
}
