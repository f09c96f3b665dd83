package io.jipc.cli.endpoint;

import io.jipc.mq.MqAccess;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.MqExistsException;
import io.jipc.mq.MqMessage;
import io.jipc.mq.MqNotFoundException;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.platform.MessageQueues;

/**
 * {@code mq:/NAME}: a POSIX message queue of the kernel ({@link PosixMessageQueue}); {@code mq:NAME}
 * means the same. A missing queue is created with the kernel's default attributes. {@code send}
 * opens an existing queue for sending only and {@code recv} for receiving only, so another user's
 * queue made {@code 0622} (others may send) or {@code 0644} (others may receive) works as its mode says.
 */
final class MqKind implements EndpointKind {

    @Override
    public String example() {
        return "mq:/orders";
    }

    @Override
    public MessageEndpoint open(String address, boolean create) {
        return open(address, create, MqAccess.SEND_AND_RECEIVE);
    }

    /** Opens the queue for {@code direction} only: write permission to send, read permission to receive. */
    @Override
    public MessageEndpoint open(String address, boolean create, Direction direction) {
        return open(address, create, direction == Direction.SEND ? MqAccess.SEND : MqAccess.RECEIVE);
    }

    private static MessageEndpoint open(String address, boolean create, MqAccess access) {
        String name = posixName(address);
        Opened<PosixMessageQueue> opened;
        try {
            opened = create ? Opened.createOrOpen(() -> PosixMessageQueue.create(name, MqAttributes.kernelDefaults()),
                    e -> e instanceof MqExistsException,
                    () -> PosixMessageQueue.openOrCreate(name, MqAttributes.kernelDefaults(), access))
                    : new Opened<>(PosixMessageQueue.open(name, access), false);
        } catch (MqNotFoundException e) {
            throw new EndpointNotFoundException("no POSIX message queue " + name, e);
        }
        return new QueueEndpoint(opened.object(), opened.created());
    }

    /** The queue's POSIX name: {@code address} with a leading {@code /} added if it has none, checked. */
    static String posixName(String address) {
        return PosixMessageQueue.checkName(address.startsWith("/") ? address : "/" + address);
    }

    /** The kernel's range, checked before a queue is created for a send it would refuse. */
    @Override
    public void checkPriority(String address, int priority, boolean create) {
        if (priority < 0 || priority >= MessageQueues.PRIORITY_LIMIT) {
            throw new IllegalArgumentException("priority must be 0 to " + (MessageQueues.PRIORITY_LIMIT - 1) + ": "
                    + priority);
        }
    }

    private record QueueEndpoint(PosixMessageQueue queue, boolean created) implements MessageEndpoint {

        /** The queue as {@code jipc ls} and {@code jipc rm} name it, {@code mq:/NAME}, however it was typed. */
        @Override
        public String describe(String uri) {
            return "mq:" + queue.name();
        }

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            if (wait.isForever()) {
                queue.put(payload, priority);
                return true;
            }
            return wait.isNone() ? queue.offer(payload, priority) : queue.offer(payload, priority, wait.limit());
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            MqMessage m = wait.isForever() ? queue.take() : wait.isNone() ? queue.poll() : queue.poll(wait.limit());
            return m == null ? null : new Message(m.payload(), m.priority());
        }

        @Override
        public void close() {
            queue.close();
        }
    }
}
