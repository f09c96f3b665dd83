package io.jipc.rpc;

import java.util.ArrayList;
import java.util.List;

/** {@link Fragile}'s implementation, in the serving process. */
public final class FragileService implements Fragile {
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
}
