package io.jipc.cli.endpoint;

import io.jipc.remote.ReceivedMessage;
import io.jipc.remote.RemoteMailbox;

import java.net.URI;
import java.net.URISyntaxException;

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
 * mailbox's, and a received message comes back with the level it was sent at.
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
        if (uri.getPort() > 65535) {
            throw new IllegalArgumentException("port " + uri.getPort() + " of " + uri + " is outside 0..65535");
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
            ReceivedMessage received = wait.isForever() ? remote.takeMessage()
                    : wait.isNone() ? remote.pollMessage() : remote.pollMessage(wait.limit());
            return received == null ? null : new Message(received.payload(), received.priority());
        }

        @Override
        public void close() {
            if (mailbox != null) {
                mailbox.close();
            }
        }
    }
}
