package io.jipc.bench.jmh;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageHandler;
import io.jipc.mailbox.RoleBinding;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordRing;
import io.jipc.ring.RingConfig;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.SpscRecordRing;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The instructions of one ping-pong round trip, without the other process: in one thread, a
 * message is sent into channel A, received from A by a handler that sends it on into channel B
 * (the echo), and received from B. Score: nanoseconds per round trip (two sends, two receives,
 * two 64-byte copies). Nothing crosses a core, so this is the processor work that a two-process
 * round trip adds to its cache-line transfers. In the fastest placement of the project's 2-vCPU VM
 * (likely both vCPUs on one physical core) it is most of the round trip: there the differences
 * between the transports here matched those between processes (docs/benchmarks.md, "The work of
 * a round trip").
 *
 * <p>{@code transport}:
 * <ul>
 *   <li>{@code mailbox}: two single-sender SPIN mailboxes with both roles bound to the thread,
 *       {@code put} and in-place {@code take(handler)}, the echo handler {@code offer}ing the
 *       view it was given, as {@code jipc-bench aeron} and {@code interleaved} use them;</li>
 *   <li>{@code ring}: the mailbox's {@link SpscRecordRing} alone ({@code offer}, {@code read(handler, 1)});</li>
 *   <li>{@code agrona}: Agrona's {@link OneToOneRingBuffer} on {@link UnsafeBuffer} (the accessors
 *       Aeron's term buffers use; bounds checks off as in the Aeron comparisons): a reference for
 *       what {@code sun.misc.Unsafe} code of this shape costs. Its read also zeroes what it consumed.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=true",
        "-XX:+UseSerialGC"})
public class EchoPathBenchmark {
    static final int CAPACITY = 64 * 1024;

    @State(Scope.Thread)
    public static class Path {
        @Param({"mailbox", "ring", "agrona"})
        public String transport;

        @Param({"64"})
        public int payload;

        /** The value the last round trip sent, and the value that came back. */
        long sent;
        long echoed;
        private Runnable roundTrip;
        private AutoCloseable resources;

        @Setup(Level.Trial)
        public void setUp() {
            MemorySegment message = Arena.ofAuto().allocate(payload, 64);
            switch (transport) {
                case "mailbox" -> setUpMailboxes(message);
                case "ring" -> setUpRings(message);
                case "agrona" -> setUpAgrona();
                default -> throw new IllegalArgumentException("transport " + transport);
            }
        }

        private void setUpMailboxes(MemorySegment message) {
            JmhRoot.enter();
            String prefix = "jmh-echo-" + ProcessHandle.current().pid();
            MailboxOptions options = MailboxOptions.builder().singleSender(true).waitStrategy(WaitStrategy.SPIN)
                    .maxMessageSize(payload).capacityBytes(CAPACITY).build();
            Mailbox a = Mailbox.create(prefix + "-a", options);
            Mailbox b = Mailbox.create(prefix + "-b", options);
            RoleBinding[] bindings = {a.bindSender(), a.bindReceiver(), b.bindSender(), b.bindReceiver()};
            MessageHandler echo = m -> {
                if (!b.offer(m)) {
                    throw new IllegalStateException("mailbox b full");
                }
            };
            MessageHandler back = m -> echoed = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            roundTrip = () -> {
                message.set(ValueLayout.JAVA_LONG, 0, ++sent);
                try {
                    a.put(message);
                    a.take(echo);
                    b.take(back);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            };
            resources = () -> {
                try {
                    for (RoleBinding binding : bindings) {
                        binding.close();
                    }
                    a.destroy();
                    b.destroy();
                    a.close();
                    b.close();
                } finally {
                    JmhRoot.leave();
                }
            };
        }

        private void setUpRings(MemorySegment message) {
            Arena arena = Arena.ofShared();
            RingConfig config = new RingConfig(CAPACITY, payload, 1, true, WaitStrategy.SPIN,
                    Duration.ofSeconds(1).toNanos());
            SpscRecordRing a = ring(arena, config, "a");
            SpscRecordRing b = ring(arena, config, "b");
            RecordHandler echo = (buffer, offset, length) -> {
                if (!b.offer(buffer, offset, length)) {
                    throw new IllegalStateException("ring b full");
                }
            };
            RecordHandler back = (buffer, offset, length) -> echoed = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            roundTrip = () -> {
                message.set(ValueLayout.JAVA_LONG, 0, ++sent);
                if (!a.offer(message, 0, payload) || a.read(echo, 1) != 1 || b.read(back, 1) != 1) {
                    throw new IllegalStateException("ring full or empty");
                }
            };
            resources = arena::close;
        }

        private static SpscRecordRing ring(Arena arena, RingConfig config, String name) {
            MemorySegment memory = arena.allocate(RingDescriptor.length(config), RingDescriptor.PAGE);
            RingDescriptor.format(memory, config);
            SpscRecordRing ring = (SpscRecordRing) RecordRing.attach(memory, name);
            if (ring.acquireProducer() != 0 || ring.acquireConsumer() != 0) {
                throw new IllegalStateException(name + ": a lease is taken");
            }
            return ring;
        }

        private void setUpAgrona() {
            int length = CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
            OneToOneRingBuffer a = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(length)));
            OneToOneRingBuffer b = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(length)));
            UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(payload));
            org.agrona.concurrent.MessageHandler echo = (type, buffer, offset, len) -> {
                if (!b.write(1, buffer, offset, len)) {
                    throw new IllegalStateException("ring b full");
                }
            };
            org.agrona.concurrent.MessageHandler back = (type, buffer, offset, len) -> echoed = buffer.getLong(offset);
            roundTrip = () -> {
                message.putLong(0, ++sent);
                if (!a.write(1, message, 0, payload) || readOne(a, echo) != 1 || readOne(b, back) != 1) {
                    throw new IllegalStateException("ring full or empty");
                }
            };
            resources = () -> { };
        }

        /** Agrona's read stops at the end of the buffer: one that only consumed the padding there reads 0. */
        private static int readOne(OneToOneRingBuffer ring, org.agrona.concurrent.MessageHandler handler) {
            int read = ring.read(handler, 1);
            return read != 0 ? read : ring.read(handler, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            resources.close();
        }
    }

    @Benchmark
    public long roundTrip(Path p) {
        p.roundTrip.run();
        return p.echoed;
    }
}
