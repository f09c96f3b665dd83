package io.jipc.cli.bench;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageHandler;
import io.jipc.mailbox.RoleBinding;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.platform.Libc;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Measures mailboxes between two processes: this one and a {@link BenchPeer} child JVM.
 *
 * <p>For each wait strategy: a ping-pong over a pair of single-sender mailboxes whose sending and
 * receiving roles each side binds to its thread ({@link Mailbox#bindSender()},
 * {@link Mailbox#bindReceiver()}; round-trip time of
 * each exchange, HdrHistogram), then one-way throughput (this process sends as fast as it can, the
 * peer receives and checks the sequence). As a reference, the same ping-pong over a pair of kernel
 * pipes (FIFOs) between the same two processes; when the futex-only strategy is measured, the
 * pipe's ping-pong runs in slices that alternate with the futex mailbox's (both block in the
 * kernel, and the comparison of the two is the one that needs the same machine state; see
 * {@link PingPongRegimen#measurePaired}). Finally the CPU a receiver uses while it is blocked with
 * nothing to receive (default strategy).
 */
public final class MailboxBench {

    /**
     * What to run.
     *
     * @param size       payload bytes of each message (at least 8)
     * @param warmup     how long each ping-pong runs before it is measured (the JIT compiles meanwhile);
     *                   the warm-up goes on while the timings still change, up to {@code maxWarmup}
     * @param maxWarmup  the longest warm-up of each ping-pong and one-way run
     * @param measure    how long each ping-pong is measured
     * @param messages   messages of the measured one-way run (rounds of a quarter as many warm it up,
     *                   see {@link #warmMessages})
     * @param capacity   bytes of the one-way mailbox (64 MiB by default, the size of Aeron's default
     *                   term, so that comparisons use the same buffer)
     * @param strategies wait strategies to measure
     * @param pipe       whether to measure the pipe reference
     * @param idle       whether to measure the idle CPU of a blocked receiver
     * @param features   whether to measure the message-passing features with the default strategy:
     *                   a rendezvous mailbox, a mailbox with 4 priority levels (messages at rotating
     *                   priorities), 4 producer threads into one many-sender mailbox, and an
     *                   unbounded mailbox
     */
    public record Settings(int size, Duration warmup, Duration maxWarmup, Duration measure, long messages,
                           long capacity, List<WaitStrategy> strategies, boolean pipe, boolean idle,
                           boolean features) {
        /** The default one-way mailbox capacity. */
        public static final long DEFAULT_CAPACITY = 64L << 20;

        public Settings {
            if (size < 8) {
                throw new IllegalArgumentException("message size must be at least 8 bytes: " + size);
            }
            strategies = List.copyOf(strategies);
        }

        /**
         * Bytes of the ring of each one-way mailbox, as the mailbox has it: {@code capacity}, raised
         * to hold at least four messages and rounded up to a power of two.
         *
         * @throws IllegalArgumentException if no mailbox has such a ring (more than 1 TiB)
         */
        public long oneWayCapacity() {
            return MailboxOptions.builder().singleSender(true).maxMessageSize(size)
                    .capacityBytes(Math.max(capacity, 4L * (size + 16))).build().capacityBytes();
        }

        /**
         * Bytes of shared memory that the largest mailbox of the run takes: with the features, the
         * 4-priority phase's one-way mailbox, a ring of {@link #oneWayCapacity()} per level; else a
         * one-way mailbox (one ring). The mailboxes of a phase are removed before the next.
         */
        public long largestMailboxBytes() {
            return (features ? PRIORITY_LEVELS : 1) * oneWayCapacity();
        }
    }


    /**
     * The results of a run.
     *
     * @param pipePairing how the futex mailbox and the pipe compared slice by slice, or null if they
     *                    were not measured in alternating slices (no pipe, or no futex-only strategy)
     * @param peerEnd     how the peer ended after the last phase if not cleanly (it died, or stopped
     *                    answering and was given up: {@link PeerProcess#finish}), else null; the
     *                    figures were all measured before
     */
    public record Report(Settings settings, List<BenchResult> results, double idleCpu, String machine,
                         PipePairing pipePairing, String peerEnd) {
        /** A report without a pipe pairing. */
        public Report(Settings settings, List<BenchResult> results, double idleCpu, String machine) {
            this(settings, results, idleCpu, machine, null, null);
        }

        /** A report of a run whose peer ended cleanly. */
        public Report(Settings settings, List<BenchResult> results, double idleCpu, String machine,
                      PipePairing pipePairing) {
            this(settings, results, idleCpu, machine, pipePairing, null);
        }
    }

    /**
     * The futex mailbox and the pipe, measured in alternating slices ({@link PingPongRegimen#measurePaired}).
     *
     * @param mechanism   the mailbox's row, {@code "mailbox futex"}
     * @param slice       how long each slice lasted
     * @param pairs       pairs of adjacent slices, one of each
     * @param mailboxLower pairs in which the mailbox's median round trip was the lower
     * @param pipeLower   pairs in which the pipe's was the lower (the rest were equal)
     */
    public record PipePairing(String mechanism, Duration slice, int pairs, int mailboxLower, int pipeLower) {
    }

    /** Pairs of alternating slices of the futex mailbox and the pipe: ten of each, 300 ms each by default. */
    static final int PIPE_PAIRS = 10;

    private static final String PIPE_LABEL = "pipe (FIFO)";


    private final Settings settings;
    private final PrintStream progress;
    private final String prefix = "bench-" + ProcessHandle.current().pid();
    private final List<String> mailboxes = new ArrayList<>();
    private final List<String> unboundedMailboxes = new ArrayList<>();
    /** This process's handles of the mailboxes not removed yet. */
    private final List<Mailbox> openMailboxes = new ArrayList<>();
    private final List<UnboundedMailbox> openUnbounded = new ArrayList<>();
    /** Unbounded mailboxes whose phase has ended, removed once the peer has started the next phase. */
    private final List<String> finishedUnbounded = new ArrayList<>();
    private final List<Path> fifos = new ArrayList<>();
    /** Set by the shutdown hook, under this object's monitor: nothing is created any more. */
    private boolean stopping;
    /** The peer of the run, told of progress by the measuring loops ({@link PeerProcess#progress()}). */
    private PeerProcess peer;

    public MailboxBench(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Runs the benchmark. Each phase's mailboxes are created just before the peer is told the phase
     * and removed when it ends, so that at most one phase's storage exists at a time (each one-way
     * mailbox reserves {@code capacity} bytes of {@code /dev/shm}, 64 MiB by default); whatever
     * happens, every object it created is removed afterwards.
     */
    public Report run() throws Exception {
        Thread cleanup = new Thread(this::stop, "jipc-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return runPhases();
        } finally {
            closeHandles();
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private Report runPhases() throws Exception {
        int size = settings.size();
        long warmMessages = warmMessages(settings.messages(), size);
        long throughputCapacity = settings.oneWayCapacity();
        Path p2c = null;
        Path c2p = null;
        if (settings.pipe()) {
            Path dir = JipcRoot.directory("bench");
            p2c = dir.resolve(prefix + "-p2c");
            c2p = dir.resolve(prefix + "-c2p");
            createFifo(p2c);
            createFifo(c2p);
        }
        boolean pairPipe = p2c != null && settings.strategies().contains(WaitStrategy.FUTEX);
        List<BenchResult> results = new ArrayList<>();
        double idleCpu = Double.NaN;
        BenchResult pipeResult = null;
        PipePairing pairing = null;
        String peerEnd;
        // the peer is told each phase once its objects exist, and they are removed when it ends
        PeerProcess peer = new PeerProcess(BenchPeer.class, List.of(), List.of());
        this.peer = peer;
        try (peer) {
            for (WaitStrategy strategy : settings.strategies()) {
                String tag = strategy.name().toLowerCase().replace('_', '-');
                String label = "mailbox " + tag;
                MailboxOptions small = MailboxOptions.builder().singleSender(true).waitStrategy(strategy)
                        .maxMessageSize(Math.max(size, 8)).capacityBytes(64 * 1024).build();
                MailboxOptions large = MailboxOptions.builder().singleSender(true).waitStrategy(strategy)
                        .maxMessageSize(Math.max(size, 8)).capacityBytes(throughputCapacity).build();
                Mailbox[] pair = {create(tag + "-ping", small), create(tag + "-pong", small)};
                BenchResult pingPong;
                if (pairPipe && strategy == WaitStrategy.FUTEX) {
                    start(peer, "pairecho:" + pair[0].name() + ":" + pair[1].name() + ":" + p2c + ":" + c2p
                            + ":" + size);
                    step(peer, label, "ping-pong, in slices alternating with the pipe's");
                    PingPongRegimen.Paired paired = pairedWithPipe(label, pair[0], pair[1], p2c, c2p);
                    pingPong = paired.first();
                    pipeResult = paired.second();
                    pairing = new PipePairing(label, paired.slice(), paired.pairs(), paired.firstLower(),
                            paired.secondLower());
                } else {
                    start(peer, "echo:" + pair[0].name() + ":" + pair[1].name());
                    step(peer, label, "ping-pong");
                    pingPong = pingPong(label, pair[0], pair[1]);
                }
                remove(pair);
                Mailbox[] oneWay = {create(tag + "-in", large), create(tag + "-done", small)};
                start(peer, "sink:" + oneWay[0].name() + ":" + oneWay[1].name());
                step(peer, label, "one-way throughput");
                double[] rate = oneWay(oneWay[0], oneWay[1], warmMessages);
                remove(oneWay);
                results.add(pingPong.withThroughput(rate[0], rate[1]));
            }
            if (settings.features()) {
                for (Feature feature : Feature.values()) {
                    results.add(measure(peer, feature, size, throughputCapacity, warmMessages));
                }
                results.add(measureUnbounded(peer, size, throughputCapacity, warmMessages));
            }
            if (pipeResult != null) {
                results.add(pipeResult);
            } else if (p2c != null) {
                start(peer, "pipe:" + p2c + ":" + c2p + ":" + size);
                step(peer, PIPE_LABEL, "ping-pong");
                results.add(pipePingPong(p2c, c2p));
            }
            if (settings.idle()) {
                Mailbox idleBox = create("idle", MailboxOptions.builder().maxMessageSize(64).capacityBytes(4096).build());
                start(peer, "idle:" + idleBox.name());
                step(peer, "blocked receiver", "idle CPU");
                idleCpu = idleCpu(peer.pid(), idleBox);
                remove(new Mailbox[] {idleBox});
            }
            peerEnd = peer.finish(""); // an empty line ends the peer's phases; how it ended, if not cleanly
            removeFinishedUnbounded();
        } catch (Exception e) {
            throw peer.deathOr(e); // if the peer died, that is the cause, whatever wait it ended
        }
        return new Report(settings, results, idleCpu, Machine.describe(), pairing, peerEnd);
    }

    /** Prints the step {@code what} of {@code label} and names it as the phase a peer's death is reported in. */
    private void step(PeerProcess peer, String label, String what) {
        peer.phase(label + " " + what);
        progress.printf("  %-24s %s ...%n", label, what);
    }

    /**
     * Names the next phase to the peer and waits until it has started it; by then the peer has
     * ended the phase before, so unbounded mailboxes of that phase can go (the peer's receive may
     * still open their segment files until it ends).
     */
    private void start(PeerProcess peer, String phase) throws InterruptedException {
        peer.tell(phase);
        peer.await(phase.substring(0, phase.indexOf(':')));
        removeFinishedUnbounded();
    }

    private synchronized void removeFinishedUnbounded() {
        for (String name : List.copyOf(finishedUnbounded)) {
            UnboundedMailbox.destroy(name);
            unboundedMailboxes.remove(name);
        }
        finishedUnbounded.clear();
    }

    /**
     * Creates mailbox {@code suffix}, its name recorded for removal first, all under this object's
     * monitor: a stop (Ctrl-C, {@code SIGTERM}) meanwhile runs {@link #stop} once the mailbox exists,
     * and removes it too; after a stop nothing is created.
     */
    private Mailbox create(String suffix, MailboxOptions options) {
        return create(suffix, name -> {
            Mailbox.destroy(name); // a leftover of a killed run
            return Mailbox.create(name, options);
        });
    }

    /** {@link #create(String, MailboxOptions)} with {@code make} creating the mailbox of a name. */
    synchronized Mailbox create(String suffix, Function<String, Mailbox> make) {
        String name = prefix + "-" + suffix;
        checkNotStopping();
        mailboxes.add(name);
        Mailbox mailbox = make.apply(name);
        openMailboxes.add(mailbox);
        return mailbox;
    }

    /** Creates FIFO {@code path}, recorded for removal first (as {@link #create}). */
    private synchronized void createFifo(Path path) {
        checkNotStopping();
        fifos.add(path);
        Libc.mkfifo(path.toString(), 0600);
    }

    /** After {@link #stop} (the JVM is exiting) nothing is created: this thread waits for the halt. */
    private void checkNotStopping() {
        if (stopping) {
            AllBench.awaitTheHalt(); // the hook has run; no failure to report for a run being stopped
        }
    }

    /**
     * Removes the mailboxes of a phase that has ended (this process has taken the peer's last
     * reply): closes this process's handles and destroys them, so that their memory goes as soon as
     * the peer closes its handles too, rather than at the end of the run (each strategy and feature
     * has a one-way mailbox of {@code --capacity}, 64 MiB by default). Null entries are skipped.
     */
    private synchronized void remove(Mailbox[] boxes) {
        for (Mailbox m : boxes) {
            if (m != null) {
                m.close();
                openMailboxes.remove(m);
                Mailbox.destroy(m.name());
                mailboxes.remove(m.name());
            }
        }
    }

    // ------------------------------------------------------------------ message-passing features

    /** Priority levels of the mailboxes of {@link Feature#PRIORITIES}. */
    static final int PRIORITY_LEVELS = 4;

    /** A message-passing feature measured with the default wait strategy. */
    enum Feature {
        /** Zero capacity: each send returns once the peer took the message. */
        RENDEZVOUS("mailbox rendezvous"),
        /** Four priority levels, messages at rotating priorities. */
        PRIORITIES("mailbox 4 priorities"),
        /** Four producer threads, one many-sender mailbox, one consumer process (one-way only). */
        FOUR_PRODUCERS("mailbox 4 producers");

        final String label;

        Feature(String label) {
            this.label = label;
        }

        /** {ping, pong (or both null), one-way in, one-way done}. */
        Mailbox[] create(MailboxBench bench, int size, long capacity) {
            String tag = name().toLowerCase().replace('_', '-');
            MailboxOptions.Builder small = MailboxOptions.builder().maxMessageSize(Math.max(size, 8))
                    .capacityBytes(64 * 1024);
            MailboxOptions.Builder large = MailboxOptions.builder().maxMessageSize(Math.max(size, 8))
                    .capacityBytes(capacity);
            Mailbox done = bench.create(tag + "-done", small.build());
            return switch (this) {
                case RENDEZVOUS -> new Mailbox[] {
                        bench.create(tag + "-ping", small.messageLimit(0).singleSender(true).build()),
                        bench.create(tag + "-pong", MailboxOptions.builder().singleSender(true)
                                .maxMessageSize(Math.max(size, 8)).capacityBytes(64 * 1024).build()),
                        bench.create(tag + "-in", large.messageLimit(0).singleSender(true).build()), done};
                case PRIORITIES -> new Mailbox[] {
                        bench.create(tag + "-ping", small.priorities(PRIORITY_LEVELS).singleSender(true).build()),
                        bench.create(tag + "-pong", MailboxOptions.builder().singleSender(true)
                                .maxMessageSize(Math.max(size, 8)).capacityBytes(64 * 1024).build()),
                        bench.create(tag + "-in", large.priorities(PRIORITY_LEVELS).singleSender(true).build()), done};
                case FOUR_PRODUCERS -> new Mailbox[] {null, null, bench.create(tag + "-in", large.build()), done};
            };
        }

        int priority(long sequence) {
            return this == PRIORITIES ? (int) (sequence & 3) : 0;
        }

        /**
         * The messages of this feature's measured one-way run, of {@code messages} asked for: a tenth
         * for the rendezvous, whose every send waits for the receiver to take the message (its rate is
         * one hand-off per message, about a round trip's, so the full count took it longer than all
         * the others together, 99 s of a --quick run at a load of 10 on 2 CPUs).
         */
        long oneWayMessages(long messages) {
            return this == RENDEZVOUS ? Math.max(1, messages / 10) : messages;
        }
    }

    private BenchResult measure(PeerProcess peer, Feature feature, int size, long capacity, long warmMessages)
            throws Exception {
        Mailbox[] boxes = feature.create(this, size, capacity);
        BenchResult result = new BenchResult(feature.label, null, 0, 0, 0);
        if (boxes[0] != null) {
            start(peer, "echo:" + boxes[0].name() + ":" + boxes[1].name());
            step(peer, feature.label, "ping-pong");
            try (RoleBinding sending = boxes[0].bindSender(); RoleBinding receiving = boxes[1].bindReceiver()) {
                result = pingPong(feature.label,
                        m -> boxes[0].put(m, feature.priority(m.get(ValueLayout.JAVA_LONG, 0))), boxes[1]::take);
            }
            remove(new Mailbox[] {boxes[0], boxes[1]});
        }
        start(peer, "count:" + boxes[2].name() + ":" + boxes[3].name());
        step(peer, feature.label, "one-way throughput");
        long messages = feature.oneWayMessages(settings.messages());
        int producers = feature == Feature.FOUR_PRODUCERS ? 4 : 1;
        Mailbox in = boxes[2];
        Mailbox done = boxes[3];
        double[] oneWay = OneWayRegimen.measure(count -> {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                long share = count / producers + (p < count % producers ? 1 : 0);
                long first = p;
                threads.add(Thread.ofPlatform().start(() -> {
                    MemorySegment message = Arena.ofAuto().allocate(settings.size(), 8);
                    try {
                        for (long i = 0; i < share; i++) {
                            if ((i & 1023) == 0) {
                                progress();
                            }
                            message.set(ValueLayout.JAVA_LONG, 0, first + i * producers);
                            int priority = feature.priority(i);
                            if (!in.offer(message, priority)) {
                                in.put(message, priority);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            try {
                for (Thread thread : threads) {
                    thread.join();
                }
            } catch (InterruptedException e) {
                threads.forEach(Thread::interrupt); // the peer died: their puts end too
                throw e;
            }
            endRound(in::put, done, count);
        }, Math.min(warmMessages, warmMessages(messages, settings.size())), messages, settings.warmup(), settings.maxWarmup(),
                settings.size());
        MemorySegment end = Arena.ofAuto().allocate(settings.size(), 8);
        end.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_PHASE);
        in.put(end); // priority 0: after every message of the round
        remove(boxes);
        return result.withThroughput(oneWay[0], oneWay[1]);
    }

    /** Ends a one-way round at priority 0 (after every message sent before) and awaits the peer's count. */
    private void endRound(Put in, Mailbox done, long count) throws InterruptedException {
        MemorySegment end = Arena.ofAuto().allocate(settings.size(), 8);
        end.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_ROUND);
        progress();
        in.put(end);
        byte[] reply = done.poll(Duration.ofMinutes(5));
        if (reply == null || MemorySegment.ofArray(reply).get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != count) {
            throw new IllegalStateException("one-way round of " + count + " messages did not complete");
        }
    }

    private BenchResult pingPong(String label, Mailbox ping, Mailbox pong) throws Exception {
        try (RoleBinding sending = ping.bindSender(); RoleBinding receiving = pong.bindReceiver()) {
            return pingPong(label, ping::put, pong::take);
        }
    }

    /** Sends one message, waiting while there is no room. */
    private interface Put {
        void put(MemorySegment message) throws InterruptedException;
    }

    /** Hands the next message, in place, to a handler, waiting as long as needed. */
    private interface Take {
        void take(MessageHandler handler) throws InterruptedException;
    }

    /** A ping-pong of {@code put} to the peer and in-place {@code take} of its echo. */
    private BenchResult pingPong(String label, Put ping, Take pong) throws Exception {
        return PingPongRegimen.measure(label, settings.warmup(), settings.maxWarmup(), settings.measure(),
                exchange(ping, pong));
    }

    /** One exchange: {@code put} a message numbered {@code sequence}, then take its echo in place. */
    private PingPongRegimen.Exchange exchange(Put ping, Take pong) {
        MemorySegment message = Arena.ofAuto().allocate(settings.size(), 8);
        long[] echoed = {0};
        MessageHandler check = m -> echoed[0] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        return sequence -> {
            if ((sequence & 63) == 0) {
                progress();
            }
            message.set(ValueLayout.JAVA_LONG, 0, sequence);
            ping.put(message);
            pong.take(check);
            return echoed[0];
        };
    }

    /**
     * The measuring side has got on with the peer: a stall of {@link PeerProcess#ANSWER_WAIT} after
     * this ends the run with one line (see {@link PeerProcess}); the measuring loops call it every
     * 64 exchanges, every 1024 messages and before each wait for a reply.
     */
    private void progress() {
        peer.progress();
    }

    /** {@code exchange}, reporting progress every 64 exchanges (for the pipe's, which has no wait of jipc's). */
    private PingPongRegimen.Exchange reporting(PingPongRegimen.Exchange exchange) {
        return sequence -> {
            if ((sequence & 63) == 0) {
                progress();
            }
            return exchange.exchange(sequence);
        };
    }

    /**
     * The futex mailbox's ping-pong and the pipe's in alternating slices ({@link #PIPE_PAIRS} pairs
     * sharing {@code --time} each); the peer serves both in one thread ({@code pairecho}).
     */
    private PingPongRegimen.Paired pairedWithPipe(String label, Mailbox ping, Mailbox pong, Path p2c, Path c2p)
            throws Exception {
        try (RoleBinding sending = ping.bindSender(); RoleBinding receiving = pong.bindReceiver();
             PipeExchange pipe = PipeExchange.open(p2c, c2p, settings.size())) {
            return PingPongRegimen.measurePaired(new PingPongRegimen.Side(label, exchange(ping::put, pong::take)),
                    new PingPongRegimen.Side(PIPE_LABEL, reporting(pipe)), settings.warmup(), settings.maxWarmup(),
                    settings.measure(), PIPE_PAIRS);
        }
    }

    // ------------------------------------------------------------------ unbounded mailbox

    /**
     * {ping, pong, one-way in}: unbounded mailboxes with the default strategy; the one-way one has
     * segment rings of 1 MiB (or room for two messages) under a ceiling of {@code capacity} bytes
     * (the bytes of the bounded one-way mailbox; at least four segments).
     */
    private UnboundedMailbox[] createUnbounded(int size, long capacity) {
        MailboxOptions small = MailboxOptions.builder().maxMessageSize(Math.max(size, 8)).capacityBytes(64 * 1024)
                .build();
        MailboxOptions segments = MailboxOptions.builder().maxMessageSize(Math.max(size, 8))
                .capacityBytes(Math.max(1 << 20, 2L * (size + 64))).build();
        long ceiling = Math.max(capacity, 4 * (segments.capacityBytes() + (1 << 16))); // 64 KiB: header, control block
        return new UnboundedMailbox[] {createUnbounded("unbounded-ping", small, ceiling),
                createUnbounded("unbounded-pong", small, ceiling), createUnbounded("unbounded-in", segments, ceiling)};
    }

    private synchronized UnboundedMailbox createUnbounded(String suffix, MailboxOptions options, long ceiling) {
        String name = prefix + "-" + suffix;
        checkNotStopping();
        UnboundedMailbox.destroy(name); // a leftover of a killed run
        unboundedMailboxes.add(name); // removed at the end, whatever happens
        UnboundedMailbox box = UnboundedMailbox.create(name, options, ceiling);
        openUnbounded.add(box);
        return box;
    }

    /**
     * The unbounded mailbox: a ping-pong ({@code put}, in-place {@code take}), then one-way rounds
     * whose sender never waits; at the ceiling it offers again after {@link Thread#yield()}.
     */
    private BenchResult measureUnbounded(PeerProcess peer, int size, long capacity, long warmMessages)
            throws Exception {
        String label = "mailbox unbounded";
        UnboundedMailbox[] boxes = createUnbounded(size, capacity);
        Mailbox done = create("unbounded-done", MailboxOptions.builder().maxMessageSize(8).capacityBytes(64 * 1024)
                .build());
        start(peer, "uecho:" + boxes[0].name() + ":" + boxes[1].name());
        step(peer, label, "ping-pong");
        BenchResult pingPong = pingPong(label, boxes[0]::put, boxes[1]::take);
        finished(boxes[0], boxes[1]);
        start(peer, "usink:" + boxes[2].name() + ":" + done.name());
        step(peer, label, "one-way throughput");
        UnboundedMailbox in = boxes[2];
        MemorySegment message = Arena.ofAuto().allocate(settings.size(), 8);
        double[] oneWay = OneWayRegimen.measure(count -> {
            for (long i = 0; i < count; i++) {
                if ((i & 1023) == 0) {
                    progress();
                }
                message.set(ValueLayout.JAVA_LONG, 0, i);
                while (!in.offer(message)) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException(); // the peer died: no segment will be retired
                    }
                    Thread.yield(); // at the ceiling: the peer retires a segment soon
                }
            }
            endRound(in::put, done, count);
        }, warmMessages, settings.messages(), settings.warmup(), settings.maxWarmup(), settings.size());
        message.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_PHASE);
        in.put(message);
        finished(in);
        remove(new Mailbox[] {done});
        return pingPong.withThroughput(oneWay[0], oneWay[1]);
    }

    /**
     * Closes this process's handles of unbounded mailboxes whose phase has ended; they are removed
     * once the peer has started its next phase ({@link #start}): until then its receive may still
     * open their segment files.
     */
    private synchronized void finished(UnboundedMailbox... boxes) {
        for (UnboundedMailbox box : boxes) {
            box.close();
            openUnbounded.remove(box);
            finishedUnbounded.add(box.name());
        }
    }

    /** The most payload bytes of one warm-up round of a one-way run (256 MiB). */
    static final long WARM_ROUND_BYTES = 256L << 20;

    /**
     * Messages of one warm-up round of a one-way run of {@code measured} messages of {@code size}
     * bytes: a quarter of the measured round, at least 100,000 (or the whole measured round if it is
     * smaller: a short run warms up with short rounds), and at most {@link #WARM_ROUND_BYTES} of
     * payload (at least 16 messages), so that a round of large messages ends in about a second
     * instead of copying tens of gigabytes.
     */
    public static long warmMessages(long measured, int size) {
        long byCount = Math.max(Math.min(100_000, measured), measured / 4);
        long byBytes = Math.max(16, WARM_ROUND_BYTES / Math.max(1, size));
        return Math.max(1, Math.min(byCount, byBytes));
    }

    private double[] oneWay(Mailbox in, Mailbox done, long warmMessages) throws Exception {
        MemorySegment message = Arena.ofAuto().allocate(settings.size(), 8);
        try (RoleBinding sending = in.bindSender()) {
            double[] result = OneWayRegimen.measure(count -> {
                for (long i = 0; i < count; i++) {
                    if ((i & 1023) == 0) {
                        progress();
                    }
                    message.set(ValueLayout.JAVA_LONG, 0, i);
                    if (!in.offer(message)) {
                        in.put(message);
                    }
                }
                endRound(in::put, done, count);
            }, warmMessages, settings.messages(), settings.warmup(), settings.maxWarmup(), settings.size());
            message.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_PHASE);
            in.put(message);
            return result;
        }
    }

    private BenchResult pipePingPong(Path p2c, Path c2p) throws Exception {
        try (PipeExchange pipe = PipeExchange.open(p2c, c2p, settings.size())) {
            return PingPongRegimen.measure(PIPE_LABEL, settings.warmup(), settings.maxWarmup(), settings.measure(),
                    reporting(pipe));
        }
    }

    /**
     * This process's ends of the pipe ping-pong: writes each message to FIFO {@code p2c} and reads
     * its echo from {@code c2p}. Opening blocks until the peer has opened its ends. Confined to the
     * thread that opened it.
     */
    private static final class PipeExchange implements PingPongRegimen.Exchange, AutoCloseable {
        private final int size;
        private final String p2c;
        private final String c2p;
        private final int out;
        private final int in;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment message;
        private final MemorySegment echo;

        private PipeExchange(Path p2c, Path c2p, int size, int out, int in) {
            this.size = size;
            this.p2c = p2c.toString();
            this.c2p = c2p.toString();
            this.out = out;
            this.in = in;
            this.message = arena.allocate(size, 64);
            this.echo = arena.allocate(size, 64);
        }

        static PipeExchange open(Path p2c, Path c2p, int size) {
            int out = Libc.open(p2c.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
            try {
                int in = Libc.open(c2p.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
                return new PipeExchange(p2c, c2p, size, out, in);
            } catch (RuntimeException e) {
                Libc.close(out);
                throw e;
            }
        }

        @Override
        public long exchange(long sequence) {
            message.set(ValueLayout.JAVA_LONG, 0, sequence);
            PipeIo.writeFully(out, message, size, p2c);
            if (!PipeIo.readFully(in, echo, size, c2p)) {
                throw new IllegalStateException("pipe closed by the peer");
            }
            return echo.get(ValueLayout.JAVA_LONG, 0);
        }

        @Override
        public void close() {
            Libc.close(out);
            Libc.close(in);
            arena.close();
        }
    }

    /**
     * The share of one CPU the peer used while its only thread of interest was blocked in
     * {@code take()}: the on-CPU nanoseconds of all its threads ({@code /proc/<pid>/task/<tid>/schedstat},
     * JIT and GC threads included) over two seconds, once the receiver is past its spin phase.
     */
    private static double idleCpu(long pid, Mailbox idle) throws Exception {
        Thread.sleep(300); // past the spin phase, asleep in futex
        long before = cpuNanos(pid);
        long start = System.nanoTime();
        Thread.sleep(2000);
        long used = cpuNanos(pid) - before;
        long elapsed = System.nanoTime() - start;
        idle.put(new byte[8]);
        return 100.0 * used / elapsed;
    }

    /** Nanoseconds on a CPU of all threads of a process so far. */
    private static long cpuNanos(long pid) throws IOException {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String schedstat = Files.readString(task.resolve("schedstat")).trim();
                    total += Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
                } catch (IOException threadEnded) {
                    // the thread exited meanwhile
                }
            }
        }
        return total;
    }

    /** Closes this process's handles of the mailboxes a failed run left (not from the shutdown hook). */
    private synchronized void closeHandles() {
        openMailboxes.forEach(Mailbox::close);
        openMailboxes.clear();
        openUnbounded.forEach(UnboundedMailbox::close);
        openUnbounded.clear();
    }

    /** The shutdown hook: no object is created after it, and those created (or being created) are removed. */
    synchronized void stop() {
        stopping = true;
        cleanUp();
    }

    /** Removes every object recorded; waits for a creation in progress (see {@link #create}). */
    private synchronized void cleanUp() {
        for (String name : List.copyOf(mailboxes)) {
            try {
                Mailbox.destroy(name);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        mailboxes.clear();
        for (String name : List.copyOf(unboundedMailboxes)) {
            try {
                UnboundedMailbox.destroy(name);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        unboundedMailboxes.clear();
        for (Path fifo : List.copyOf(fifos)) {
            try {
                Files.deleteIfExists(fifo);
            } catch (IOException ignored) {
                // best effort
            }
        }
        fifos.clear();
    }

}
