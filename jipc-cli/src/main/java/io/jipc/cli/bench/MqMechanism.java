package io.jipc.cli.bench;

import io.jipc.mq.MqAttributes;
import io.jipc.mq.MqLimits;
import io.jipc.mq.MqMessage;
import io.jipc.mq.PosixMessageQueue;

import java.time.Duration;

/**
 * Two POSIX message queues (one per direction). The kernel limits what can be measured: a message
 * may not exceed {@code fs.mqueue.msgsize_max} (16 MiB with {@code CAP_SYS_RESOURCE}), and both
 * queues' capacity counts against the user's {@code RLIMIT_MSGQUEUE} (800 KiB by default), so a
 * 1 MiB message is usually out of reach. Each queue holds up to 64 messages, fewer when the limits
 * say so.
 */
final class MqMechanism implements Mechanism {
    private static final int MOST_MESSAGES = 64;

    @Override
    public String id() {
        return "mq";
    }

    @Override
    public String label() {
        return "POSIX mq";
    }

    @Override
    public Traits traits() {
        return new Traits("every message", "2", "until unlinked or reboot");
    }

    @Override
    public String unsupported(int size) {
        MqLimits limits = MqLimits.current();
        if (size > limits.maxMessageSizeAllowed()) {
            return "exceeds fs.mqueue.msgsize_max (" + limits.maxMessageSizeAllowed() + " bytes)";
        }
        if (capacity(limits, size) < 1) {
            return "two queues exceed RLIMIT_MSGQUEUE (" + limits.userBytes() + " bytes)";
        }
        return null;
    }

    /** Messages of {@code size} bytes each of two queues may hold within the limits. */
    private static int capacity(MqLimits limits, int size) {
        long most = Math.min(MOST_MESSAGES, limits.maxMessagesAllowed());
        while (most > 0 && 2 * MqLimits.accountedBytes(most, size) > limits.userBytes()) {
            most--;
        }
        return (int) most;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        String prefix = "/jipc-bench-" + ProcessHandle.current().pid();
        MqAttributes attributes = MqAttributes.of(capacity(MqLimits.current(), maxSize), maxSize);
        PosixMessageQueue.unlink(prefix + "-p2c");
        PosixMessageQueue.unlink(prefix + "-c2p");
        return NamedPair.create(prefix, name -> PosixMessageQueue.create(name, attributes), PosixMessageQueue::name,
                (out, in) -> new MqLink(out, in, false), queue -> {
                    queue.close();
                    PosixMessageQueue.unlink(queue.name());
                });
    }

    @Override
    public Link connect(String argument) {
        String[] names = argument.split(",");
        PosixMessageQueue out = PosixMessageQueue.open(names[0]);
        try {
            return new MqLink(out, PosixMessageQueue.open(names[1]), true);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    private record MqLink(PosixMessageQueue out, PosixMessageQueue in, boolean ownsQueues) implements Link {
        @Override
        public void send(byte[] message) throws InterruptedException {
            out.put(message);
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            MqMessage m = in.poll(timeout);
            return m == null ? null : m.payload();
        }

        @Override
        public void close() {
            if (ownsQueues) {
                out.close();
                in.close();
            }
        }
    }
}
