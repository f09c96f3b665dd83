package io.jipc.mailbox;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The contract of {@link Mailbox}, in the spirit of the JSR-166 TCK's {@code BlockingQueueTest}:
 * every concrete subclass holds one part of the contract, and each of its tests runs against every
 * {@link MailboxConfig configuration} (single or many senders, every wait strategy) through
 * {@link ContractTest @ContractTest}.
 *
 * <p>Fixture: mailboxes made through {@link #create} and {@link #open} are closed and destroyed
 * after each test, whatever happened, so that the jipc root is empty when the class ends (the
 * {@link JipcTestExtension} fails the class otherwise).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS) // hang guard per test
abstract class MailboxContractTest {
    /** For calls that must time out: short, the outcome is the same whatever the machine's speed. */
    static final Duration SHORT = Duration.ofMillis(20);
    /** For timed calls that must succeed: long enough never to expire on a slow machine. */
    static final Duration LONG = Duration.ofSeconds(30);

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final List<Mailbox> handles = new ArrayList<>();
    private final Set<String> names = new LinkedHashSet<>();

    /** A fresh mailbox name; whatever bears it is destroyed after the test. */
    synchronized String newName() {
        String name = "contract-" + getClass().getSimpleName() + "-" + NAMES.incrementAndGet();
        names.add(name);
        return name;
    }

    /** Creates a mailbox of configuration {@code config} with small default sizes. */
    Mailbox create(MailboxConfig config) {
        return create(config, UnaryOperator.identity());
    }

    /** Creates a mailbox of configuration {@code config}, options refined by {@code tune}. */
    Mailbox create(MailboxConfig config, UnaryOperator<MailboxOptions.Builder> tune) {
        MailboxOptions options = tune.apply(config.options().capacityBytes(64 * 1024).maxMessageSize(4096)).build();
        return track(Mailbox.create(newName(), options));
    }

    /** Opens another handle of {@code mailbox}. */
    Mailbox open(Mailbox mailbox) {
        return track(Mailbox.open(mailbox.name()));
    }

    /** Registers a handle (and its name) for clean-up after the test; any thread may call it. */
    synchronized Mailbox track(Mailbox mailbox) {
        handles.add(mailbox);
        names.add(mailbox.name());
        return mailbox;
    }

    /** Registers a name for clean-up after the test. */
    synchronized String track(String name) {
        names.add(name);
        return name;
    }

    @AfterEach
    synchronized void closeAndDestroyEverything() {
        for (Mailbox handle : handles) {
            handle.close();
        }
        handles.clear();
        for (String name : names) {
            Mailbox.destroy(name);
        }
        names.clear();
    }

    // ------------------------------------------------------------------ messages

    /** A message of {@code length} bytes whose content depends on {@code seed} and on each position. */
    static byte[] message(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7 + (i >>> 8));
        }
        return bytes;
    }

    static void assertMessage(byte[] expected, byte[] actual) {
        assertNotNull(actual, () -> "no message, expected " + expected.length + " bytes");
        assertArrayEquals(expected, actual, () -> "message of " + expected.length + " bytes, got " + actual.length
                + " bytes: " + Arrays.toString(Arrays.copyOf(actual, Math.min(actual.length, 32))));
    }

    /** Bytes a message of {@code length} bytes takes in the ring, as documented in {@link MailboxOptions}. */
    static long recordLength(int length) {
        return (length + 16L + 15) & -16L;
    }

    /** Sends fixed-size messages until the mailbox is full; returns how many were sent. */
    static int fill(Mailbox mailbox, int length) {
        int count = 0;
        while (mailbox.offer(message(length, count))) {
            count++;
        }
        return count;
    }
}
