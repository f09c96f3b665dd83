/**
 * Synchronization objects in shared memory, for threads of separate processes: a robust mutex
 * ({@link io.jipc.sync.ProcessMutex}), a counting semaphore that can track its holders
 * ({@link io.jipc.sync.ProcessSemaphore}), a condition variable ({@link io.jipc.sync.ProcessCondition}),
 * a cyclic barrier for N processes ({@link io.jipc.sync.ProcessBarrier}) and a countdown
 * ({@link io.jipc.sync.ProcessCountDownLatch}).
 *
 * <p>Each object lives either in a slot of any shared {@link java.lang.foreign.MemorySegment} (a
 * region mapped by every process, {@code in(slot)}) or as a named object of its own under the jipc
 * root ({@code create(name)} / {@code open(name)}). Waiters sleep in {@code futex(2)}; nothing spins
 * by default.
 */
module io.jipc.sync {
    requires transitive io.jipc.segment;

    exports io.jipc.sync;
}
