/**
 * Shared memory between processes: named and anonymous regions with typed and atomic access, and
 * the bounded circular buffer of fixed-size items (the producer/consumer buffer, done right).
 *
 * <ul>
 * <li>{@link io.jipc.shm.SharedRegion}: a named region, {@code shm_open} semantics, exists until
 *     unlinked; C programs map the same file.</li>
 * <li>{@link io.jipc.shm.AnonymousRegion}: a nameless region handed to child processes.</li>
 * <li>{@link io.jipc.shm.CircularBuffer}: many producers, many consumers, in any processes,
 *     blocking in {@code futex} when full or empty.</li>
 * </ul>
 */
module io.jipc.shm {
    requires transitive io.jipc.platform;
    requires io.jipc.segment;

    exports io.jipc.shm;
}
