package io.jipc.cli.endpoint;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.mailbox.MailboxOptions;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** {@code mailbox:NAME}: a jipc mailbox under the jipc root ({@link Mailbox}); messages have no priority. */
final class MailboxKind implements EndpointKind {

    @Override
    public String example() {
        return "mailbox:orders";
    }

    @Override
    public MessageEndpoint open(String address, boolean create) {
        Mailbox mailbox;
        try {
            mailbox = create ? Mailbox.openOrCreate(address, MailboxOptions.defaults()) : Mailbox.open(address);
        } catch (MailboxNotFoundException e) {
            throw new EndpointNotFoundException("no mailbox '" + address + "' (" + Mailbox.path(address) + ")", e);
        }
        return new MailboxEndpoint(mailbox);
    }

    private record MailboxEndpoint(Mailbox mailbox) implements MessageEndpoint {

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            if (priority != 0) {
                throw new IllegalArgumentException("mailbox messages have no priority (asked for " + priority + ")");
            }
            if (wait.isForever()) {
                mailbox.put(payload);
                return true;
            }
            return wait.isNone() ? mailbox.offer(payload) : mailbox.offer(payload, wait.limit());
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            byte[] payload = wait.isForever() ? mailbox.take()
                    : wait.isNone() ? mailbox.poll() : mailbox.poll(wait.limit());
            return payload == null ? null : new Message(payload, 0);
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
