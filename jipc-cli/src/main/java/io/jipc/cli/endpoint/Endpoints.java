package io.jipc.cli.endpoint;

import io.jipc.net.SocketUri;

import java.util.List;
import java.util.stream.Collectors;

/** Opens the object a URI names, through the {@link EndpointKind} of its scheme. */
public final class Endpoints {
    /** Every kind the commands know, one line each. */
    static final List<EndpointKind> KINDS = List.of(
            new MailboxKind(),
            new UnboundedKind(),
            new MqKind(),
            new FifoKind(),
            new RemoteMailboxKind(),
            new SocketKind(SocketUri.Kind.UNIX, "unix:/tmp/orders.sock"),
            new SocketKind(SocketUri.Kind.TCP, "tcp:localhost:7070"),
            new SocketKind(SocketUri.Kind.UNIXGRAM, "unixgram:/tmp/orders.dgram"),
            new SocketKind(SocketUri.Kind.UDP, "udp:localhost:7070"));

    private Endpoints() {
    }

    /**
     * Opens {@code uri}.
     *
     * @throws IllegalArgumentException   if the URI or its scheme is unknown or its address invalid
     * @throws EndpointNotFoundException if the object does not exist and {@code create} is false
     */
    public static MessageEndpoint open(String uri, boolean create) {
        return open(uri, create, 0, false);
    }

    /**
     * Opens {@code uri} for a command that sends at {@code priority} or receives {@code truncating}
     * ({@code --max-bytes}), having first refused what the kind can never do: a usage error creates
     * nothing.
     *
     * @throws IllegalArgumentException   if the URI or its scheme is unknown or its address invalid, or the
     *                                    object could not take the priority or a truncating receive
     * @throws EndpointNotFoundException if the object does not exist and {@code create} is false
     */
    public static MessageEndpoint open(String uri, boolean create, int priority, boolean truncating) {
        return open(uri, create, priority, truncating, null);
    }

    /**
     * As {@link #open(String, boolean, int, boolean)}, for a command that only sends or only receives
     * ({@code direction}; null for both): the object is opened for that direction only where its kind
     * tells the two apart (a POSIX queue), so another user's queue whose mode allows just that works.
     */
    public static MessageEndpoint open(String uri, boolean create, int priority, boolean truncating,
                                       Direction direction) {
        ObjectUri parsed = ObjectUri.parse(uri);
        EndpointKind kind = kind(parsed.scheme(), parsed.address());
        if (truncating && !kind.truncates()) {
            throw new IllegalArgumentException(MessageEndpoint.NO_TRUNCATING_RECEIVE);
        }
        kind.checkPriority(parsed.address(), priority, create);
        return direction == null ? kind.open(parsed.address(), create) : kind.open(parsed.address(), create, direction);
    }

    /**
     * The first kind of {@code scheme} that takes {@code address}: {@code tcp://HOST:PORT/NAME} is a
     * remote mailbox, {@code tcp:HOST:PORT} a socket.
     */
    static EndpointKind kind(String scheme, String address) {
        for (EndpointKind kind : KINDS) {
            if (kind.scheme().equals(scheme) && kind.takes(address)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown kind '" + scheme + ":'; known: " + examples());
    }

    /**
     * The POSIX name a queue argument of {@code jipc mq} stands for: {@code mq:/NAME}, {@code mq:NAME},
     * {@code /NAME} and {@code NAME} all mean {@code /NAME}, as for {@code send}, {@code recv} and
     * {@code rm} (docs/uris.md). Any thread; opens nothing.
     *
     * @throws IllegalArgumentException if what is left is no valid queue name
     */
    public static String queueName(String text) {
        return MqKind.posixName(text.regionMatches(true, 0, "mq:", 0, 3) ? text.substring(3) : text);
    }

    /** One example URI per kind, e.g. {@code "mailbox:orders, mq:/orders"}. */
    public static String examples() {
        return KINDS.stream().map(EndpointKind::example).collect(Collectors.joining(", "));
    }
}
