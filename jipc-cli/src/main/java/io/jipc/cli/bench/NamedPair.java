package io.jipc.cli.bench;

import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@link Mechanism.Endpoint} of a channel pair made of two named objects, one per direction
 * (mailboxes, POSIX queues): {@code <prefix>-p2c} carries messages to the peer, {@code <prefix>-c2p}
 * from it. The peer is told both names ({@code "c2p,p2c"}: its out, then its in). Closing closes
 * the link, then removes both objects.
 *
 * @param <T> the kind of object
 */
final class NamedPair<T> implements Mechanism.Endpoint {
    private final T toPeer;
    private final T fromPeer;
    private final Function<T, String> nameOf;
    private final BiFunction<T, T, Link> link;
    private final Consumer<T> remove;
    private Link opened;

    private NamedPair(T toPeer, T fromPeer, Function<T, String> nameOf, BiFunction<T, T, Link> link,
                      Consumer<T> remove) {
        this.toPeer = toPeer;
        this.fromPeer = fromPeer;
        this.nameOf = nameOf;
        this.link = link;
        this.remove = remove;
    }

    /**
     * Creates both objects (the first is removed again if the second cannot be made).
     *
     * @param create makes the object of a name
     * @param link   this side's link: (out, in)
     * @param remove closes and removes an object
     */
    static <T> NamedPair<T> create(String prefix, Function<String, T> create, Function<T, String> nameOf,
                                   BiFunction<T, T, Link> link, Consumer<T> remove) {
        T toPeer = create.apply(prefix + "-p2c");
        T fromPeer;
        try {
            fromPeer = create.apply(prefix + "-c2p");
        } catch (RuntimeException e) {
            remove.accept(toPeer);
            throw e;
        }
        return new NamedPair<>(toPeer, fromPeer, nameOf, link, remove);
    }

    @Override
    public String peerArgument() {
        return nameOf.apply(fromPeer) + "," + nameOf.apply(toPeer);
    }

    @Override
    public Link link() {
        opened = link.apply(toPeer, fromPeer);
        return opened;
    }

    @Override
    public void close() {
        if (opened != null) {
            opened.close();
        }
        remove.accept(toPeer);
        remove.accept(fromPeer);
    }
}
