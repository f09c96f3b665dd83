package io.jipc.cli.bench;

import io.jipc.mailbox.Mailbox;
import io.jipc.remote.MessageChannel;
import io.jipc.remote.RemoteMailboxPair;
import io.jipc.remote.RemoteOptions;

import java.time.Duration;

/**
 * Mailboxes reached over TCP loopback ({@link RemoteMailboxPair}): the measuring process creates
 * two mailboxes and a {@code MailboxGateway} on 127.0.0.1 (an ephemeral port, registered in no name
 * service) and uses the mailboxes directly; the peer uses them as {@code RemoteMailbox}es through
 * the gateway. Each message thus crosses a mailbox and a TCP connection, and each remote call is a
 * request and its reply: a remote receive is also acknowledged, so the peer's one-way sink costs a
 * round trip per message.
 *
 * <p>Copies of a message: into the mailbox and out of it (shared memory), into the socket and out
 * of it (the kernel), four in all; the kernel takes part in every message (TCP/IP, the gateway's
 * and the peer's wake-ups).
 */
final class RemoteMailboxMechanism implements Mechanism {
    /** About how many bytes each mailbox holds: as many messages of the run's size as fit, 2 to 256. */
    private static final long MAILBOX_BYTES = 4L << 20;
    private static final int MOST_MESSAGES = 256;
    /** Largest message the default frame limit ({@link RemoteOptions#defaults()}) lets through. */
    private static final int MOST_BYTES = 16 << 20;

    @Override
    public String id() {
        return "remote-mailbox";
    }

    @Override
    public String label() {
        return "remote mailbox (TCP)";
    }

    @Override
    public Traits traits() {
        return new Traits("every message (TCP)", "4", "until destroyed");
    }

    @Override
    public String unsupported(int size) {
        return size > MOST_BYTES ? "messages of at most 16 MiB (the default frame limit)" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        String prefix = "bench-" + ProcessHandle.current().pid() + "-remote";
        Mailbox.destroy(prefix + "-to"); // leftovers of a killed run
        Mailbox.destroy(prefix + "-from");
        int messages = (int) Math.clamp(MAILBOX_BYTES / maxSize, 2, MOST_MESSAGES);
        RemoteMailboxPair pair = RemoteMailboxPair.create(prefix, maxSize, messages);
        return new Endpoint() {
            @Override
            public String peerArgument() {
                return pair.peerArgument();
            }

            @Override
            public Link link() {
                return new ChannelLink(pair.toPeer(), pair.fromPeer(), null);
            }

            @Override
            public void close() {
                pair.close();
            }
        };
    }

    @Override
    public Link connect(String argument) throws InterruptedException {
        RemoteMailboxPair.Peer peer = RemoteMailboxPair.connect(argument, RemoteOptions.defaults());
        return new ChannelLink(peer.outbox(), peer.inbox(), peer);
    }

    /** Sends with {@code put}, receives with a timed {@code poll}; closes {@code owned}, if any. */
    private record ChannelLink(MessageChannel out, MessageChannel in, AutoCloseable owned) implements Link {
        @Override
        public void send(byte[] message) throws InterruptedException {
            out.put(message);
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            return in.poll(timeout);
        }

        @Override
        public void close() {
            if (owned != null) {
                try {
                    owned.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing " + owned, e);
                }
            }
        }
    }
}
