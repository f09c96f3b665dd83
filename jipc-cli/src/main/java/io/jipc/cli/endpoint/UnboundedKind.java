package io.jipc.cli.endpoint;

import io.jipc.mailbox.MailboxExistsException;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;

/**
 * {@code unbounded:NAME}: an {@link UnboundedMailbox} under the jipc root; messages have no
 * priority. One created here has the defaults of {@link UnboundedMailbox#create(String)}: segments of
 * 1 MiB, messages of up to 64 KiB, a ceiling of 256 MiB.
 *
 * <p>A send never waits, whatever the wait asked for: there is always room below the ceiling, and
 * at the ceiling it fails at once with {@link io.jipc.mailbox.MailboxCeilingException}, whose
 * message says how full the mailbox is. Receiving takes the mailbox's receiver lease for this
 * process (a second receiving process fails with {@link io.jipc.mailbox.MailboxBusyException}).
 */
final class UnboundedKind implements EndpointKind {

    @Override
    public String example() {
        return "unbounded:orders";
    }

    @Override
    public MessageEndpoint open(String address, boolean create) {
        Opened<UnboundedMailbox> opened;
        try {
            opened = create ? Opened.createOrOpen(
                    () -> UnboundedMailbox.create(address, MailboxOptions.defaults(), UnboundedMailbox.DEFAULT_CEILING),
                    e -> e instanceof MailboxExistsException || e instanceof MailboxNotFoundException,
                    () -> UnboundedMailbox.openOrCreate(address, MailboxOptions.defaults(), UnboundedMailbox.DEFAULT_CEILING))
                    : new Opened<>(UnboundedMailbox.open(address), false);
        } catch (MailboxNotFoundException e) {
            throw new EndpointNotFoundException("no unbounded mailbox '" + address + "' ("
                    + UnboundedMailbox.path(address) + ")", e);
        }
        return new UnboundedEndpoint(opened.object(), opened.created());
    }

    @Override
    public void checkPriority(String address, int priority, boolean create) {
        checkNoPriority(priority);
    }

    private static void checkNoPriority(int priority) {
        if (priority != 0) {
            throw new IllegalArgumentException("unbounded mailbox messages have no priority (asked for "
                    + priority + ")");
        }
    }

    private record UnboundedEndpoint(UnboundedMailbox mailbox, boolean created) implements MessageEndpoint {

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) {
            checkNoPriority(priority);
            mailbox.put(payload); // never waits: below the ceiling it sends, at the ceiling it throws
            return true;
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            byte[] payload = wait.isForever() ? mailbox.take()
                    : wait.isNone() ? mailbox.poll() : mailbox.poll(wait.limit());
            return payload == null ? null : new Message(payload, 0);
        }

        @Override
        public void close() {
            mailbox.close();
        }
    }
}
