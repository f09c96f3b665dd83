package io.jipc.signals;

/** What a {@link SignalListener} runs, on its own virtual thread, after its signal rang. */
@FunctionalInterface
public interface SignalHandler {
    /**
     * Handles one ring.
     *
     * @param signal     the signal
     * @param deliveries deliveries coalesced into this ring (at least 1; never more than were sent)
     */
    void handle(Signal signal, long deliveries) throws Exception;
}
