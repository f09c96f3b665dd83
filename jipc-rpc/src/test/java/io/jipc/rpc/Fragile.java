package io.jipc.rpc;

import java.util.List;

/**
 * The interface of the tests of replies that cannot be built as usual: a result whose encoding
 * throws, an exception whose message cannot be read.
 */
public interface Fragile {
    /** A view ({@code subList}) of a list changed after the view was made: reading it throws ConcurrentModificationException. */
    List<String> stale();

    /** Throws an exception whose {@code getMessage()} throws. */
    void oddFailure();

    int add(int a, int b);
}
