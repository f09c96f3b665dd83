package io.jipc.rpc;

import java.util.List;
import java.util.Map;

/**
 * The interface of the tests of replies that cannot be built as usual: a result whose encoding
 * throws, an exception whose message cannot be read, arguments whose decoding throws; and of values
 * that would cost a decoder the square of their length (maps of keys of one hash code).
 */
public interface Fragile {
    /** A map key whose {@code hashCode()} throws in the serving process ({@link FragileService#serving}). */
    record Touchy(String name) {
        @Override
        public int hashCode() {
            if (FragileService.serving) {
                throw new IllegalStateException("no hashCode for " + name + " here");
            }
            return name.hashCode();
        }
    }

    /** A record whose constructor, in the serving process, throws an exception whose {@code getMessage()} throws. */
    record Picky(String name) {
        public Picky {
            if (FragileService.serving) {
                throw new FragileService.Odd();
            }
        }
    }

    /** A map key of two ints, hashing to {@code 31 * a + b}: the cells {@code (i, -31 * i)} all hash to 0. */
    record Cell(int a, int b) {
    }

    /** A view ({@code subList}) of a list changed after the view was made: reading it throws ConcurrentModificationException. */
    List<String> stale();

    /** Throws an exception whose {@code getMessage()} throws. */
    void oddFailure();

    int add(int a, int b);

    /** The number of entries (never runs in its tests: the keys cannot be hashed at the server). */
    int count(Map<Touchy, String> byKey);

    /** The name (never runs in its tests: the record cannot be built at the server). */
    String name(Picky picky);

    /** The number of entries. */
    int size(Map<Cell, Integer> cells);

    /**
     * {@code count} cells, each with its index as value: {@code (i, -31 * i)}, all of hash code 0, if
     * {@code flood}, else {@code (i, 0)}; sent as a hostile server would (an {@link UnhashedMap}).
     */
    Map<Cell, Integer> cells(int count, boolean flood);
}
