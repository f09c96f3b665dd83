package io.jipc.mailbox;

import io.jipc.WaitStrategy;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * One mailbox configuration of the contract matrix: single or many senders, a wait strategy, and
 * a layout (plain records, records with headers, headers and priority levels, or plain records with
 * shared receivers). Everything else
 * (capacity, maximum size) is chosen by each test.
 */
record MailboxConfig(boolean singleSender, WaitStrategy waitStrategy, Layout layout) {

    /** How the mailbox's messages are stored. */
    enum Layout {
        /** Records are the messages' bytes (the default). */
        PLAIN,
        /** Each message carries a header. */
        HEADERS,
        /** Each message carries a header; four priority levels (the tests send at level 0). */
        PRIORITIES,
        /** Plain records; receivers shared among processes (each receive takes the shared lock). */
        SHARED_RECEIVERS;

        MailboxOptions.Builder apply(MailboxOptions.Builder builder) {
            return switch (this) {
                case PLAIN -> builder;
                case HEADERS -> builder.headers(true);
                case PRIORITIES -> builder.priorities(4);
                case SHARED_RECEIVERS -> builder.receivePolicy(ReceivePolicy.SHARED);
            };
        }
    }

    /** Every configuration: {single, many senders} x every wait strategy x every layout. */
    static Stream<MailboxConfig> all() {
        return Stream.of(true, false).flatMap(single -> Arrays.stream(WaitStrategy.values())
                .flatMap(strategy -> Arrays.stream(Layout.values())
                        .map(layout -> new MailboxConfig(single, strategy, layout))));
    }

    /** {single, many senders} x every wait strategy, plain layout: for tests that choose the features themselves. */
    static Stream<MailboxConfig> plain() {
        return all().filter(config -> config.layout == Layout.PLAIN);
    }

    /** Options of this configuration, to be refined by the test. */
    MailboxOptions.Builder options() {
        return layout.apply(MailboxOptions.builder().singleSender(singleSender).waitStrategy(waitStrategy));
    }

    /** Whether waiters of this configuration may sleep in the kernel. */
    boolean sleeps() {
        return waitStrategy.sleeps();
    }

    /** Bytes of the ring a message of {@code length} bytes takes in this configuration. */
    long recordLength(int length) {
        int header = hasHeaders() ? EnvelopeDescriptor.LENGTH : 0;
        return (16L + header + length + 15) & -16L;
    }

    /** The message length whose record takes exactly {@code recordLength} bytes (a multiple of 16). */
    int sizeForRecord(int recordLength) {
        return recordLength - 16 - (hasHeaders() ? EnvelopeDescriptor.LENGTH : 0);
    }

    private boolean hasHeaders() {
        return layout == Layout.HEADERS || layout == Layout.PRIORITIES;
    }

    @Override
    public String toString() {
        return (singleSender ? "single-sender" : "many-senders") + ", " + waitStrategy + ", " + layout;
    }
}
