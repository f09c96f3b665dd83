package io.jipc.mailbox;

import io.jipc.WaitStrategy;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * One mailbox configuration of the contract matrix: single or many senders, and a wait strategy.
 * Everything else (capacity, maximum size) is chosen by each test.
 */
record MailboxConfig(boolean singleSender, WaitStrategy waitStrategy) {

    /** Every configuration: {single, many senders} x every wait strategy. */
    static Stream<MailboxConfig> all() {
        return Stream.of(true, false).flatMap(single -> Arrays.stream(WaitStrategy.values())
                .map(strategy -> new MailboxConfig(single, strategy)));
    }

    /** Options of this configuration, to be refined by the test. */
    MailboxOptions.Builder options() {
        return MailboxOptions.builder().singleSender(singleSender).waitStrategy(waitStrategy);
    }

    /** Whether waiters of this configuration may sleep in the kernel. */
    boolean sleeps() {
        return waitStrategy.sleeps();
    }

    @Override
    public String toString() {
        return (singleSender ? "single-sender" : "many-senders") + ", " + waitStrategy;
    }
}
