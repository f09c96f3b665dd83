package io.jipc.cli.endpoint;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxExistsException;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * {@code mailbox:NAME}: a jipc mailbox under the jipc root ({@link Mailbox}). Sends take the priority
 * levels the mailbox was created with ({@code 0..priorities()-1}); a receive reports a message's
 * priority from its header (a mailbox with levels always keeps headers), except a truncating one.
 */
final class MailboxKind implements EndpointKind {

    @Override
    public String example() {
        return "mailbox:orders";
    }

    @Override
    public MessageEndpoint open(String address, boolean create) {
        Opened<Mailbox> opened;
        try {
            opened = create ? Opened.createOrOpen(() -> Mailbox.create(address, MailboxOptions.defaults()),
                    e -> e instanceof MailboxExistsException || e instanceof MailboxNotFoundException,
                    () -> Mailbox.openOrCreate(address, MailboxOptions.defaults()))
                    : new Opened<>(Mailbox.open(address), false);
        } catch (MailboxNotFoundException e) {
            throw new EndpointNotFoundException("no mailbox '" + address + "' (" + Mailbox.path(address) + ")", e);
        }
        return new MailboxEndpoint(opened.object(), opened.created());
    }

    @Override
    public boolean truncates() {
        return true;
    }

    /** A missing mailbox would be made with one level: a priority other than 0 is refused before that. */
    @Override
    public void checkPriority(String address, int priority, boolean create) {
        if (priority != 0 && create && !Mailbox.exists(address)) {
            throw new IllegalArgumentException("no mailbox '" + address + "', and one made with default attributes "
                    + "has no priorities (asked for " + priority + "); jipc mailbox create NAME --priorities N makes "
                    + "levels 0..N-1");
        }
    }

    private static String noPriorities(String name, int priority) {
        return "mailbox '" + name + "' has no priorities (asked for " + priority + "); "
                + "jipc mailbox create NAME --priorities N makes levels 0..N-1";
    }

    private record MailboxEndpoint(Mailbox mailbox, boolean created) implements MessageEndpoint {

        /** The mailbox as {@code jipc ls} and {@code jipc rm} name it, {@code mailbox:NAME}, however the scheme was typed. */
        @Override
        public String describe(String uri) {
            return "mailbox:" + mailbox.name();
        }

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            if (priority < 0 || priority >= mailbox.priorities()) {
                throw new IllegalArgumentException(mailbox.priorities() == 1 ? noPriorities(mailbox.name(), priority)
                        : "mailbox '" + mailbox.name() + "' has priority levels 0.." + (mailbox.priorities() - 1)
                                + " (asked for " + priority + ")");
            }
            if (wait.isForever()) {
                mailbox.put(payload, priority);
                return true;
            }
            return wait.isNone() ? mailbox.offer(payload, priority) : mailbox.offer(payload, priority, wait.limit());
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            if (mailbox.hasHeaders()) {
                io.jipc.mailbox.Message m = wait.isForever() ? mailbox.takeMessage()
                        : wait.isNone() ? mailbox.pollMessage() : mailbox.pollMessage(wait.limit());
                return m == null ? null : new Message(m.payload(), m.priority());
            }
            byte[] payload = wait.isForever() ? mailbox.take()
                    : wait.isNone() ? mailbox.poll() : mailbox.poll(wait.limit());
            return payload == null ? null : new Message(payload, 0);
        }

        @Override
        public String unsentBecause() {
            return mailbox.isRendezvous() ? "no receiver took the message from" : "no room in";
        }

        @Override
        public Optional<String> priorityUnknownBecause(boolean truncating) {
            // a mailbox with levels always keeps headers (MailboxOptions), and the header holds the priority
            return truncating && mailbox.priorities() > 1
                    ? Optional.of("a truncating receive (--max-bytes) does not return the header that holds a "
                            + "message's priority")
                    : Optional.empty();
        }

        @Override
        public Message receive(Wait wait, int maxBytes) throws InterruptedException {
            ByteBuffer buffer = ByteBuffer.allocate(maxBytes);
            int length = wait.isForever() ? mailbox.takeTruncating(buffer)
                    : wait.isNone() ? mailbox.pollTruncating(buffer) : mailbox.pollTruncating(buffer, wait.limit());
            return length < 0 ? null : new Message(Arrays.copyOf(buffer.array(), buffer.position()), 0, length);
        }

        @Override
        public void close() {
            mailbox.close();
        }
    }
}
