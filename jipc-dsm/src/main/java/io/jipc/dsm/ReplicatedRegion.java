package io.jipc.dsm;

import io.jipc.ClosedException;
import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.naming.NameService;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.PeerClosedException;
import io.jipc.net.StreamConnection;
import io.jipc.platform.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * This process's replica of a region of distributed shared memory: a named block of bytes whose
 * master copy, version and write lock are kept by a {@link RegionHome} on this host or another.
 * Every process that opens the region holds a full replica and reads it at memory speed; writes
 * go through write sections.
 *
 * <pre>{@code
 * try (ReplicatedRegion r = ReplicatedRegion.open(home, "counters", 4096)) {
 *     try (RegionWrite w = r.write()) {                 // takes the region-wide write lock
 *         MemorySegment s = w.segment();
 *         s.set(JAVA_LONG, 0, s.get(JAVA_LONG, 0) + 1);  // in place, in the local replica
 *     }                                                 // sends the changed bytes; the home passes them on
 *     try (RegionRead v = r.read()) {                   // local, consistent, perhaps not the newest
 *         long n = v.segment().get(JAVA_LONG, 0);
 *     }
 * }
 * }</pre>
 *
 * <p><b>Consistency.</b> The home orders all write sections of a region (one holds the lock at a
 * time); each is applied everywhere whole or not at all, and versions count them. A write section
 * sees every section released before it (the home sends their changes before it grants the lock):
 * updates done only inside write sections are never lost. A read sees the replica at one version,
 * never a section half applied, but it may lag behind other hosts' sections still on the wire:
 * {@link #sync()} waits until the replica has every section the home had released when it asked,
 * and {@link #awaitVersion} waits for a newer one. This is release consistency with the home as the
 * lock manager (as in Munin's and TreadMarks' write-shared regions, but eager: changes are pushed at
 * release, not fetched at the next acquire).
 *
 * <p><b>How changes travel.</b> When a write section begins, the replica's bytes are copied to a
 * twin; when it ends, the replica is compared with the twin and only the changed ranges are sent
 * (close ranges merged). A section costs one copy and one comparison of the whole region, plus the
 * changed bytes on the wire.
 *
 * <p><b>Kept locks.</b> A section normally costs two round trips to the home: one for the lock, one
 * for the release. A replica that ends two sections in a row while no other replica waits is left
 * the lock (if the home {@linkplain DsmOptions#keepLocks keeps locks}, the default): its next sections
 * begin at once, and each costs one round trip, at its end; one that changes nothing costs none. When
 * another replica asks, the home sends a revoke, and the keeper hands the lock back at once, or at the
 * end of the section it is in. Writers that take turns are not affected (the lock is kept only by
 * the replica that also held it before), but a keeper stopped by a debugger or {@code SIGSTOP} holds
 * the others up until the home drops it (the peer timeout), as a stopped writer inside a section does.
 *
 * <p><b>Threads.</b> Any thread may read, write or sync; the threads of one process take turns for
 * the write lock (first come first served locally, then in the home's queue). A read holds off the
 * application of incoming updates (and the frames behind them, in order), and a write section holds
 * off local reads: keep both short. A read may last longer than the peer timeout: the replica keeps
 * sending heartbeats meanwhile, and its receiver reads the frames behind the held update ahead into a
 * queue in this process, so the home keeps it as long as the updates held off fit in that queue's bound,
 * the home's for its outbox to the replica (four whole-region updates, at least 16 MiB; past it the home
 * drops the replica: see docs/dsm.md); a home that closes or dies meanwhile does not cost the updates
 * received before: they are applied, in order, when the read ends (so {@link #lastSnapshot()} has
 * them), and then the replica fails. That holds also if another thread's call that must send to the
 * home ({@link #sync()}, {@link #write()}, the end of a write section) finds the home's end of the
 * connection closed meanwhile: that call throws {@link RegionHomeLostException} at once (nothing of it
 * was sent), but the updates already received are applied as above, and the replica fails (every
 * call throws, {@link #isConnected()} is false) only after them. Received means received by this
 * host: of a home whose process was killed, frames still in its host's kernel (say, because this
 * replica's socket buffer was full) may be lost. A
 * {@link RegionRead} and a {@link RegionWrite} must be closed by the thread that opened them (another
 * thread's end of a write section is an {@link IllegalStateException} that leaves it open), and a
 * thread inside a read may not write, sync or await a version ({@link IllegalStateException}: they
 * would wait for ever for an update the read holds off), nor a thread inside a write section open
 * another section of this replica ({@link IllegalStateException}: it would wait for the lock it
 * holds). The same holds across replicas: a process that opened one region at one home more than
 * once has a replica per {@code open}, and a thread inside a write section or a read of one of them
 * may not open a section of another ({@link IllegalStateException}: the home would queue it behind
 * that section, or, inside a read, behind another thread's section of the read replica that the
 * read holds off). Replicas count as of one home if their home addresses are {@code equals}. The
 * segment of a read or a write section is its thread's, for as long as it is open
 * (afterwards {@link IllegalStateException}, from another thread {@link WrongThreadException}).
 * Blocking
 * calls are interruptible and suit virtual threads. A background virtual thread receives the home's
 * frames and sends heartbeats.
 *
 * <p><b>Memory consistency.</b> Within one process, the end of a write section happens-before every
 * later read that sees its version. Across processes, a section's writes are visible to a read of a
 * replica at that section's version or later.
 *
 * <p><b>When a peer dies.</b> A writer that dies (or is silent for the peer timeout) while holding
 * the lock loses its section: nothing of it was sent, the home frees the lock and the next writer
 * goes on. If the home dies, closes, or is silent for the peer timeout, this replica fails: every
 * blocked call and every later one throws {@link RegionHomeLostException}; {@link #lastSnapshot()}
 * still gives the last bytes it had. A section whose release was not acknowledged may or may not
 * have been applied.
 */
public final class ReplicatedRegion implements AutoCloseable {
    private enum State { OPEN, LOST, CLOSED }

    /** Where the region's write lock is, as far as this replica knows. */
    private enum Lock {
        /** At the home or another replica (a request of ours may be queued). */
        NONE,
        /** Ours, for a write section being opened, open, or ending (or a grant nobody wants any more). */
        HELD,
        /** Ours between sections: the home answered KEPT. */
        KEPT,
        /** A RELEASE of ours awaits its answer (RELEASED or KEPT). */
        RELEASING
    }

    /**
     * Test seam (ReplicaStallTest), null otherwise: runs on the opening thread when {@link #awaitAnswer}'s
     * wait for the home's answer found none, before it decides on the clock, to stand for its stall there.
     */
    static volatile Runnable afterEmptyAnswerPoll;

    private final String name;
    private final long size;
    private final DsmOptions options;
    private final SocketAddress home;
    private final StreamConnection connection;
    /** Freed by the garbage collector once no replica, read or section refers to it: close never waits for them. */
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment replica;
    private final MemorySegment readOnly;
    private MemorySegment twin;
    /** Readers share it; an update being applied, a write section, and close hold it exclusively. */
    private final ReentrantReadWriteLock replicaLock = new ReentrantReadWriteLock();
    /** One write section of this process at a time. */
    private final ReentrantLock writers = new ReentrantLock(true);
    /**
     * Longest wait for {@link #writers} between two looks at whether the replica was closed meanwhile
     * ({@link #takeWritersTurn}): the library's slice.
     */
    private static final long TURN_SLICE_NANOS = io.jipc.platform.Futex.SLICE_NANOS;
    /**
     * Longest wait for reads to end between two {@linkplain ReplicaInbox#readAhead() reads ahead} of the
     * receiver ({@link #lockForUpdate}): the library's slice, so that the home's sends keep moving (over
     * loopback the socket buffers take a few MiB a slice) while the wait ends as soon as the reads do.
     */
    private static final long READ_AHEAD_SLICE_NANOS = io.jipc.platform.Futex.SLICE_NANOS;
    /** Guards the queues of requests awaiting the home's answers, and the state. */
    private final Object pending = new Object();
    private final ArrayDeque<CompletableFuture<Long>> grants = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<Long>> releases = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<Long>> syncs = new ArrayDeque<>();
    /** Guarded by {@link #pending}, changed by the frames in the order they travel. */
    private Lock lock = Lock.NONE;
    /** The held lock was kept from an earlier section (no ACQUIRE was sent); guarded by {@link #pending}. */
    private boolean heldFromKept;
    /** The home asked for the held lock back; guarded by {@link #pending}. */
    private boolean revokeAsked;
    private final Object versionChanged = new Object();
    private final Thread receiver;
    /** The home's frames, read ahead while an update waits for reads; the receiver's only. */
    private final ReplicaInbox inbox;
    /** An update waits for reads ({@link #lockForUpdate}); set by the receiver, for tests. */
    private volatile boolean updateHeldOff;
    private volatile long version;
    private volatile State state = State.OPEN;
    private volatile RuntimeException failure;
    private volatile long lastSent = System.nanoTime();
    /** Tickets of the frames being offered to the connection now, oldest first ({@link #send}). */
    private final ConcurrentSkipListSet<Long> framesGoingOut = new ConcurrentSkipListSet<>();
    private final AtomicLong tickets = new AtomicLong();
    /**
     * The failure of the first send (a heartbeat, or a frame of a call) that found the home's end of the
     * connection closed, or null: once set, nothing is sent any more ({@link #markHomeEndClosed}).
     */
    private volatile PeerClosedException homeEndClosed;

    private ReplicatedRegion(String name, long size, DsmOptions options, SocketAddress home,
                             StreamConnection connection, DsmWire.Opened opened) {
        this.name = name;
        this.size = size;
        this.options = options;
        this.home = home;
        this.connection = connection;
        this.replica = arena.allocate(size, 64);
        this.readOnly = replica.asReadOnly();
        MemorySegment.copy(opened.frame(), DsmWire.SNAPSHOT_AT, replica, ValueLayout.JAVA_BYTE, 0, (int) size);
        this.version = opened.version();
        this.inbox = new ReplicaInbox(connection, name, home, size, options);
        this.receiver = Thread.ofVirtual().name("jipc-dsm " + name).unstarted(this::receive);
    }

    /**
     * Opens region {@code region} of {@code size} bytes at the home registered in {@code names} as
     * {@code home} ({@link RegionHome#register}), as {@link #open(SocketAddress, String, long, DsmOptions)}.
     *
     * @throws DsmException if no home is registered as {@code home}
     */
    public static ReplicatedRegion open(NameService names, String home, String region, long size, DsmOptions options)
            throws InterruptedException {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(options, "options");
        return open(HomeNames.resolve(names, home), region, size, options);
    }

    /** Opens region {@code name} of {@code size} bytes at {@code home} with the default options. */
    public static ReplicatedRegion open(SocketAddress home, String name, long size) throws InterruptedException {
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(name, "name");
        return open(home, name, size, DsmOptions.defaults());
    }

    /**
     * Connects to the home, which makes the region (zero-filled) if it is new, and copies the
     * region's current bytes into a new replica. Blocks for at most the connect timeout until the
     * home's answer begins; a snapshot that has begun may take longer (a large region over a slow
     * link), as long as no byte of it stalls for the peer timeout, and this side sends heartbeats
     * meanwhile.
     *
     * @param home the home's address ({@link RegionHome#address()})
     * @param name 1 to 128 of {@code [A-Za-z0-9._-]}, not starting with a dot
     * @param size the region's size in bytes, 1 to {@link DsmOptions#maxRegionSize()}; must be the size
     *             the region was made with
     * @throws RegionRefusedException  if the home refuses (another size, too large, too many regions,
     *                                 no room in its memory bound, another protocol version)
     * @throws RegionHomeLostException if the home cannot be reached or does not answer in time
     */
    public static ReplicatedRegion open(SocketAddress home, String name, long size, DsmOptions options)
            throws InterruptedException {
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(options, "options");
        DsmWire.checkName(name);
        if (size < 1 || size > options.maxRegionSize()) {
            throw new IllegalArgumentException("region size must be 1 to " + options.maxRegionSize() + ": " + size);
        }
        // a started frame is bounded by the peer timeout without a byte of it moving, not whole (a snapshot
        // or update of a large region over a slow link; until 2026-12-07 it had to arrive whole in that time)
        ConnectionOptions connectionOptions = ConnectionOptions.defaults().withMaxFrameSize(options.maxFrameSize())
                .withFrameTimeout(options.peerTimeout()).withConnectTimeout(options.connectTimeout())
                .withFrameTimeoutFromLastByte(true);
        StreamConnection connection;
        try {
            connection = StreamConnection.connect(home, connectionOptions);
        } catch (JipcException e) {
            throw new RegionHomeLostException("cannot reach the home of region " + name + " at " + Sockets.describe(home) + ": "
                    + e.getMessage(), e);
        }
        try {
            if (!connection.offer(DsmWire.open(name, size), options.connectTimeout())) {
                throw new RegionHomeLostException("the home at " + Sockets.describe(home) + " does not read");
            }
            byte[] answer = awaitAnswer(connection, options);
            if (answer == null) {
                throw new RegionHomeLostException(connection.isEndOfStream()
                        ? "the home at " + Sockets.describe(home) + " closed the connection"
                        : "no answer from the home at " + Sockets.describe(home) + " within "
                        + Timeouts.text(options.connectTimeout()));
            }
            ReplicatedRegion region = switch (DsmWire.decode(answer, size)) {
                case DsmWire.Opened opened -> new ReplicatedRegion(name, size, options, home, connection, opened);
                case DsmWire.Refused refused -> throw new RegionRefusedException(refused.reason(),
                        "the home at " + Sockets.describe(home) + " refused region " + name + ": " + refused.message());
                default -> throw new DsmProtocolException("the home answered OPEN with frame type " + answer[0]);
            };
            LocalReplicas.add(region); // before the receiver, whose loss removes it
            region.receiver.start();
            return region;
        } catch (JipcException e) {
            connection.close();
            if (e instanceof DsmException) {
                throw e;
            }
            throw new RegionHomeLostException("the home of region " + name + " at " + Sockets.describe(home) + " failed: "
                    + e.getMessage(), e);
        } catch (InterruptedException | RuntimeException | Error e) {
            connection.close();
            throw e;
        }
    }

    /**
     * The home's answer to the OPEN just sent, or null if none began within the connect timeout or the
     * home closed. Once it has begun it goes on as long as its bytes keep coming: the snapshot of a
     * large region over a slow link may take far longer than the connect timeout, and the connection's
     * frame timeout (the peer timeout) ends a stall of it. Meanwhile this side sends a heartbeat each
     * heartbeat interval, so that the home does not take it for silent; only once the answer has been
     * under way for an interval (a REFUSED, the other answer, is short and comes at once).
     */
    private static byte[] awaitAnswer(StreamConnection connection, DsmOptions options) throws InterruptedException {
        long before = connection.lastReceived(); // no byte of the home's yet: when the connection was made
        long deadline = Timeouts.deadline(options.connectTimeout());
        long heartbeat = Timeouts.nanos(options.heartbeatInterval());
        long lastSent = System.nanoTime();
        while (true) {
            // once the answer is under way its frame timeout bounds a stall, not the connect timeout: a wait
            // cut to the time left, which is none after the deadline, spun until the answer was in (until
            // 2026-12-07: 17-49 % of a CPU for an answer arriving slowly after the connect timeout)
            long slice = deadline == Timeouts.NO_DEADLINE || connection.lastReceived() != before ? heartbeat
                    : Math.min(heartbeat, Math.max(0, deadline - System.nanoTime()));
            byte[] answer = connection.poll(Duration.ofNanos(slice));
            if (answer != null || connection.isEndOfStream()) {
                return answer;
            }
            Runnable seam = afterEmptyAnswerPoll;
            if (seam != null) {
                seam.run();
            }
            long now = System.nanoTime();
            if (connection.lastReceived() == before) { // nothing of the answer yet
                if (deadline != Timeouts.NO_DEADLINE && now - deadline >= 0) {
                    // one look more, without waiting: an answer that came while this thread stalled after its
                    // wait (a GC pause, a loaded host) is taken, or goes on if under way (until 2026-12-07 not)
                    answer = connection.poll();
                    if (answer != null || connection.isEndOfStream() || connection.lastReceived() == before) {
                        return answer;
                    }
                }
            } else if (now - lastSent >= heartbeat) {
                if (!connection.offer(DsmWire.signal(DsmWire.HEARTBEAT), options.peerTimeout())) {
                    throw new RegionHomeLostException("the home at " + connection.remote() + " stopped reading for "
                            + Timeouts.text(options.peerTimeout()));
                }
                lastSent = now;
            }
        }
    }

    public String name() {
        return name;
    }

    /** The region's size in bytes. */
    public long byteSize() {
        return size;
    }

    /** The home's address. */
    public SocketAddress home() {
        return home;
    }

    /** The version of this replica's bytes: how many write sections it holds. */
    public long version() {
        return version;
    }

    /** True until the home is lost or this replica is closed. */
    public boolean isConnected() {
        return state == State.OPEN;
    }

    /**
     * Opens a read of the replica as it is now: a read-only view that no update changes until the
     * read is closed. Blocks only while an update or a write section of this process is being
     * applied. Close it in the same thread.
     *
     * @throws RegionHomeLostException if the home was lost (see {@link #lastSnapshot()})
     * @throws ClosedException         if this replica was closed
     */
    public RegionRead read() {
        replicaLock.readLock().lock();
        try {
            checkOpen();
        } catch (RuntimeException e) {
            replicaLock.readLock().unlock();
            throw e;
        }
        return new RegionRead(readOnly, version, replicaLock.readLock());
    }

    /**
     * Reads the replica with {@code reader} inside a {@link #read()}; a view that escapes it throws
     * {@link IllegalStateException} when used.
     */
    public <T> T read(Function<MemorySegment, T> reader) {
        Objects.requireNonNull(reader, "reader");
        try (RegionRead view = read()) {
            return reader.apply(view.segment());
        }
    }

    /** A copy of the replica's bytes, at one version. */
    public byte[] snapshot() {
        try (RegionRead view = read()) {
            return view.segment().toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * A copy of the last bytes this replica had, even after the home was lost.
     *
     * @throws ClosedException if this replica was closed
     */
    public byte[] lastSnapshot() {
        replicaLock.readLock().lock();
        try {
            if (state == State.CLOSED) {
                throw new ClosedException("replica of region " + name + " is closed");
            }
            return replica.toArray(ValueLayout.JAVA_BYTE);
        } finally {
            replicaLock.readLock().unlock();
        }
    }

    /**
     * Takes the region's write lock, waiting as long as it takes (not at all if this replica keeps
     * it), and opens a write section. A section that begins at once (the lock kept here, no other
     * thread of this replica writing) begins also for an interrupted thread, which keeps its status.
     *
     * @throws InterruptedException    if interrupted before or while waiting (the request is withdrawn)
     * @throws RegionHomeLostException if the home is lost meanwhile
     * @throws IllegalStateException   if this thread is inside a read or a write section of this
     *                                 replica, or of another replica of this region at the same
     *                                 home in this process (it would, or could, wait for ever:
     *                                 see "Threads" above), before anything is asked; the open
     *                                 section or read goes on
     */
    public RegionWrite write() throws InterruptedException {
        return acquire(Long.MAX_VALUE);
    }

    /**
     * Takes the region's write lock if it comes within {@code timeout}. As {@link #write()} with an
     * interrupt pending, also for a zero or negative timeout: a section that cannot begin at once
     * throws.
     *
     * @return the write section, or null if the lock did not come in time (the request is withdrawn)
     * @throws InterruptedException  if interrupted before or while waiting (the request is withdrawn)
     * @throws IllegalStateException as {@link #write()}, also with a zero timeout
     */
    public RegionWrite tryWrite(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + Timeouts.nanos(timeout);
        return acquire(deadline);
    }

    /**
     * Runs {@code writer} in a write section. If it throws, the section is aborted (the replica goes
     * back to its bytes before the section, nothing is sent) and the exception passed on.
     */
    public void update(Consumer<MemorySegment> writer) throws InterruptedException {
        Objects.requireNonNull(writer, "writer");
        try (RegionWrite section = write()) {
            try {
                writer.accept(section.segment());
            } catch (RuntimeException | Error e) {
                section.abort();
                throw e;
            }
        }
    }

    /**
     * Waits until this replica holds every write section the home had applied when it received the
     * request: after it returns, a read sees everything released anywhere before {@code sync} was
     * called. One round trip to the home, so it never completes at once: an interrupted thread
     * gets {@link InterruptedException} before anything is sent.
     *
     * @return the replica's version then
     * @throws RegionHomeLostException if the home is lost meanwhile
     */
    public long sync() throws InterruptedException {
        refuseInsideRead("sync");
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        CompletableFuture<Long> answer = new CompletableFuture<>();
        synchronized (pending) {
            checkOpen();
            syncs.add(answer);
        }
        send(DsmWire.signal(DsmWire.SYNC), syncs, answer);
        return await(answer);
    }

    /**
     * Waits until the replica's version is above {@code seen} (another write section arrived or this
     * process released one), for at most {@code timeout}. A version above {@code seen} already there
     * is returned also to an interrupted thread, which keeps its status.
     *
     * @return the version then; equal to {@code seen} (or lower) if the time passed
     * @throws InterruptedException if interrupted before or while waiting, or at the timeout (also a zero one)
     * @throws RegionHomeLostException if the home is lost meanwhile
     */
    public long awaitVersion(long seen, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        refuseInsideRead("awaitVersion");
        long deadline = System.nanoTime() + Timeouts.nanos(timeout);
        synchronized (versionChanged) {
            while (true) {
                checkOpen();
                long now = version;
                if (now > seen) {
                    return now; // also to an interrupted thread, which keeps its status
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException(); // also at the timeout, or with a zero one
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return now;
                }
                TimeUnit.NANOSECONDS.timedWait(versionChanged, left);
            }
        }
    }

    /**
     * Closes the replica: disconnects from the home, which frees the write lock if this replica held
     * it (an open write section's changes are dropped). Does not wait for reads or write sections of
     * other threads: their segments stay readable until they end, and ending a write section then
     * throws {@link ClosedException}; the memory is freed once nothing refers to it. Blocked calls
     * fail with {@link ClosedException}. Idempotent.
     */
    @Override
    public void close() {
        synchronized (pending) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            failure = new ClosedException("replica of region " + name + " is closed");
            failPending(failure);
        }
        LocalReplicas.remove(this);
        connection.close();
        wakeVersionWaiters();
    }

    @Override
    public String toString() {
        return "replica of region " + name + " (" + size + " bytes, version " + version + ") of the home at "
                + Sockets.describe(home)
                + (state == State.OPEN ? "" : ", " + state.name().toLowerCase());
    }

    // ---- write sections ----

    /**
     * Takes the turn of this replica's writers by {@code deadline} ({@link Long#MAX_VALUE}: none), as
     * {@code io.jipc.Turns.take} does, but in slices of {@link #TURN_SLICE_NANOS} between which it
     * checks that the replica is still open: the turn is held by another thread's open write section,
     * which {@link #close()} does not end, so a waiter behind it would otherwise wait until that
     * section ends (for ever if it never does) although the replica is closed.
     *
     * @throws ClosedException (or the replica's failure) if the replica is closed or failed meanwhile
     */
    private boolean takeWritersTurn(long deadline) throws InterruptedException {
        if (writers.tryLock()) {
            return true; // a free turn is taken whatever the interrupt status
        }
        while (true) {
            synchronized (pending) { // the state and its failure are set together under it
                checkOpen();
            }
            long slice = TURN_SLICE_NANOS;
            if (deadline != Long.MAX_VALUE) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return writers.tryLock();
                }
                slice = Math.min(slice, remaining);
            }
            if (writers.tryLock(slice, TimeUnit.NANOSECONDS)) { // an interrupted thread throws
                return true;
            }
        }
    }

    /**
     * Opens a write section by {@code deadline} ({@link Long#MAX_VALUE}: none). A section that can
     * begin at once (the turn of this replica's writers free and the lock kept here) begins whatever
     * the interrupt status, which stays set; one that must wait for another thread of this replica or
     * ask the home makes an interrupted thread throw before it asks, also at a deadline that has
     * passed (docs/architecture.md, "Interrupts and timeouts").
     */
    private RegionWrite acquire(long deadline) throws InterruptedException {
        refuseInsideRead("a write section");
        if (writers.isHeldByCurrentThread()) {
            // the turn is reentrant, but the lock is this thread's own section's: the request would
            // queue behind it at the home (or for the replica's write lock) until the section ends
            throw new IllegalStateException("a write section inside a write section of region " + name
                    + " in the same thread would wait for ever: end the open section first");
        }
        refuseInsideAnotherReplica();
        if (!takeWritersTurn(deadline)) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return null;
        }
        boolean handedOut = false;
        try {
            CompletableFuture<Long> grant = new CompletableFuture<>();
            boolean adopted = false;
            boolean keptLock = false;
            synchronized (pending) {
                checkOpen();
                if (lock == Lock.KEPT) {
                    // the home left the lock with us: no ACQUIRE, no waiting
                    lock = Lock.HELD;
                    heldFromKept = true;
                    revokeAsked = false;
                    keptLock = true;
                } else {
                    if (Thread.interrupted()) {
                        throw new InterruptedException(); // it would wait for the home: nothing asked
                    }
                    // a request withdrawn earlier is still queued at the home: take its place instead
                    // of queueing another (so a replica has at most one request there)
                    CompletableFuture<Long> withdrawn = grants.peekFirst();
                    if (withdrawn != null && withdrawn.isCancelled()) {
                        grants.pollFirst();
                        grants.addFirst(grant);
                        adopted = true;
                    } else {
                        grants.addLast(grant);
                    }
                }
            }
            if (!keptLock && !adopted) {
                send(DsmWire.signal(DsmWire.ACQUIRE), grants, grant);
            }
            if (!keptLock && !awaitGrant(grant, deadline)) {
                return null;
            }
            try {
                if (!replicaLock.writeLock().tryLock()) { // free: taken also by an interrupted thread
                    replicaLock.writeLock().lockInterruptibly();
                }
            } catch (InterruptedException e) {
                releaseUnused();
                throw e;
            }
            if (state != State.OPEN) {
                // lost (or closed) just after the grant came: no section that could never reach the home
                replicaLock.writeLock().unlock();
                throw failed();
            }
            if (twin == null) {
                twin = arena.allocate(size, 64);
            }
            MemorySegment.copy(replica, 0, twin, 0, size);
            handedOut = true;
            return new RegionWrite(this, replica);
        } finally {
            if (!handedOut) {
                writers.unlock();
            }
        }
    }

    /** Waits for the grant; on timeout or interrupt withdraws the request (false, or rethrows). */
    private boolean awaitGrant(CompletableFuture<Long> grant, long deadline) throws InterruptedException {
        try {
            if (deadline == Long.MAX_VALUE) {
                grant.get();
            } else {
                grant.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (TimeoutException | InterruptedException e) {
            if (grant.cancel(false)) {
                // withdrawn: when the grant comes, the receiver hands the lock straight back
                if (e instanceof InterruptedException ie) {
                    throw ie;
                }
                return false;
            }
            if (grant.isCompletedExceptionally()) {
                throw failureOf(grant);
            }
            releaseUnused(); // granted just as the wait ended
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            return false;
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /**
     * Ends a held lock that no section used: keeps it if it was kept before and the home did not ask
     * for it; else hands it back without changes, not waiting for the answer.
     */
    private void releaseUnused() {
        CompletableFuture<Long> unused = new CompletableFuture<>();
        synchronized (pending) {
            if (state != State.OPEN) {
                return;
            }
            if (heldFromKept && !revokeAsked) {
                lock = Lock.KEPT;
                return;
            }
            lock = Lock.RELEASING;
            releases.add(unused);
        }
        send(DsmWire.release(Diff.EMPTY), releases, unused);
    }

    /** Ends a write section: called once by {@link RegionWrite#close()} or {@link RegionWrite#abort()}. */
    long release(boolean abort) {
        try {
            CompletableFuture<Long> answer = new CompletableFuture<>();
            byte[] frame;
            boolean changed = false;
            try {
                if (abort || state != State.OPEN) {
                    // aborted, or nothing of it can be sent any more: the replica goes back to the
                    // bytes before the section (so lastSnapshot() holds only what was released)
                    MemorySegment.copy(twin, 0, replica, 0, size);
                }
                checkOpen();
                Diff diff = abort ? Diff.EMPTY : Diff.between(replica, twin);
                frame = DsmWire.release(diff);
                if (!diff.isEmpty()) {
                    // the holder's section is the home's next version: reads see bytes and number
                    // together; set before the answer is queued, which the receiver takes under the same lock
                    version++;
                    changed = true;
                }
                synchronized (pending) {
                    checkOpen();
                    if (!changed && heldFromKept && !revokeAsked) {
                        lock = Lock.KEPT; // nothing to tell the home, and nobody asked for the lock
                        frame = null;
                    } else {
                        lock = Lock.RELEASING;
                        releases.add(answer);
                    }
                }
            } finally {
                replicaLock.writeLock().unlock();
            }
            if (changed) {
                wakeVersionWaiters();
            }
            if (frame == null) {
                return version;
            }
            send(frame, releases, answer);
            return awaitUninterruptibly(answer);
        } finally {
            writers.unlock();
        }
    }

    // ---- the home's frames ----

    /**
     * The receiver thread: dispatches the home's frames in the order they travel (those read ahead while an
     * update waited for reads first: {@link ReplicaInbox}), heartbeats, and loses the replica at the end of
     * the stream, the home's silence for the peer timeout, a failed connection or a REFUSED, after the
     * frames received before it.
     */
    private void receive() {
        long heartbeat = Timeouts.nanos(options.heartbeatInterval());
        try {
            while (state == State.OPEN) {
                byte[] frame = inbox.next(options.heartbeatInterval());
                if (frame != null) {
                    dispatch(DsmWire.decode(frame, size));
                }
                heartbeatIfDue(heartbeat);
            }
        } catch (InterruptedException e) {
            lose(new RegionHomeLostException("the receiver of region " + name + " was interrupted", e));
        } catch (DsmException e) {
            lose(e instanceof RegionHomeLostException ? e
                    : new RegionHomeLostException("the home of region " + name + " at " + Sockets.describe(home) + ": " + e.getMessage(), e));
        } catch (JipcException e) {
            lose(new RegionHomeLostException("the connection to the home of region " + name + " at " + Sockets.describe(home)
                    + " failed: " + e.getMessage(), e));
        } catch (RuntimeException | Error e) {
            // anything else (the heap too small for the frames read ahead: OutOfMemoryError) must not end
            // the receiver silently, leaving the replica "connected", stale, and its calls waiting for ever
            inbox.discard(); // the frames read ahead go: the heap they took comes back first
            lose(new RegionHomeLostException("the receiver of region " + name + " failed: " + e, e));
            if (e instanceof Error error && !(error instanceof OutOfMemoryError)) {
                throw error;
            }
        }
    }

    private void dispatch(DsmWire.Frame frame) throws InterruptedException {
        switch (frame) {
            case DsmWire.Update update -> {
                if (update.version() <= version) {
                    throw new DsmProtocolException("update to version " + update.version() + " at version " + version);
                }
                if (!lockForUpdate()) {
                    return; // closed while a read held the update off
                }
                // applied also if the replica was lost meanwhile: it was received before the loss, and
                // lastSnapshot() gives the last bytes the replica had
                try {
                    if (state == State.CLOSED) {
                        return;
                    }
                    update.diff().applyTo(replica);
                    version = update.version();
                } finally {
                    replicaLock.writeLock().unlock();
                }
                wakeVersionWaiters();
            }
            case DsmWire.Versioned v when v.type() == DsmWire.GRANTED -> {
                CompletableFuture<Long> grant = next(grants, "GRANTED");
                synchronized (pending) {
                    if (lock != Lock.NONE) {
                        throw new DsmProtocolException("GRANTED while the lock is " + lock.name().toLowerCase() + " here");
                    }
                    lock = Lock.HELD;
                    heldFromKept = false;
                    revokeAsked = false;
                }
                if (!grant.complete(v.version())) {
                    releaseUnused(); // the request was withdrawn
                }
            }
            case DsmWire.Versioned v when v.type() == DsmWire.RELEASED || v.type() == DsmWire.KEPT -> {
                boolean kept = v.type() == DsmWire.KEPT;
                String what = kept ? "KEPT" : "RELEASED";
                CompletableFuture<Long> answer = next(releases, what);
                if (v.version() != version) {
                    throw new DsmProtocolException(what + " version " + v.version() + " at version " + version);
                }
                synchronized (pending) {
                    lock = kept ? Lock.KEPT : Lock.NONE; // a RELEASE was awaiting it: the lock was RELEASING
                }
                answer.complete(v.version());
            }
            case DsmWire.Signal s when s.type() == DsmWire.REVOKE -> revoke();
            case DsmWire.Versioned v when v.type() == DsmWire.SYNCED -> next(syncs, "SYNCED").complete(v.version());
            case DsmWire.Signal s when s.type() == DsmWire.HEARTBEAT -> { }
            case DsmWire.Refused refused -> throw new RegionHomeLostException("the home of region " + name + " at "
                    + Sockets.describe(home) + " dropped this replica: " + refused.message());
            default -> throw new DsmProtocolException("a home does not send " + frame);
        }
    }

    /**
     * Takes the replica's write lock for an update. Called by the receiver only, from {@link #dispatch};
     * blocks while reads (of any thread of this process) hold the update off, for as long as they like.
     * Meanwhile, at each {@linkplain #READ_AHEAD_SLICE_NANOS slice}, the receiver reads ahead
     * ({@link ReplicaInbox#readAhead()}): it takes the frames that have arrived into a queue in this
     * process, in order, so that the home's sends to this replica keep moving and it does not drop the
     * replica as a slow reader; and it goes on sending heartbeats, so that the home does not take a replica
     * whose process runs but reads for a long time for a stopped one. When the reads end, the update is
     * applied and the queued frames are dispatched, in order, before any other. Memory: the queue holds at
     * most the home's bound for its outbox to this replica (four whole-region updates, at least 16 MiB)
     * plus one frame; past it the receiver reads no further, the frames behind wait in the sockets, and
     * the home drops the replica, as one whose outbox overflowed. A home that closes, dies or resets the
     * connection meanwhile costs neither the update nor the frames read ahead: the heartbeats stop
     * ({@link #heartbeatIfDue}; an end seen while reading ahead stops them at once, and after the end of the
     * stream or a reset other threads' sends throw without losing the replica: {@link #markHomeEndClosed}),
     * and they are applied
     * when the reads end, the replica lost only after them, as after a loss by another thread's send.
     * Woken by the lock when the last read ends, or at each slice.
     *
     * @return false if the replica was closed (the lock is not held)
     */
    private boolean lockForUpdate() throws InterruptedException {
        if (replicaLock.writeLock().tryLock()) {
            return true;
        }
        long heartbeat = Timeouts.nanos(options.heartbeatInterval());
        long slice = Math.min(heartbeat, READ_AHEAD_SLICE_NANOS);
        updateHeldOff = true;
        try {
            while (!replicaLock.writeLock().tryLock(slice, TimeUnit.NANOSECONDS)) {
                if (state == State.CLOSED) {
                    return false;
                }
                if (state == State.OPEN) {
                    PeerClosedException homeEnd = inbox.readAhead();
                    if (homeEnd != null) {
                        markHomeEndClosed(homeEnd); // nothing is sent any more
                    }
                    heartbeatIfDue(heartbeat);
                }
            }
            return true;
        } finally {
            updateHeldOff = false;
        }
    }

    /**
     * Sends the receiver's heartbeat if one is due. When the send finds the home's end closed (it
     * closed, or its process died: {@link PeerClosedException}, nothing sent), the replica is not lost
     * here, which would close the connection and throw away what the home sent before (the updates
     * and answers a closing home flushes, an update held off by a read): the heartbeats stop, and the
     * receiver reads on, applying the frames in order, to the end of the stream (or the connection's
     * failure), which loses the replica after them. None is sent either once reading ahead has seen such
     * an end ({@link ReplicaInbox#ended()}): the connection may be closed, and a failed heartbeat would
     * lose the replica before the frames read ahead. Called by the receiver only.
     */
    private void heartbeatIfDue(long heartbeat) throws InterruptedException {
        if (homeEndClosed != null || inbox.ended() || System.nanoTime() - lastSent < heartbeat) {
            return;
        }
        if (!framesGoingOut.isEmpty()) {
            // another thread's frame goes out (a long RELEASE over a slow link): its bytes tell the home that
            // this replica lives, and waiting behind it would keep this receiver from reading
            return;
        }
        try {
            if (connection.offer(DsmWire.signal(DsmWire.HEARTBEAT), options.peerTimeout())) {
                lastSent = System.nanoTime();
                return;
            }
        } catch (PeerClosedException e) {
            // what came before is still to be read (a heartbeat cut half-way would have closed the
            // connection: the receiver's next poll fails and loses the replica)
            markHomeEndClosed(e);
            return;
        } catch (JipcException e) {
            lose(new RegionHomeLostException("the connection to the home of region " + name + " at "
                    + Sockets.describe(home) + " failed: " + e.getMessage(), e));
            throw failed();
        }
        lose(new RegionHomeLostException("the home of region " + name + " at " + Sockets.describe(home)
                + " stopped reading for " + Timeouts.text(options.peerTimeout())));
        throw failed();
    }

    /**
     * Whether the receiver has an update that open reads hold off ({@link #lockForUpdate}). For tests
     * ({@code ReplicaChild}).
     */
    boolean updateHeldOff() {
        return updateHeldOff;
    }

    /**
     * Whether a send (a heartbeat, or a call's frame) or the receiver reading ahead has found the home's end
     * of the connection closed, so that no frame is sent any more. For tests ({@code ReplicaChild}).
     */
    boolean homeEndClosedSeen() {
        return homeEndClosed != null;
    }

    /** The home wants the kept lock back: now if no section holds it, else at the section's end. */
    private void revoke() {
        CompletableFuture<Long> handBack = new CompletableFuture<>();
        synchronized (pending) {
            switch (lock) {
                case NONE -> throw new DsmProtocolException("REVOKE of a lock this replica does not have");
                case HELD -> {
                    revokeAsked = true;
                    return;
                }
                case RELEASING -> {
                    return; // the RELEASE on its way answers it
                }
                case KEPT -> {
                    lock = Lock.RELEASING;
                    releases.add(handBack);
                }
            }
        }
        send(DsmWire.release(Diff.EMPTY), releases, handBack);
    }

    private CompletableFuture<Long> next(ArrayDeque<CompletableFuture<Long>> queue, String what) {
        synchronized (pending) {
            CompletableFuture<Long> first = queue.poll();
            if (first == null) {
                throw new DsmProtocolException(what + " that nothing asked for");
            }
            return first;
        }
    }

    // ---- plumbing ----

    /**
     * Sends a frame whose answer {@code answer}, queued in {@code queue}, awaits, waiting at most the
     * peer timeout for room, and on while an older frame of this replica still goes out (a long RELEASE
     * over a slow link holds the send turn as long as its bytes move; a stall of it ends the connection,
     * and this send with it). Not interruptible: the request is already queued for its answer, so the
     * frame must go (an interrupt is kept for the caller). If the home's end of the connection is
     * closed (it closed, died or dropped this replica: {@link PeerClosedException}, nothing sent), the
     * request is taken out of its queue and the caller gets a {@link RegionHomeLostException}, but the
     * replica is not lost here: that would close the connection and throw away what the home sent
     * before (the updates a read holds off, the answers to other threads' requests); the receiver reads
     * on, applying those frames in order, to the end of the stream (or the connection's failure),
     * which loses the replica after them ({@link #markHomeEndClosed}). The receiver's own frames (a lock
     * handed back) just are not sent then, and it reads on. If the frame cannot go otherwise (the home
     * stopped reading, the connection failed or was cut half-way), the replica is lost and the failure
     * thrown.
     */
    private void send(byte[] frame, ArrayDeque<CompletableFuture<Long>> queue, CompletableFuture<Long> answer) {
        boolean interrupted = false;
        long ticket = tickets.incrementAndGet();
        framesGoingOut.add(ticket);
        try {
            while (true) {
                if (homeEndClosed != null) {
                    synchronized (pending) {
                        queue.remove(answer); // never sent: no answer comes
                    }
                    if (Thread.currentThread() == receiver) {
                        return;
                    }
                    if (state != State.OPEN) {
                        break;
                    }
                    throw homeEndClosedFailure();
                }
                try {
                    if (connection.offer(frame, options.peerTimeout())) {
                        lastSent = System.nanoTime();
                        return;
                    }
                    if (framesGoingOut.first() < ticket) {
                        // an older frame still goes out (a long RELEASE over a slow link): it holds the send turn
                        // as long as its bytes move, and its own bounds end a stall of it; wait on behind it
                        continue;
                    }
                    lose(new RegionHomeLostException("the home of region " + name + " at " + Sockets.describe(home)
                            + " stopped reading for " + Timeouts.text(options.peerTimeout())));
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // before the first byte (the connection is intact): try again
                    if (!connection.isOpen()) {
                        lose(new RegionHomeLostException("interrupted half-way through a frame to the home of region "
                                + name + "; the connection is cut", e));
                        break;
                    }
                } catch (PeerClosedException e) {
                    if (!connection.isOpen()) {
                        // cut half-way (the connection is closed), or this replica closed
                        if (state == State.OPEN) {
                            lose(new RegionHomeLostException("the connection to the home of region " + name + " at "
                                    + Sockets.describe(home) + " failed: " + e.getMessage(), e));
                        }
                        break;
                    }
                    markHomeEndClosed(e);
                } catch (JipcException e) {
                    if (state == State.OPEN) {
                        lose(new RegionHomeLostException("the connection to the home of region " + name + " at "
                                + Sockets.describe(home) + " failed: " + e.getMessage(), e));
                    }
                    break;
                }
            }
        } finally {
            framesGoingOut.remove(ticket);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        throw failed();
    }

    /**
     * A send (a heartbeat, or a frame of a call), or the receiver reading ahead (the end of the stream, a
     * reset), found the home's end of the connection closed: no frame is sent any more, and the receiver reads on to the end of what the home sent (the first
     * such failure is kept, for the messages). Any thread.
     */
    private void markHomeEndClosed(PeerClosedException e) {
        if (homeEndClosed == null) {
            homeEndClosed = e;
        }
    }

    /** What a call whose frame found the home's end closed throws: the replica fails once the receiver has read on. */
    private RegionHomeLostException homeEndClosedFailure() {
        PeerClosedException cause = homeEndClosed;
        return new RegionHomeLostException("the home of region " + name + " at " + Sockets.describe(home)
                + " has closed its end of the connection (" + cause.getMessage() + "): it closed, died, or dropped"
                + " this replica; nothing was sent. The replica still applies what the home had sent, then fails;"
                + " open the region again to go on", cause);
    }

    private void lose(RuntimeException cause) {
        synchronized (pending) {
            if (state != State.OPEN) {
                return;
            }
            failure = cause;
            state = State.LOST;
            failPending(cause);
        }
        LocalReplicas.remove(this);
        connection.close();
        wakeVersionWaiters();
    }

    private void failPending(RuntimeException cause) {
        for (ArrayDeque<CompletableFuture<Long>> queue : List.of(grants, releases, syncs)) {
            for (CompletableFuture<Long> f : queue) {
                f.completeExceptionally(cause);
            }
            queue.clear();
        }
    }

    private void wakeVersionWaiters() {
        synchronized (versionChanged) {
            versionChanged.notifyAll();
        }
    }

    /**
     * Waiting for the home inside a read would wait for ever: the update that must come first cannot be
     * applied while the read holds the replica (and a write cannot start).
     */
    private void refuseInsideRead(String what) {
        if (replicaLock.getReadHoldCount() > 0 && !replicaLock.isWriteLockedByCurrentThread()) {
            throw new IllegalStateException(what + " inside a read of region " + name + " would wait for ever:"
                    + " close the read first");
        }
    }

    /**
     * A write section of this replica asked for by a thread that holds a write section of another
     * connected replica of the same region and home in this process would wait for ever: the home
     * queues this request behind that section (or asks that replica for its lock back, which it gives
     * at the section's end), and only this thread can end it. Inside a read of such a replica it can
     * wait for ever too: a write section of that replica that another thread opens meanwhile may hold
     * the region's lock while the read holds off its start (the replica's write lock), so this request
     * queues behind a section that cannot begin until this thread closes the read. Checked through the
     * locks themselves (the other replica's writers' turn, held for the whole section, and its read
     * holds of this thread): they end with the section or read however it ends (close, abort, a
     * failure), and a replica closed or lost leaves {@link LocalReplicas} (its connection is gone,
     * so the home has freed its lock, and it applies no updates any more).
     */
    private void refuseInsideAnotherReplica() {
        for (ReplicatedRegion other : LocalReplicas.of(home, name)) {
            if (other == this) {
                continue;
            }
            if (other.writers.isHeldByCurrentThread()) {
                throw new IllegalStateException("a write section of region " + name + " inside a write section of"
                        + " another replica of it (the same home, " + Sockets.describe(home) + ") in the same thread"
                        + " would wait for ever: end the open section first");
            }
            if (other.replicaLock.getReadHoldCount() > 0) {
                throw new IllegalStateException("a write section of region " + name + " inside a read of another"
                        + " replica of it (the same home, " + Sockets.describe(home) + ") in the same thread could"
                        + " wait for ever (behind a write section of that replica that the read holds off):"
                        + " close the read first");
            }
        }
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw failed();
        }
    }

    /** A new exception for the caller, of the kind the replica failed with (its cause the original). */
    private RuntimeException failed() {
        RuntimeException f = failure;
        if (f instanceof ClosedException) {
            return new ClosedException(f.getMessage());
        }
        return new RegionHomeLostException(f.getMessage(), f);
    }

    private long await(CompletableFuture<Long> answer) throws InterruptedException {
        try {
            return answer.get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /** Waits for an answer the receiver is bound to give (or the replica to fail), keeping an interrupt for later. */
    private long awaitUninterruptibly(CompletableFuture<Long> answer) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return await(answer);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private RuntimeException failureOf(CompletableFuture<Long> f) {
        try {
            f.join();
            return new IllegalStateException("not failed");
        } catch (CompletionException e) {
            return failed();
        }
    }

    /** Answers fail only when the replica fails: the caller gets its own exception of that kind. */
    private RuntimeException unwrap(ExecutionException e) {
        if (failure != null) {
            return failed();
        }
        return new DsmException("unexpected failure", e.getCause());
    }
}
