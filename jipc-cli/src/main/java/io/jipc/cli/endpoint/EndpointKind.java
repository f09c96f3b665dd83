package io.jipc.cli.endpoint;

/**
 * One kind of object the {@code send} and {@code recv} commands reach: the scheme of its URIs and
 * how to open one. A new kind is one class implementing this, listed in {@link Endpoints#KINDS}.
 */
public interface EndpointKind {

    /** An example URI for help texts and errors, e.g. {@code "mq:/orders"}; its scheme is this kind's. */
    String example();

    /** The URI scheme, e.g. {@code "mq"}. */
    default String scheme() {
        return example().substring(0, example().indexOf(':'));
    }

    /**
     * Whether this kind, rather than a later one of the same scheme in {@link Endpoints#KINDS}, opens
     * {@code address} (the URI without its scheme); true unless two kinds share a scheme.
     */
    default boolean takes(String address) {
        return true;
    }

    /**
     * Opens the object at {@code address} (the URI without its scheme).
     *
     * @param create whether to create a missing object with default attributes (like {@code O_CREAT});
     *               if false, a missing object is an {@link EndpointNotFoundException}
     * @throws IllegalArgumentException if {@code address} is not valid for this kind
     */
    MessageEndpoint open(String address, boolean create);

    /**
     * Opens the object at {@code address} for a command that moves messages in {@code direction}
     * only; the endpoint may refuse the other direction. By default the same as {@link #open(String, boolean)}
     * (kinds whose objects grant both directions together).
     */
    default MessageEndpoint open(String address, boolean create, Direction direction) {
        return open(address, create);
    }

    /**
     * Whether objects of this kind have a truncating receive ({@link MessageEndpoint#receive(Wait, int)});
     * false unless the kind says so.
     */
    default boolean truncates() {
        return false;
    }

    /**
     * Refuses, before {@link #open} creates anything, a send at {@code priority} that the object at
     * {@code address} could never take: a usage error must leave nothing behind. The endpoint checks
     * again what only the open object can tell. Does nothing by default (for kinds that create nothing).
     *
     * @param create whether {@link #open} would create a missing object
     * @throws IllegalArgumentException if no object of this kind at {@code address} takes {@code priority}
     */
    default void checkPriority(String address, int priority, boolean create) {
    }
}
