package io.jipc.cli.endpoint;

import io.jipc.JipcException;
import io.jipc.remote.ReceivedMessage;
import io.jipc.remote.RemoteMailbox;
import io.jipc.remote.RemoteOptions;
import io.jipc.remote.RemotePeerLostException;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * {@code tcp://HOST:PORT/NAME}: mailbox {@code NAME} of another host (or of this one), reached
 * through the {@code jipc gateway} (a {@code MailboxGateway}) listening at {@code HOST:PORT}, with
 * {@link RemoteMailbox} — the address the gateway prints for each mailbox it exports. The same
 * scheme without the two slashes, {@code tcp:HOST:PORT}, is a plain stream socket
 * ({@link SocketKind}).
 *
 * <p>The gateway is reached on the first send or receive, so that a gateway that is not there, or
 * a mailbox it does not export, is reported by that call (exit code 1). That call's wait bounds the
 * connection too (the TCP connect and the gateway's answer to the {@code Open}, as
 * {@link RemoteOptions#connectTimeout()}), and the send or receive gets what is left of it; an
 * at-once call ({@link Wait#NONE}), and one whose limit is shorter, allows the connection
 * {@link #AT_ONCE_CONNECT}, since a TCP connect cannot take no time; a call without limit,
 * {@link RemoteOptions#defaults()}' 5 s. A
 * connection that fails is a plain {@link JipcException} that says nothing was sent or taken, not
 * the {@link RemotePeerLostException} of a gateway lost while it had a message. A gateway exports mailboxes
 * that exist: nothing is created, whatever {@code --no-create} says. Priorities are the remote
 * mailbox's, and a received message comes back with the level it was sent at.
 */
final class RemoteMailboxKind implements EndpointKind {
    /** How long an at-once send or receive ({@code --nonblock}) may take to connect and open the mailbox. */
    static final Duration AT_ONCE_CONNECT = Duration.ofSeconds(1);

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

    /**
     * The endpoint: one {@link RemoteMailbox}, connected by the first send or receive. Used by the
     * command's thread only.
     */
    private static final class RemoteEndpoint implements MessageEndpoint {
        private final URI uri;
        private RemoteMailbox mailbox;

        RemoteEndpoint(URI uri) {
            this.uri = uri;
        }

        /**
         * The connected mailbox; the first call connects within {@code wait} (see the class comment).
         *
         * @throws JipcException if the gateway cannot be reached or does not answer in time: nothing sent or taken
         */
        private RemoteMailbox mailbox(Wait wait) throws InterruptedException {
            if (mailbox == null) {
                // a limit below AT_ONCE_CONNECT allows the connection that much: a TCP connect and the Open take
                // some milliseconds (--timeout 1ms failed against a healthy gateway 2 of 3 times: fresh58c)
                Duration bound = wait.isForever() ? RemoteOptions.defaults().connectTimeout()
                        : wait.isNone() || wait.limit().compareTo(AT_ONCE_CONNECT) < 0 ? AT_ONCE_CONNECT : wait.limit();
                try {
                    mailbox = RemoteMailbox.connect(uri, RemoteOptions.defaults().withConnectTimeout(bound));
                } catch (RemotePeerLostException unreachable) { // before any request: nothing went anywhere
                    throw new JipcException(unreachable.getMessage()
                            + " (the mailbox was not opened through the gateway: nothing was sent or taken)", unreachable);
                }
            }
            return mailbox;
        }

        /** What is left of {@code wait}, begun at {@code start} ({@link System#nanoTime()}), for the call after the connect. */
        private static Duration left(Wait wait, long start) {
            Duration left = wait.limit().minusNanos(System.nanoTime() - start);
            return left.isNegative() ? Duration.ZERO : left;
        }

        @Override
        public boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException {
            long start = System.nanoTime();
            RemoteMailbox remote = mailbox(wait);
            if (wait.isForever()) {
                remote.put(payload, priority);
                return true;
            }
            return wait.isNone() ? remote.offer(payload, priority) : remote.offer(payload, priority, left(wait, start));
        }

        @Override
        public Message receive(Wait wait) throws InterruptedException {
            long start = System.nanoTime();
            RemoteMailbox remote = mailbox(wait);
            ReceivedMessage received = wait.isForever() ? remote.takeMessage()
                    : wait.isNone() ? remote.pollMessage() : remote.pollMessage(left(wait, start));
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
