package io.jipc.cli.endpoint;

import io.jipc.remote.RemoteMailbox;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * {@code tcp://HOST:PORT/NAME}: mailbox {@code NAME} of another host (or of this one), reached
 * through the {@code jipc gateway} (a {@code MailboxGateway}) listening at {@code HOST:PORT}, with
 * {@link RemoteMailbox} — the address the gateway prints for each mailbox it exports. The same
 * scheme without the two slashes, {@code tcp:HOST:PORT}, is a plain stream socket
 * ({@link SocketKind}).
 *
 * <p>The gateway is reached on the first send or receive, so that a gateway that is not there, or
 * a mailbox it does not export, is reported by that call (exit code 1). A gateway exports mailboxes
 * that exist: nothing is created, whatever {@code --no-create} says. Priorities are the remote
 * mailbox's; a received message's priority is not carried back (the protocol's delivery has no
 * field for it), so {@code --show-priority} is refused for a mailbox with more than one level.
 */
final class RemoteMailboxKind implements EndpointKind {

    @Override
    public String example() {
        return "tcp://localhost:7070/orders";
    }

    /** {@code //HOST:PORT/NAME}; {@code HOST:PORT} is left to the socket kind. */
    @Override
    public boolean takes(String address) {
        return address.startsWith("//");
    }

    @Override
    public MessageEndpoint open(String address, boolean create) {
        URI uri;
        try {
            uri = new URI(scheme() + ":" + address);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a remote mailbox address (" + example() + "): " + e.getMessage());
        }
        if (uri.getHost() == null || uri.getPort() < 0 || uri.getPath() == null || uri.getPath().length() < 2
                || uri.getPath().indexOf('/', 1) >= 0 || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("not a remote mailbox address (" + example() + "): " + uri);
        }
        return new RemoteEndpoint(uri);
    }

    private static final class RemoteEndpoint implements MessageEndpoint {
        private final URI uri;
        private RemoteMailbox mailbox;

        RemoteEndpoint(URI uri) {
            this.uri = uri;
        }

        private RemoteMailbox mailbox() throws InterruptedException {
            if (mailbox == null) {
                mailbox = RemoteMailbox.connect(uri);
            }
            return mailbox;
        }

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            RemoteMailbox remote = mailbox();
            if (wait.isForever()) {
                remote.put(payload, priority);
                return true;
            }
            return wait.isNone() ? remote.offer(payload, priority) : remote.offer(payload, priority, wait.limit());
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            RemoteMailbox remote = mailbox();
            byte[] payload = wait.isForever() ? remote.take()
                    : wait.isNone() ? remote.poll() : remote.poll(wait.limit());
            return payload == null ? null : new Message(payload, 0);
        }

        @Override
        public Optional<String> priorityUnknownBecause(boolean truncating) throws InterruptedException {
            int levels = mailbox().priorities();
            return levels == 1 ? Optional.empty()
                    : Optional.of("remote mailbox " + uri + " has " + levels + " priority levels, but the gateway's "
                            + "protocol does not carry a received message's priority (docs/remote.md)");
        }

        @Override
        public void close() {
            if (mailbox != null) {
                mailbox.close();
            }
        }
    }
}
