package io.jipc.cli.bench;

import java.util.Objects;
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
    /** Removes an object's name only, for a thread-bound pair; null if any thread may close the link. */
    private final Consumer<T> unname;
    private volatile Link opened;
    /** The thread that made (or is making) the link; null before. */
    private volatile Thread linking;

    private NamedPair(T toPeer, T fromPeer, Function<T, String> nameOf, BiFunction<T, T, Link> link,
                      Consumer<T> remove, Consumer<T> unname) {
        this.toPeer = toPeer;
        this.fromPeer = fromPeer;
        this.nameOf = nameOf;
        this.link = link;
        this.remove = remove;
        this.unname = unname;
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
        return create(prefix, create, nameOf, link, remove, null);
    }

    /**
     * Like {@link #create}, for a link that only the thread making it may close (see above).
     *
     * @param unname removes an object's name (and its name-service record), leaving open handles usable
     */
    static <T> NamedPair<T> threadBound(String prefix, Function<String, T> create, Function<T, String> nameOf,
                                        BiFunction<T, T, Link> link, Consumer<T> remove, Consumer<T> unname) {
        return create(prefix, create, nameOf, link, remove, Objects.requireNonNull(unname, "unname"));
    }

    private static <T> NamedPair<T> create(String prefix, Function<String, T> create, Function<T, String> nameOf,
                                           BiFunction<T, T, Link> link, Consumer<T> remove, Consumer<T> unname) {
        T toPeer = create.apply(prefix + "-p2c");
        T fromPeer;
        try {
            fromPeer = create.apply(prefix + "-c2p");
        } catch (RuntimeException e) {
            remove.accept(toPeer);
            throw e;
        }
        return new NamedPair<>(toPeer, fromPeer, nameOf, link, remove, unname);
    }

    @Override
    public String peerArgument() {
        return nameOf.apply(fromPeer) + "," + nameOf.apply(toPeer);
    }

    @Override
    public Link link() {
        linking = Thread.currentThread(); // before the roles are bound: a close meanwhile sees it
        opened = link.apply(toPeer, fromPeer);
        return opened;
    }

    /**
     * Closes the link and removes both objects; on a thread-bound pair whose link another thread
     * made, removes the objects' names only (see above), without waiting for that thread.
     */
    @Override
    public void close() {
        Thread linker = linking;
        if (unname != null && linker != null && linker != Thread.currentThread()) {
            unname.accept(toPeer);
            unname.accept(fromPeer);
            return;
        }
        if (opened != null) {
            opened.close();
        }
        remove.accept(toPeer);
        remove.accept(fromPeer);
    }
}
