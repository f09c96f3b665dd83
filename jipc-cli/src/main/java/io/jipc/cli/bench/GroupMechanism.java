package io.jipc.cli.bench;

import io.jipc.group.GroupDescriptor;
import io.jipc.group.GroupMessage;
import io.jipc.group.GroupOptions;
import io.jipc.group.ProcessGroup;

import java.time.Duration;

/**
 * A process group of two ({@link ProcessGroup}): the measuring process joins as rank 0, the peer as
 * rank 1, and each message is a {@code send} to the other rank and a {@code poll} of its own inbox, a
 * shared-memory mailbox with a 24-byte envelope before the payload.
 *
 * <p>Copies of a message: into the envelope, into the receiver's inbox, and its payload out of the
 * inbox (decoded in place): three. The kernel takes part in wake-ups only (the inbox spins briefly, then sleeps in
 * {@code futex}, the mailbox's default).
 */
final class GroupMechanism implements Mechanism {
    /** Inboxes hold at least 4 MiB, and four messages of the run's size. */
    private static final long INBOX_BYTES = 4L << 20;
    private static final Duration JOIN_WAIT = Duration.ofMinutes(1);

    @Override
    public String id() {
        return "group";
    }

    @Override
    public String label() {
        return "process group";
    }

    @Override
    public Traits traits() {
        return new Traits("wake-ups (futex)", "3", "while a member remains");
    }

    @Override
    public String unsupported(int size) {
        return size > GroupDescriptor.MAX_MESSAGE ? "messages of at most 16 MiB (a group's largest)" : null;
    }

    private static GroupOptions options(int maxSize) {
        long inbox = Math.min(GroupDescriptor.MAX_INBOX_BYTES, Math.max(INBOX_BYTES, 4L * maxSize));
        return GroupOptions.of(2).withInboxBytes(inbox).withMaxMessageSize(Math.max(GroupDescriptor.MIN_MESSAGE, maxSize));
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        String name = "bench-" + ProcessHandle.current().pid() + "-group";
        ProcessGroup group = ProcessGroup.join(name, options(maxSize).withRank(0));
        return new Endpoint() {
            @Override
            public String peerArgument() {
                return name + ":" + maxSize;
            }

            @Override
            public Link link() throws InterruptedException {
                if (!group.awaitFull(JOIN_WAIT)) {
                    throw new IllegalStateException("the peer did not join group '" + name + "' within " + JOIN_WAIT);
                }
                return new GroupLink(group, 1, false);
            }

            @Override
            public void close() {
                group.close();
            }
        };
    }

    @Override
    public Link connect(String argument) {
        int colon = argument.lastIndexOf(':');
        String name = argument.substring(0, colon);
        int maxSize = Integer.parseInt(argument.substring(colon + 1));
        return new GroupLink(ProcessGroup.join(name, options(maxSize).withRank(1)), 0, true);
    }

    /** Sends to rank {@code other}, receives from this member's inbox; leaves the group on close if {@code owned}. */
    private record GroupLink(ProcessGroup group, int other, boolean owned) implements Link {
        @Override
        public void send(byte[] message) throws InterruptedException {
            group.send(other, message);
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            GroupMessage m = group.poll(timeout);
            return m == null ? null : m.payload();
        }

        @Override
        public void close() {
            if (owned) {
                group.close();
            }
        }
    }
}
