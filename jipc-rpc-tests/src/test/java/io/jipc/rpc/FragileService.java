package io.jipc.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link Fragile}'s implementation, in the serving process. */
public final class FragileService implements Fragile {
    /** Whether this process serves (made a FragileService): {@link Fragile.Touchy} and {@link Fragile.Picky} refuse here. */
    static volatile boolean serving;

    public FragileService() {
        serving = true;
    }

    /** An exception whose message cannot be read. */
    public static final class Odd extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("no message today");
        }
    }

    @Override
    public List<String> stale() {
        List<String> base = new ArrayList<>(List.of("a", "b", "c"));
        List<String> view = base.subList(0, 2);
        base.add("d"); // the view is stale now: reading it throws
        return view;
    }

    @Override
    public void oddFailure() {
        throw new Odd();
    }

    @Override
    public int add(int a, int b) {
        return a + b;
    }

    @Override
    public int count(Map<Touchy, String> byKey) {
        return byKey.size();
    }

    @Override
    public String name(Picky picky) {
        return picky.name();
    }

    @Override
    public int size(Map<Cell, Integer> cells) {
        return cells.size();
    }

    @Override
    public Map<Cell, Integer> cells(int count, boolean flood) {
        return UnhashedMap.of(count, i -> new Cell(i, flood ? -31 * i : 0));
    }
}
