package io.jipc.naming.spi;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What a watch knows of the names under its prefix, and the events it derives from what a backend
 * observes: a backend reports "this name now holds this entry", "this name may be gone" or "here is a
 * fresh listing", and this class turns them into {@link NameEvent}s for the listener, each change once.
 *
 * <p>Confined to the one thread of a watch. A listener that throws is logged and the watch goes on.
 */
public final class WatchedNames {
    /** Told when a name starts or stops being known (e.g. to watch its owner's process). */
    public interface Tracker {
        void tracked(NameEntry entry);

        void untracked(NameEntry entry);
    }

    private final String prefix;
    private final Consumer<NameEvent> listener;
    private final UnaryOperator<NameEntry> asRemoved;
    private final Tracker tracker;
    private final System.Logger log;
    private final Map<String, NameEntry> known = new HashMap<>();
    private volatile boolean closed;

    /**
     * @param asRemoved how an entry that went away is reported (e.g. with its owner's liveness now)
     */
    public WatchedNames(String prefix, Consumer<NameEvent> listener, UnaryOperator<NameEntry> asRemoved,
                        Tracker tracker, System.Logger log) {
        this.prefix = prefix;
        this.listener = listener;
        this.asRemoved = asRemoved;
        this.tracker = tracker;
        this.log = log;
    }

    /** Whether {@code name} (possibly {@code null}: not a name) is under the watched prefix. */
    public boolean covers(String name) {
        return name != null && name.startsWith(prefix);
    }

    /** The entries present when the watch started: known, not reported. */
    public void start(List<NameEntry> present) {
        present.forEach(this::track);
    }

    /** The entry known for {@code name}, or {@code null}. */
    public NameEntry known(String name) {
        return known.get(name);
    }

    /** {@code entry} now holds its name: reported unless already known (a replaced one as removed first). */
    public void registered(NameEntry entry) {
        NameEntry before = known.get(entry.name());
        if (before != null && before.sameRegistration(entry)) {
            return;
        }
        if (before != null) {
            untrack(before);
            emit(new NameEvent(NameEvent.Type.UNREGISTERED, before.name(), asRemoved.apply(before)));
        }
        track(entry);
        emit(new NameEvent(NameEvent.Type.REGISTERED, entry.name(), entry));
    }

    /** {@code name} no longer holds the entry known for it ({@code now}: what it holds, or {@code null}). */
    public void changed(String name, NameEntry now) {
        NameEntry before = known.get(name);
        if (now != null) {
            registered(now);
        } else if (before != null) {
            untrack(before);
            emit(new NameEvent(NameEvent.Type.UNREGISTERED, name, asRemoved.apply(before)));
        }
    }

    /** After events may have been lost: compares with a fresh listing under the prefix and reports the differences. */
    public void resynchronise(List<NameEntry> listing) {
        Map<String, NameEntry> now = new HashMap<>();
        listing.forEach(e -> now.put(e.name(), e));
        for (NameEntry before : List.copyOf(known.values())) {
            if (!now.containsKey(before.name())) {
                changed(before.name(), null);
            }
        }
        listing.forEach(this::registered);
    }

    /** Stops every report; forgets every name (untracking each). */
    public void close() {
        closed = true;
        List.copyOf(known.values()).forEach(this::untrack);
    }

    private void track(NameEntry entry) {
        known.put(entry.name(), entry);
        tracker.tracked(entry);
    }

    private void untrack(NameEntry entry) {
        if (known.remove(entry.name()) != null) {
            tracker.untracked(entry);
        }
    }

    private void emit(NameEvent event) {
        if (closed) {
            return;
        }
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "listener of the watch of '" + prefix + "' failed on " + event, e);
        }
    }
}
