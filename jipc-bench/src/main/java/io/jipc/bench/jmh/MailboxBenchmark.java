package io.jipc.bench.jmh;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageHandler;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import java.util.concurrent.TimeUnit;

/**
 * The mailbox API in one thread: {@code offer(MemorySegment)} of a batch of {@value #BATCH}
 * messages, then {@code drain(handler, BATCH)} (the handler reads the first 8 bytes of each).
 * Score: messages per microsecond, each sent and received. This is the per-message cost of the API
 * (argument checks, the single-sender lease check and lock, or the many-sender claim) on top of the
 * ring ({@link RecordRingBenchmark}); no other process or thread is involved.
 *
 * <p>Group {@code pair}: a sender thread {@code offer}s while a receiver thread {@code drain}s (up
 * to 4096 per call, as the two-process benchmark's receiver does), on two handles of one mailbox; an
 * offer that finds the mailbox full and a drain that finds it empty return at once. Read the
 * secondary results {@code pair:sent} / {@code pair:received} (messages per microsecond) and
 * {@code pair:full} / {@code pair:empty} (attempts that found it full or empty).
 *
 * <p>Parameters: {@code singleSender} (a single-sender mailbox, SPSC ring, or a many-sender one,
 * MPSC ring with 16 sender slots); {@code payload} = bytes per message. SPIN wait strategy (it does
 * not matter here: nothing waits).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-XX:+UseSerialGC"})
public class MailboxBenchmark {
    static final int BATCH = 64;

    @State(Scope.Thread)
    public static class Box {
        @Param({"true", "false"})
        public boolean singleSender;

        @Param({"64", "256"})
        public int payload;

        Mailbox mailbox;
        MemorySegment message;
        long sequence;
        long sum;
        final MessageHandler handler = m -> sum += m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);

        @Setup(Level.Trial)
        public void setUp() {
            JmhRoot.enter();
            String name = "jmh-" + ProcessHandle.current().pid() + "-" + (singleSender ? "single" : "many");
            Mailbox.destroy(name);
            mailbox = Mailbox.create(name, MailboxOptions.builder().singleSender(singleSender)
                    .waitStrategy(WaitStrategy.SPIN).maxMessageSize(payload).capacityBytes(1 << 20).build());
            message = Arena.ofAuto().allocate(payload, 64);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                mailbox.destroy();
                mailbox.close();
            } finally {
                JmhRoot.leave();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long offerDrain(Box b) {
        Mailbox mailbox = b.mailbox;
        MemorySegment message = b.message;
        for (int i = 0; i < BATCH; i++) {
            message.set(ValueLayout.JAVA_LONG, 0, b.sequence++);
            if (!mailbox.offer(message)) {
                throw new IllegalStateException("mailbox full");
            }
        }
        if (mailbox.drain(b.handler, BATCH) != BATCH) {
            throw new IllegalStateException("short drain");
        }
        return b.sum;
    }

    /** One mailbox, opened twice: a sending handle and a receiving handle, shared by the two threads of a group. */
    @State(Scope.Group)
    public static class Pair {
        @Param({"true", "false"})
        public boolean singleSender;

        @Param({"64", "256"})
        public int payload;

        Mailbox sender;
        Mailbox receiver;

        @Setup(Level.Trial)
        public void setUp() {
            JmhRoot.enter();
            String name = "jmh-pair-" + ProcessHandle.current().pid() + "-" + (singleSender ? "single" : "many");
            Mailbox.destroy(name);
            sender = Mailbox.create(name, MailboxOptions.builder().singleSender(singleSender)
                    .waitStrategy(WaitStrategy.SPIN).maxMessageSize(payload).capacityBytes(1 << 20).build());
            receiver = Mailbox.open(name);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                sender.destroy();
                receiver.close();
                sender.close();
            } finally {
                JmhRoot.leave();
            }
        }
    }

    /** The sending thread's message and counters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class SenderCounters {
        public long sent;
        public long full;
        MemorySegment message;
        long sequence;

        @Setup(Level.Trial)
        public void allocate(Pair pair) {
            message = Arena.ofAuto().allocate(pair.payload, 64);
        }

        @Setup(Level.Iteration)
        public void reset() {
            sent = 0;
            full = 0;
        }
    }

    /** The receiving thread's handler and counters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class ReceiverCounters {
        public long received;
        public long empty;
        long sum;
        final MessageHandler handler = m -> sum += m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);

        @Setup(Level.Iteration)
        public void reset() {
            received = 0;
            empty = 0;
        }
    }

    @Benchmark
    @Group("pair")
    @GroupThreads(1)
    public boolean pairOffer(Pair pair, SenderCounters c) {
        c.message.set(ValueLayout.JAVA_LONG, 0, c.sequence);
        if (pair.sender.offer(c.message)) {
            c.sequence++;
            c.sent++;
            return true;
        }
        c.full++;
        return false;
    }

    @Benchmark
    @Group("pair")
    @GroupThreads(1)
    public long pairDrain(Pair pair, ReceiverCounters c) {
        int n = pair.receiver.drain(c.handler, 4096);
        if (n == 0) {
            c.empty++;
        } else {
            c.received += n;
        }
        return c.sum;
    }
}
