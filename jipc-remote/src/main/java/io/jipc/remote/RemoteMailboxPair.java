package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A pair of mailboxes for a two-process benchmark (or any request/reply test) where one process is
 * local to the mailboxes and the other reaches them over TCP: the owning side creates two mailboxes
 * and a {@link MailboxGateway} on loopback, and uses the mailboxes directly; the other side
 * {@link #connect}s with {@link #peerArgument()} and uses them as {@link RemoteMailbox}es. Each
 * message thus crosses one TCP connection and one mailbox.
 *
 * <pre>{@code
 * try (RemoteMailboxPair pair = RemoteMailboxPair.create("bench-remote", 4096, 256)) {
 *     startPeer(pair.peerArgument());             // the peer: RemoteMailboxPair.connect(argument)
 *     pair.toPeer().put(ping);                    // local mailbox → gateway → peer's take
 *     byte[] pong = pair.fromPeer().take();       // peer's put → gateway → local mailbox
 * }
 * }</pre>
 */
public final class RemoteMailboxPair implements AutoCloseable {
    private final LocalMailboxChannel toPeer;
    private final LocalMailboxChannel fromPeer;
    private final MailboxGateway gateway;

    private RemoteMailboxPair(LocalMailboxChannel toPeer, LocalMailboxChannel fromPeer, MailboxGateway gateway) {
        this.toPeer = toPeer;
        this.fromPeer = fromPeer;
        this.gateway = gateway;
    }

    /**
     * Creates the mailboxes {@code prefix-to} and {@code prefix-from} (messages of at most
     * {@code maxMessageSize} bytes, room for {@code capacityMessages} each) and a gateway on
     * 127.0.0.1 exporting both.
     */
    public static RemoteMailboxPair create(String prefix, int maxMessageSize, int capacityMessages) {
        MailboxOptions options = MailboxOptions.builder().maxMessageSize(maxMessageSize)
                .capacityMessages(capacityMessages).build();
        Mailbox to = Mailbox.create(prefix + "-to", options);
        Mailbox from = null;
        try {
            from = Mailbox.create(prefix + "-from", options);
            MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress("127.0.0.1", 0))
                    .export(to.name(), from.name()).start();
            return new RemoteMailboxPair(new LocalMailboxChannel(to), new LocalMailboxChannel(from), gateway);
        } catch (RuntimeException e) {
            destroy(to);
            if (from != null) {
                destroy(from);
            }
            throw e;
        }
    }

    /** What the other side passes to {@link #connect}: two addresses separated by a comma, no spaces. */
    public String peerArgument() {
        return gateway.address(toPeer.name()) + "," + gateway.address(fromPeer.name());
    }

    /** The local mailbox the peer receives from (through the gateway). */
    public MessageChannel toPeer() {
        return toPeer;
    }

    /** The local mailbox the peer sends to (through the gateway). */
    public MessageChannel fromPeer() {
        return fromPeer;
    }

    /** The remote side of a pair: receive what the owner sent, send it replies. */
    public record Peer(RemoteMailbox inbox, RemoteMailbox outbox) implements AutoCloseable {
        @Override
        public void close() {
            inbox.close();
            outbox.close();
        }
    }

    /** Joins the pair described by {@code peerArgument} (see {@link #peerArgument()}). */
    public static Peer connect(String peerArgument, RemoteOptions options) throws InterruptedException {
        String[] addresses = peerArgument.split(",", -1);
        if (addresses.length != 2) {
            throw new IllegalArgumentException("expected two comma-separated addresses: " + peerArgument);
        }
        RemoteMailbox inbox = RemoteMailbox.connect(URI.create(addresses[0]), options);
        try {
            return new Peer(inbox, RemoteMailbox.connect(URI.create(addresses[1]), options));
        } catch (RuntimeException | InterruptedException e) {
            inbox.close();
            throw e;
        }
    }

    /** Stops the gateway, closes and destroys both mailboxes. */
    @Override
    public void close() {
        gateway.close();
        destroy(toPeer.mailbox());
        destroy(fromPeer.mailbox());
    }

    private static void destroy(Mailbox mailbox) {
        mailbox.destroy();
        mailbox.close();
    }
}
