package io.jipc.bench.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.jipc.ErrnoException;
import io.jipc.WaitStrategy;
import io.jipc.bench.PeerProgress;
import io.jipc.cli.bench.PipeIo;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageHandler;
import io.jipc.mailbox.RoleBinding;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordRing;
import io.jipc.ring.RingConfig;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.SpscRecordRing;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.segment.SharedSegment;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One way of doing the ping-pong of {@link Interleaved} between its two processes: the parent's side
 * {@link #exchange}s a message and its echo, the peer's side {@link #echoBlock echoes} a block of
 * them. A message is {@code size} bytes whose first 8 are a value; a negative value marks the end
 * of a block (-2) or of the run (-1). The rings wait by busy-spinning as jipc's SPIN strategy
 * does ({@link SpinIdler}); the mailbox waits inside its own {@code take}; the pipe and the C
 * futex ping-pong sleep in the kernel.
 *
 * <p>Kinds: {@code aeron} (Aeron IPC, exclusive publications), {@code mailbox} (jipc mailboxes as
 * {@code jipc-bench aeron} measures them: single sender, SPIN, bound roles, {@code put} and
 * in-place {@code take}; {@code mailbox:S} the same with wait strategy S), {@code ring} (the
 * mailbox's {@link SpscRecordRing} alone, without the mailbox layer), {@code c} (a reference ring
 * with the same record layout written in C, {@link CRing}: what the hardware gives without a JVM's
 * code), {@code bare:H:A} (a {@link BareRing} with an H-byte header and A-byte record alignment: a
 * layout probe), {@code pipe} (two FIFOs, as the pipe reference of {@code jipc bench mailbox}) and
 * {@code cfutex} (a ping-pong in C that sleeps in futex only, {@link CFutex}: what a futex wake-up
 * gives without a JVM's code); see {@link Spec}.
 *
 * <p>Each transport writes out its own send and wait loops, although they look alike: a loop
 * shared by two transports makes its calls bimorphic, and a version that shared them moved the
 * ring's figures by more than the effects the tool looks for.
 */
abstract sealed class InterleavedTransport implements AutoCloseable {
    /** Data bytes of each direction of a mailbox or ring unless the spec says otherwise. */
    static final long DEFAULT_CAPACITY = 64 * 1024;
    static final long MARK_BLOCK_END = -2;
    static final long MARK_RUN_END = -1;
    private static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-ILV");

    final Spec spec;
    final int size;
    long echoed;

    private InterleavedTransport(Spec spec, int size) {
        this.spec = spec;
        this.size = size;
    }

    /**
     * A transport: {@code kind[@KiB][/N]}, kind {@code aeron}, {@code mailbox}, {@code mailbox:S}
     * (S a {@link WaitStrategy}, e.g. {@code mailbox:futex}), {@code ring}, {@code c},
     * {@code bare:H:A}, {@code pipe} or {@code cfutex}. {@code @KiB} sets the data bytes of each direction (the Aeron term length,
     * the mailbox's or ring's capacity), a power of two from 64 KiB to 1 GiB; without it, Aeron
     * keeps its default term (64 MiB) and the others have {@value #DEFAULT_CAPACITY} bytes, as in
     * {@code jipc-bench aeron}. {@code /N} (ring and bare only) adds a busy delay of N steps
     * ({@link #busyDelay}) after every empty poll: a probe of how the polling cadence changes the
     * round trip (a consumer that polls back to back takes the cache line back from a producer that
     * is still writing it). {@code pipe} and {@code cfutex} take neither.
     *
     * @param strategy  the mailbox's wait strategy ({@code SPIN} for plain {@code mailbox}; null for other kinds)
     * @param capacity  the data bytes, or 0 for the default
     * @param pollDelay busy-delay steps after an empty poll (0: none)
     */
    record Spec(String kind, BareRing.Layout layout, WaitStrategy strategy, long capacity, int pollDelay) {
        /** The most steps {@code /N} takes. */
        static final int MAX_POLL_DELAY = 1000;

        /**
         * Parses a spec.
         *
         * @throws IllegalArgumentException naming what is wrong
         */
        static Spec parse(String text) {
            String s = text.toLowerCase(Locale.ROOT);
            int pollDelay = 0;
            int slash = s.indexOf('/');
            if (slash >= 0) {
                pollDelay = number(s.substring(slash + 1));
                if (pollDelay < 0 || pollDelay > MAX_POLL_DELAY) {
                    throw new IllegalArgumentException("transport '" + text + "': the delay after / must be 0 to "
                            + MAX_POLL_DELAY + " steps");
                }
                s = s.substring(0, slash);
            }
            long capacity = 0;
            int at = s.indexOf('@');
            if (at >= 0) {
                long kib = number(s.substring(at + 1));
                if (kib < 64 || kib > 1024 * 1024 || Long.bitCount(kib) != 1) {
                    throw new IllegalArgumentException("transport '" + text + "': the size after @ must be a power of "
                            + "two from 64 to 1048576 KiB");
                }
                capacity = kib * 1024;
                s = s.substring(0, at);
            }
            Spec spec;
            if (s.equals("aeron") || s.equals("ring") || s.equals("c") || s.equals("pipe") || s.equals("cfutex")) {
                spec = new Spec(s, null, null, capacity, pollDelay);
            } else if (s.equals("mailbox")) {
                spec = new Spec(s, null, WaitStrategy.SPIN, capacity, pollDelay);
            } else if (s.startsWith("mailbox:")) {
                spec = new Spec("mailbox", null, strategy(text, s.substring("mailbox:".length())), capacity, pollDelay);
            } else if (s.startsWith("bare:")) {
                spec = new Spec("bare", BareRing.Layout.parse(s.substring("bare:".length())), null, capacity, pollDelay);
            } else {
                throw new IllegalArgumentException("unknown transport '" + text + "': aeron, mailbox, mailbox:S, "
                        + "ring, c, bare:H:A, pipe or cfutex; all but the last two optionally @KiB, ring and bare also /N");
            }
            if (slash >= 0 && !spec.kind.equals("ring") && !spec.kind.equals("bare")) {
                throw new IllegalArgumentException("transport '" + text + "': /N is for ring and bare only "
                        + "(Aeron, the mailbox and the C ring idle as they do)");
            }
            if (at >= 0 && (spec.kind.equals("pipe") || spec.kind.equals("cfutex"))) {
                throw new IllegalArgumentException("transport '" + text + "': @KiB is not for " + spec.kind
                        + " (a kernel pipe has its own buffer; the C futex ping-pong holds one message each way)");
            }
            return spec;
        }

        private static WaitStrategy strategy(String text, String name) {
            for (WaitStrategy strategy : WaitStrategy.values()) {
                if (strategy.name().toLowerCase(Locale.ROOT).equals(name)) {
                    return strategy;
                }
            }
            throw new IllegalArgumentException("transport '" + text + "': unknown wait strategy '" + name + "' (spin, "
                    + "yield, spin_then_futex or futex)");
        }

        private static int number(String text) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        /** The data bytes of a jipc or bare ring. */
        long ringCapacity() {
            return capacity > 0 ? capacity : DEFAULT_CAPACITY;
        }

        @Override
        public String toString() {
            return (layout != null ? "bare:" + layout.header() + ":" + layout.alignment()
                    : strategy != null && strategy != WaitStrategy.SPIN ? kind + ":" + strategy.name().toLowerCase(Locale.ROOT)
                    : kind)
                    + (capacity > 0 ? "@" + capacity / 1024 : "") + (pollDelay > 0 ? "/" + pollDelay : "");
        }
    }

    /** The parent's side of transport number {@code index}: creates what the transport needs (the peer opens it). */
    static InterleavedTransport create(Spec spec, int index, int size, Aeron aeron, String prefix) {
        return open(spec, index, size, aeron, prefix, true);
    }

    /** The peer's side of transport number {@code index}: opens what the parent created. */
    static InterleavedTransport join(Spec spec, int index, int size, Aeron aeron, String prefix) {
        return open(spec, index, size, aeron, prefix, false);
    }

    private static InterleavedTransport open(Spec spec, int index, int size, Aeron aeron, String prefix,
                                             boolean parent) {
        String name = prefix + "-" + index;
        return switch (spec.kind()) {
            case "aeron" -> new AeronTransport(spec, size, aeron, index, parent);
            case "mailbox" -> new MailboxTransport(spec, size, name, parent);
            case "ring" -> new RingTransport(spec, size, name, parent);
            case "c" -> new CTransport(spec, size, name, parent);
            case "pipe" -> new PipeTransport(spec, size, name, parent);
            case "cfutex" -> new CFutexTransport(spec, size, name, parent);
            default -> new BareTransport(spec, size, name, parent);
        };
    }

    /** Parent: sends a message with {@code value} and returns the value of its echo. */
    abstract long exchange(long value) throws InterruptedException;

    /** Peer: echoes messages until it has echoed a marker; returns the marker. */
    abstract long echoBlock() throws InterruptedException;

    /**
     * Parent: sends {@code count} messages numbered 0 up, as fast as the transport takes them
     * (waiting while it is full), then {@code marker} (negative); returns once the marker's echo came
     * back, that is, once the peer has received them all. Tells {@code progress} of every
     * {@value PeerProgress#MESSAGES}th message (a burst may last longer than the peer's answer
     * wait). Unsupported by the kinds that {@link #sendsOneWay} refuses.
     */
    void sendOneWay(long count, long marker, PeerProgress progress) throws InterruptedException {
        throw new UnsupportedOperationException(spec + ": no one-way blocks");
    }

    /**
     * Peer: receives messages in batches of up to {@value #SINK_BATCH}, checking that they count up
     * from 0, until one carries a negative marker; echoes the marker and returns it. Unsupported by
     * the kinds that {@link #sendsOneWay} refuses.
     */
    long sinkBlock() throws InterruptedException {
        throw new UnsupportedOperationException(spec + ": no one-way blocks");
    }

    /** The most messages a sink hands on per poll: as the sinks of {@code jipc bench mailbox} and {@code jipc-bench aeron}. */
    static final int SINK_BATCH = 4096;

    /** The next number a sink expects, and the marker that ended its block (0 while it runs). */
    long expected;
    long sinkEnd;

    /** A sink's check of one message: counts in order, or notes the marker that ends the block. */
    final void sinkOne(long value) {
        if (value < 0) {
            sinkEnd = value;
        } else if (value != expected++) {
            throw new IllegalStateException(spec + ": one-way message " + value + " arrived, expected " + (expected - 1));
        }
    }

    /** Resets the sink before a block. */
    final void startSink() {
        expected = 0;
        sinkEnd = 0;
    }

    /**
     * Whether {@code kind} can run one-way blocks: a bare ring has no flow control, and the pipe and
     * the C futex ping-pong measure wake-ups, round trips only.
     */
    static boolean sendsOneWay(Spec spec) {
        return !spec.kind().equals("bare") && !spec.kind().equals("pipe") && !spec.kind().equals("cfutex");
    }

    private static long delaySink;

    /**
     * Busy-waits {@code steps} steps of a dependent multiply-add chain (about 4 cycles each: an
     * integer multiply and an add) without touching memory that another thread writes.
     */
    static void busyDelay(int steps) {
        long x = steps;
        for (int i = 0; i < steps; i++) {
            x = x * 31 + i;
        }
        if (x == 42) {
            delaySink = x; // keeps the chain from being optimised away
        }
    }

    /**
     * Ends a long wait of a spinning loop when its thread was interrupted (the parent's watchdog
     * does so when the peer died), as a mailbox's {@code take} does by itself: checked every 1024th
     * idle, so the hand-offs that complete within a few polls read nothing.
     */
    static void checkInterrupt(int idles) {
        if ((idles & 1023) == 0 && Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("interrupted while waiting for the other process");
        }
    }

    /** Whether the peer's side is connected (only Aeron takes a moment). */
    boolean connected() {
        return true;
    }

    @Override
    public abstract void close();

    /**
     * The shared file of a transport between the two processes, under the jipc root: two regions
     * of {@code regionLength} bytes after a page of header, the parent's sending region first. The
     * parent creates it, prepares both regions and publishes it; the peer opens it, waiting for the
     * publication. {@link #close()} unlinks it on the parent's side.
     *
     * @param out this process's sending region
     * @param in  this process's receiving region
     */
    private record Duplex(SharedSegment segment, boolean parent, MemorySegment out, MemorySegment in) {
        static Duplex open(String name, long regionLength, boolean parent) {
            return open(name, regionLength, parent, region -> { });
        }

        static Duplex open(String name, long regionLength, boolean parent, Consumer<MemorySegment> prepare) {
            Path path = JipcRoot.directory("bench").resolve(name);
            SharedSegment segment;
            if (parent) {
                segment = SharedSegment.create(path, MAGIC, RingDescriptor.PAGE + 2 * regionLength, 0600);
                prepare.accept(region(segment, 0, regionLength));
                prepare.accept(region(segment, 1, regionLength));
                segment.publish(1, 0);
            } else {
                segment = SharedSegment.open(path, MAGIC, 1, 0600, Duration.ofSeconds(10));
            }
            return new Duplex(segment, parent, region(segment, parent ? 0 : 1, regionLength),
                    region(segment, parent ? 1 : 0, regionLength));
        }

        private static MemorySegment region(SharedSegment segment, int number, long regionLength) {
            return segment.memory().asSlice(RingDescriptor.PAGE + number * regionLength, regionLength);
        }

        void close() {
            Path path = segment.path();
            segment.close();
            if (parent) {
                SharedSegment.unlink(path);
            }
        }
    }

    // ------------------------------------------------------------------ Aeron IPC

    private static final class AeronTransport extends InterleavedTransport implements FragmentHandler {
        private final ExclusivePublication publication;
        private final Subscription subscription;
        private final UnsafeBuffer message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64 * 1024, 64));
        private final SpinIdler idler = new SpinIdler(SpinIdler.JIPC_PAUSE_FREE_IDLES);
        private final boolean parent;
        private boolean received;

        AeronTransport(Spec spec, int size, Aeron aeron, int index, boolean parent) {
            super(spec, size);
            this.parent = parent;
            int ping = 2000 + 2 * index;
            String channel = AeronIpc.channel((int) spec.capacity());
            publication = aeron.addExclusivePublication(channel, parent ? ping : ping + 1);
            subscription = aeron.addSubscription(channel, parent ? ping + 1 : ping);
        }

        @Override
        boolean connected() {
            return publication.isConnected() && subscription.isConnected();
        }

        @Override
        public void onFragment(org.agrona.DirectBuffer buffer, int offset, int length, io.aeron.logbuffer.Header header) {
            echoed = buffer.getLong(offset);
            received = true;
            if (!parent) {
                long result;
                while ((result = publication.offer(buffer, offset, length)) < 0) {
                    AeronIpc.checkOffer(result, "echo");
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        long exchange(long value) {
            message.putLong(0, value);
            long result;
            while ((result = publication.offer(message, 0, size)) < 0) {
                AeronIpc.checkOffer(result, "ping");
                Thread.onSpinWait();
            }
            awaitOne();
            return echoed;
        }

        private void awaitOne() {
            received = false;
            idler.reset();
            for (int idles = 1; !received; idles++) {
                if (subscription.poll(this, 1) == 0) {
                    idler.idle();
                    checkInterrupt(idles);
                }
            }
        }

        @Override
        long echoBlock() {
            do {
                awaitOne();
            } while (echoed >= 0);
            return echoed;
        }

        @Override
        void sendOneWay(long count, long marker, PeerProgress progress) {
            for (long i = 0; i < count; i++) {
                progress.message(i);
                send(i);
            }
            if (exchange(marker) != marker) {
                throw new IllegalStateException(spec + ": the one-way marker did not come back");
            }
        }

        /** Sends one message, waiting while the term is full (the watchdog's interrupt ends the wait). */
        private void send(long value) {
            message.putLong(0, value);
            long result;
            for (int idles = 1; (result = publication.offer(message, 0, size)) < 0; idles++) {
                AeronIpc.checkOffer(result, "one-way");
                Thread.onSpinWait();
                checkInterrupt(idles);
            }
        }

        @Override
        long sinkBlock() {
            startSink();
            idler.reset();
            for (int idles = 1; sinkEnd == 0; ) {
                if (subscription.poll(sink, SINK_BATCH) == 0) {
                    idler.idle();
                    checkInterrupt(idles++);
                } else {
                    idler.reset();
                }
            }
            send(sinkEnd);
            return sinkEnd;
        }

        private final FragmentHandler sink = (buffer, offset, length, header) -> sinkOne(buffer.getLong(offset));

        @Override
        public void close() {
            publication.close();
            subscription.close();
        }
    }

    // ------------------------------------------------------------------ jipc mailbox

    private static final class MailboxTransport extends InterleavedTransport {
        private final String pingName;
        private final String pongName;
        private final Mailbox out;
        private final Mailbox in;
        private final RoleBinding sending;
        private final RoleBinding receiving;
        private final MemorySegment message;
        private final boolean parent;
        private final MessageHandler handler;

        MailboxTransport(Spec spec, int size, String name, boolean parent) {
            super(spec, size);
            this.parent = parent;
            pingName = name + "-ping";
            pongName = name + "-pong";
            if (parent) {
                MailboxOptions options = MailboxOptions.builder().singleSender(true).waitStrategy(spec.strategy())
                        .maxMessageSize(size).capacityBytes(spec.ringCapacity()).build();
                out = Mailbox.create(pingName, options);
                in = Mailbox.create(pongName, options);
            } else {
                in = Mailbox.open(pingName);
                out = Mailbox.open(pongName);
            }
            sending = out.bindSender();
            receiving = in.bindReceiver();
            message = Arena.ofAuto().allocate(size, 8);
            handler = parent ? m -> echoed = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) : m -> {
                echoed = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                while (!out.offer(m)) {
                    Thread.onSpinWait();
                }
            };
        }

        @Override
        long exchange(long value) throws InterruptedException {
            message.set(ValueLayout.JAVA_LONG, 0, value);
            out.put(message);
            in.take(handler);
            return echoed;
        }

        @Override
        long echoBlock() throws InterruptedException {
            do {
                in.take(handler);
            } while (echoed >= 0);
            return echoed;
        }

        @Override
        void sendOneWay(long count, long marker, PeerProgress progress) throws InterruptedException {
            for (long i = 0; i < count; i++) {
                progress.message(i);
                message.set(ValueLayout.JAVA_LONG, 0, i);
                if (!out.offer(message)) {
                    out.put(message);
                }
            }
            if (exchange(marker) != marker) {
                throw new IllegalStateException(spec + ": the one-way marker did not come back");
            }
        }

        /** As the sink of {@code jipc bench mailbox}: drains what is there, waits in {@code take} when nothing is. */
        @Override
        long sinkBlock() throws InterruptedException {
            startSink();
            while (sinkEnd == 0) {
                if (in.drain(sink, SINK_BATCH) == 0) {
                    in.take(sink);
                }
            }
            message.set(ValueLayout.JAVA_LONG, 0, sinkEnd);
            out.put(message);
            return sinkEnd;
        }

        private final MessageHandler sink = m -> sinkOne(m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));

        @Override
        public void close() {
            receiving.close();
            sending.close();
            in.close();
            out.close();
            if (parent) {
                Mailbox.destroy(pingName);
                Mailbox.destroy(pongName);
            }
        }
    }

    // ------------------------------------------------------------------ the mailbox's ring alone

    private static final class RingTransport extends InterleavedTransport {
        private final Duplex shared;
        private final SpscRecordRing out;
        private final RecordRing in;
        private final MemorySegment message;
        private final SpinIdler idler = new SpinIdler(SpinIdler.JIPC_PAUSE_FREE_IDLES);
        private final RecordHandler handler;

        RingTransport(Spec spec, int size, String name, boolean parent) {
            super(spec, size);
            RingConfig config = new RingConfig(spec.ringCapacity(), size, 1, true, WaitStrategy.SPIN,
                    Duration.ofSeconds(1).toNanos());
            shared = Duplex.open(name, RingDescriptor.length(config), parent,
                    region -> RingDescriptor.format(region, config));
            out = (SpscRecordRing) RecordRing.attach(shared.out(), name);
            in = RecordRing.attach(shared.in(), name);
            if (out.acquireProducer() != 0 || in.acquireConsumer() != 0) {
                throw new IllegalStateException(name + ": a lease is taken");
            }
            message = Arena.ofAuto().allocate(size, 8);
            handler = parent ? (buffer, offset, len) -> echoed = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset)
                    : (buffer, offset, len) -> {
                        echoed = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
                        while (!out.offer(buffer, offset, len)) {
                            Thread.onSpinWait();
                        }
                    };
        }

        @Override
        long exchange(long value) {
            message.set(ValueLayout.JAVA_LONG, 0, value);
            while (!out.offer(message, 0, size)) {
                Thread.onSpinWait();
            }
            awaitOne();
            return echoed;
        }

        private void awaitOne() {
            idler.reset();
            for (int idles = 1; in.read(handler, 1) == 0; idles++) {
                idler.idle();
                busyDelay(spec.pollDelay());
                checkInterrupt(idles);
            }
        }

        @Override
        long echoBlock() {
            do {
                awaitOne();
            } while (echoed >= 0);
            return echoed;
        }

        @Override
        void sendOneWay(long count, long marker, PeerProgress progress) {
            for (long i = 0; i < count; i++) {
                progress.message(i);
                message.set(ValueLayout.JAVA_LONG, 0, i);
                for (int idles = 1; !out.offer(message, 0, size); idles++) {
                    Thread.onSpinWait();
                    checkInterrupt(idles); // a dead peer leaves the ring full
                }
            }
            if (exchange(marker) != marker) {
                throw new IllegalStateException(spec + ": the one-way marker did not come back");
            }
        }

        @Override
        long sinkBlock() {
            startSink();
            idler.reset();
            for (int idles = 1; sinkEnd == 0; ) {
                if (in.read(sink, SINK_BATCH) == 0) {
                    idler.idle();
                    busyDelay(spec.pollDelay());
                    checkInterrupt(idles++);
                } else {
                    idler.reset();
                }
            }
            message.set(ValueLayout.JAVA_LONG, 0, sinkEnd);
            while (!out.offer(message, 0, size)) {
                Thread.onSpinWait();
            }
            return sinkEnd;
        }

        private final RecordHandler sink = (buffer, offset, length) -> sinkOne(buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset));

        @Override
        public void close() {
            out.detach();
            in.detach();
            shared.close();
        }
    }

    // ------------------------------------------------------------------ the C reference ring

    /** {@link CRing}: each call runs the C code's loop; between calls that return "not yet" it checks for interrupts. */
    private static final class CTransport extends InterleavedTransport {
        private final Duplex shared;
        private final MemorySegment out;
        private final MemorySegment in;
        private final long capacity;
        private final MemorySegment state = Arena.ofAuto().allocate(CRing.STATE_LONGS * Long.BYTES, 64);
        private final CRing c = CRing.get();

        CTransport(Spec spec, int size, String name, boolean parent) {
            super(spec, size);
            capacity = spec.ringCapacity();
            shared = Duplex.open(name, CRing.CONTROL + capacity, parent);
            out = shared.out();
            in = shared.in();
        }

        @Override
        long exchange(long value) {
            try {
                long done = (long) c.exchange.invokeExact(out, in, capacity, state, size, value);
                while (done == 0) {
                    checkInterrupt(0);
                    done = (long) c.await.invokeExact(in, capacity, state);
                }
            } catch (Throwable t) {
                throw CRing.rethrow(t);
            }
            return CRing.stateLong(state, CRing.ST_VALUE);
        }

        @Override
        long echoBlock() {
            try {
                while ((long) c.echoBlock.invokeExact(out, in, capacity, state) == 0) {
                    checkInterrupt(0);
                }
            } catch (Throwable t) {
                throw CRing.rethrow(t);
            }
            return CRing.stateLong(state, CRing.ST_VALUE);
        }

        @Override
        void sendOneWay(long count, long marker, PeerProgress progress) {
            state.setAtIndex(ValueLayout.JAVA_LONG, CRing.ST_SENT, 0);
            try {
                // the C loop comes back when the ring is full and every 2^20 messages
                for (long sent = 0; (long) c.sendOneWay.invokeExact(out, in, capacity, state, size, count, marker) == 0; ) {
                    long now = CRing.stateLong(state, CRing.ST_SENT);
                    if (now != sent) {
                        sent = now;
                        progress.now();
                    }
                    checkInterrupt(0);
                }
            } catch (Throwable t) {
                throw CRing.rethrow(t);
            }
            if (CRing.stateLong(state, CRing.ST_VALUE) != marker) {
                throw new IllegalStateException(spec + ": the one-way marker did not come back");
            }
        }

        @Override
        long sinkBlock() {
            state.setAtIndex(ValueLayout.JAVA_LONG, CRing.ST_EXPECTED, 0);
            long result;
            try {
                while ((result = (long) c.sinkBlock.invokeExact(out, in, capacity, state, size)) == 0) {
                    checkInterrupt(0);
                }
            } catch (Throwable t) {
                throw CRing.rethrow(t);
            }
            if (result < 0) {
                throw new IllegalStateException(spec + ": one-way message " + CRing.stateLong(state, CRing.ST_BAD_VALUE)
                        + " arrived, expected " + CRing.stateLong(state, CRing.ST_BAD_EXPECTED));
            }
            return CRing.stateLong(state, CRing.ST_VALUE);
        }

        @Override
        public void close() {
            shared.close();
        }
    }

    // ------------------------------------------------------------------ kernel pipes (FIFOs)

    /**
     * Two FIFOs in the jipc root, one each way, on blocking descriptors: a message is one
     * {@code write} and one {@code read} (or more, for a short one), as the pipe reference of
     * {@code jipc bench mailbox}. The kernel wakes a pipe's reader with a synchronous wake-up (the
     * writer tells the scheduler it is about to sleep), which FUTEX_WAKE does not do. A dead peer
     * is end of file.
     *
     * <p>Opening without blocking: each read end opens at once ({@code O_NONBLOCK}, then made
     * blocking); the peer opens its write end when it joins (the parent's read end exists then), the
     * parent its own in {@link #connected()}, once the peer has joined. The peer opens its read end
     * read-write (Linux allows it on a FIFO): a read from a FIFO that no writer has open returns end
     * of file at once, and the peer may start reading before the parent's {@code connected()} has
     * opened the write end. It needs no end of file from the parent: it halts when the parent exits.
     */
    private static final class PipeTransport extends InterleavedTransport {
        private final Path toPeer;
        private final Path toParent;
        private final boolean parent;
        private final int in;
        private int out = -1;
        private final MemorySegment message;
        private final MemorySegment echo;

        PipeTransport(Spec spec, int size, String name, boolean parent) {
            super(spec, size);
            this.parent = parent;
            Path dir = JipcRoot.directory("bench");
            toPeer = dir.resolve(name + "-p2c");
            toParent = dir.resolve(name + "-c2p");
            if (parent) {
                Libc.mkfifo(toPeer.toString(), 0600);
                Libc.mkfifo(toParent.toString(), 0600);
                in = openNow(toParent, Libc.O_RDONLY);
            } else {
                in = openNow(toPeer, Libc.O_RDWR); // never end of file before the parent's writer (see above)
                out = openNow(toParent, Libc.O_WRONLY);
            }
            message = Arena.ofAuto().allocate(size, 8);
            echo = Arena.ofAuto().allocate(size, 8);
        }

        /** Opens {@code fifo} without waiting for the other end, then makes the descriptor blocking. */
        private static int openNow(Path fifo, int access) {
            int fd = Libc.open(fifo.toString(), access | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            Pipes.setNonBlocking(fd, false, fifo.toString());
            return fd;
        }

        @Override
        boolean connected() {
            if (out < 0) {
                try {
                    out = openNow(toPeer, Libc.O_WRONLY);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.ENXIO) {
                        throw e;
                    }
                    return false; // no reader yet
                }
            }
            return true;
        }

        @Override
        long exchange(long value) {
            message.set(ValueLayout.JAVA_LONG, 0, value);
            PipeIo.writeFully(out, message, size, toPeer.toString());
            receive();
            return echoed;
        }

        private void receive() {
            String from = (parent ? toParent : toPeer).toString();
            if (!PipeIo.readFully(in, echo, size, from)) {
                throw new IllegalStateException(spec + ": end of file on " + from + ": the other process closed it");
            }
            echoed = echo.get(ValueLayout.JAVA_LONG, 0);
        }

        @Override
        long echoBlock() {
            do {
                receive();
                PipeIo.writeFully(out, echo, size, toParent.toString());
            } while (echoed >= 0);
            return echoed;
        }

        @Override
        public void close() {
            Libc.close(in);
            if (out >= 0) {
                Libc.close(out);
            }
            if (parent) {
                Libc.unlink(toPeer.toString());
                Libc.unlink(toParent.toString());
            }
        }
    }

    // ------------------------------------------------------------------ the C futex-only ping-pong

    /** {@link CFutex}: each call waits in the C code; between calls that return "not yet" it checks for interrupts. */
    private static final class CFutexTransport extends InterleavedTransport {
        private final Duplex shared;
        private final MemorySegment out;
        private final MemorySegment in;
        private final MemorySegment state = Arena.ofAuto().allocate(CFutex.STATE_LONGS * Long.BYTES, 64);
        private final CFutex c = CFutex.get();

        CFutexTransport(Spec spec, int size, String name, boolean parent) {
            super(spec, size);
            shared = Duplex.open(name, CFutex.REGION, parent);
            out = shared.out();
            in = shared.in();
        }

        @Override
        long exchange(long value) {
            try {
                long done = (long) c.exchange.invokeExact(out, in, state, size, value);
                while (done == 0) {
                    checkInterrupt(0);
                    done = (long) c.await.invokeExact(in, state);
                }
            } catch (Throwable t) {
                throw CRing.rethrow(t);
            }
            return CFutex.value(state);
        }

        @Override
        long echoBlock() {
            try {
                while ((long) c.echoBlock.invokeExact(out, in, state, size) == 0) {
                    checkInterrupt(0);
                }
            } catch (Throwable t) {
                throw CRing.rethrow(t);
            }
            return CFutex.value(state);
        }

        @Override
        public void close() {
            shared.close();
        }
    }

    // ------------------------------------------------------------------ a bare reference ring

    private static final class BareTransport extends InterleavedTransport {
        private final Duplex shared;
        private final BareRing out;
        private final BareRing in;
        private final MemorySegment message;
        private final SpinIdler idler = new SpinIdler(SpinIdler.JIPC_PAUSE_FREE_IDLES);
        private final BareRing.Handler handler;

        BareTransport(Spec spec, int size, String name, boolean parent) {
            super(spec, size);
            long capacity = spec.ringCapacity(); // a message of at most 1 KiB always fits in half of it
            shared = Duplex.open(name, capacity, parent);
            out = new BareRing(shared.out(), spec.layout());
            in = new BareRing(shared.in(), spec.layout());
            message = Arena.ofAuto().allocate(size, 8);
            handler = parent ? (buffer, offset, len) -> echoed = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset)
                    : (buffer, offset, len) -> {
                        echoed = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
                        out.offer(buffer, offset, len);
                    };
        }

        @Override
        long exchange(long value) {
            message.set(ValueLayout.JAVA_LONG, 0, value);
            out.offer(message, 0, size);
            awaitOne();
            return echoed;
        }

        private void awaitOne() {
            idler.reset();
            for (int idles = 1; !in.poll(handler); idles++) {
                idler.idle();
                busyDelay(spec.pollDelay());
                checkInterrupt(idles);
            }
        }

        @Override
        long echoBlock() {
            do {
                awaitOne();
            } while (echoed >= 0);
            return echoed;
        }

        @Override
        public void close() {
            shared.close();
        }
    }
}
