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
}
