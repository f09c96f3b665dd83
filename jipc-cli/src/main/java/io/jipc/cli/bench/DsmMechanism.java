package io.jipc.cli.bench;

import io.jipc.dsm.DsmOptions;
import io.jipc.dsm.RegionHome;
import io.jipc.dsm.RegionRead;
import io.jipc.dsm.RegionStatus;
import io.jipc.dsm.RegionWrite;
import io.jipc.dsm.ReplicatedRegion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Replicated regions ({@link ReplicatedRegion}, jipc-dsm): the measuring process runs the
 * {@link RegionHome} on 127.0.0.1 (an ephemeral port) and both processes open replicas of its
 * regions. A message is one write section of the sender: it takes the region's write lock from the
 * home (a round trip; none while it keeps the lock), writes the message into its replica and, on
 * release, sends the changed bytes, which the home applies, acknowledges and pushes to the other
 * replica (a second round trip). The receiver waits for the new version ({@link ReplicatedRegion#awaitVersion}), reads
 * the message out of its replica, and answers the same way in the other direction.
 *
 * <p><b>Layout.</b> Each direction has a ring of message slots per size class (256 B, then 16 times
 * larger up to the run's largest message; each class a region of up to 16 slots and about 128 KiB,
 * but at least 2 slots), so that a 64-byte message is not a section of a region sized for 1 MiB:
 * every section copies and compares its whole region (the twin). A slot holds a sequence number,
 * the length and the message; the sender moves to another class with a marker in the slot of the
 * class it leaves, which the receiver follows. A message's bytes are stored XOR a mask that differs
 * from the one of the slot's previous message, so that the benchmark's messages (zeros but for their
 * sequence number) change every byte of the slot: each section carries a diff the size of the
 * message, as a real change of that size would, not the 8 bytes that differ.
 *
 * <p><b>Flow control.</b> The sender may not overwrite a slot the receiver has not read: the
 * receiver publishes how many messages of each class it consumed, in the header of every section it
 * writes itself (the ping-pong's replies carry them for free) and, when half a ring is consumed
 * unannounced, in a section of a small credit region; a sender with a full ring waits for it.
 *
 * <p>Copies of a message: into the sender's replica, into the diff, into the release frame, through
 * the socket to the home, into the home's master copy, into the update frame, through the socket to
 * the receiver, into its replica, out of it: eleven (and each section copies and compares the whole
 * region once). The kernel takes part in every section: five frames over TCP loopback (ACQUIRE,
 * GRANTED, RELEASE, the UPDATE to the receiver, RELEASED), or three while the sender keeps the lock
 * from section to section (one way: RELEASE, UPDATE, KEPT).
 */
final class DsmMechanism implements Mechanism {
    /** Largest message: the peer JVM (256 MiB of heap) receives a snapshot of two of them and the updates. */
    private static final int MOST_BYTES = 16 << 20;
    private static final Duration JOIN_WAIT = Duration.ofMinutes(1);

    @Override
    public String id() {
        return "dsm";
    }

    @Override
    public String label() {
        return "replicated region";
    }

    @Override
    public Traits traits() {
        return new Traits("every section (TCP)", "11", "while the home runs");
    }

    @Override
    public String unsupported(int size) {
        return size > MOST_BYTES ? "messages of at most 16 MiB (the peer's heap holds the region's frames)" : null;
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) throws InterruptedException {
        Layout layout = Layout.of(maxSize);
        RegionHome home = RegionHome.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                layout.options());
        DsmLink link;
        try {
            link = DsmLink.open(home.address(), layout, true);
        } catch (InterruptedException | RuntimeException | Error e) {
            home.close();
            throw e;
        }
        InetSocketAddress address = (InetSocketAddress) home.address();
        return new Endpoint() {
            @Override
            public String peerArgument() {
                return address.getAddress().getHostAddress() + ":" + address.getPort() + "," + maxSize;
            }

            /** Once the peer has a replica of every region: the first ping does not wait for its snapshots. */
            @Override
            public Link link() throws InterruptedException {
                long deadline = System.nanoTime() + JOIN_WAIT.toNanos();
                while (!everyRegionHasTwoReplicas(home, layout)) {
                    if (peer != null) {
                        peer.checkAlive("the home waited for its replicas");
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the peer did not open the regions within " + JOIN_WAIT
                                + ": " + home.regions());
                    }
                    Thread.sleep(1);
                }
                return link;
            }

            @Override
            public void close() {
                try {
                    link.close();
                } finally {
                    home.close();
                }
            }
        };
    }

    private static boolean everyRegionHasTwoReplicas(RegionHome home, Layout layout) {
        List<RegionStatus> regions = home.regions();
        return regions.size() == layout.regionCount() && regions.stream().allMatch(r -> r.replicas() == 2);
    }

    @Override
    public Link connect(String argument) throws InterruptedException {
        int comma = argument.lastIndexOf(',');
        int colon = argument.lastIndexOf(':', comma);
        SocketAddress home = new InetSocketAddress(argument.substring(0, colon),
                Integer.parseInt(argument.substring(colon + 1, comma)));
        return DsmLink.open(home, Layout.of(Integer.parseInt(argument.substring(comma + 1))), false);
    }

    /**
     * The regions' shapes for a run whose largest message is {@code maxSize}: per size class its
     * capacity, its slots and their stride. Both processes compute the same from {@code maxSize}.
     */
    record Layout(int[] capacities, int[] depths, int[] strides) {
        /** Per region: the consumed counts of the writer's incoming classes, one long each. */
        static final int HEADER = 64;
        /** Per slot: sequence number (long, 1 for the first message), length (int), kind, target class. */
        static final int SLOT_HEADER = 16;
        static final int SMALLEST_CLASS = 256;
        static final int CLASS_STEP = 16;
        static final int RING_BYTES = 128 << 10;
        static final int MOST_SLOTS = 16;

        static Layout of(int maxSize) {
            List<Integer> capacities = new ArrayList<>();
            int capacity = Math.min(SMALLEST_CLASS, maxSize);
            capacities.add(capacity);
            while (capacity < maxSize) {
                capacity = (int) Math.min((long) capacity * CLASS_STEP, maxSize);
                capacities.add(capacity);
            }
            if (capacities.size() > HEADER / Long.BYTES) {
                throw new IllegalArgumentException("too many size classes for messages of " + maxSize + " bytes");
            }
            int n = capacities.size();
            int[] caps = new int[n];
            int[] depths = new int[n];
            int[] strides = new int[n];
            for (int c = 0; c < n; c++) {
                caps[c] = capacities.get(c);
                strides[c] = (SLOT_HEADER + caps[c] + 7) & ~7;
                depths[c] = Math.clamp(RING_BYTES / strides[c], 2, MOST_SLOTS);
            }
            return new Layout(caps, depths, strides);
        }

        int classes() {
            return capacities.length;
        }

        /** The smallest class that holds {@code length} bytes. */
        int classOf(int length) {
            for (int c = 0; c < capacities.length; c++) {
                if (length <= capacities[c]) {
                    return c;
                }
            }
            throw new IllegalArgumentException("message of " + length + " bytes; at most " + capacities[capacities.length - 1]);
        }

        long regionSize(int c) {
            return HEADER + (long) depths[c] * strides[c];
        }

        /** Where message {@code n} (from 0) of class {@code c} goes. */
        long slot(int c, long n) {
            return HEADER + (n % depths[c]) * strides[c];
        }

        /** Consumed messages of class {@code c} that the receiver announces at the latest. */
        int threshold(int c) {
            return Math.max(1, depths[c] / 2);
        }

        /** Per direction a region per class and a credit region. */
        int regionCount() {
            return 2 * (classes() + 1);
        }

        DsmOptions options() {
            DsmOptions defaults = DsmOptions.defaults();
            long largest = regionSize(classes() - 1);
            return defaults.withMaxRegionSize((int) Math.max(defaults.maxRegionSize(), largest));
        }
    }

    /**
     * One process's side: the regions it writes (its outgoing direction, and the credit region of its
     * incoming one) and those it reads. Used by one thread at a time, like every {@link Link}.
     */
    static final class DsmLink implements Link {
        private static final byte DATA = 0;
        private static final byte MOVE = 1;
        private static final Duration SEND_WAIT = Duration.ofMinutes(2);
        private static final Duration CREDIT_SLICE = Duration.ofMillis(1);

        private final Layout layout;
        private final List<ReplicatedRegion> opened;
        private final ReplicatedRegion[] out;
        private final ReplicatedRegion[] in;
        /** Written by the other side: how many of our messages it consumed. */
        private final ReplicatedRegion creditIn;
        /** Written by this side: how many of the other side's messages it consumed. */
        private final ReplicatedRegion creditOut;
        private final long[] written;
        private final long[] granted;
        private final long[] consumed;
        private final long[] announced;
        private int sendClass;
        private int receiveClass;
        private byte[] buffer = new byte[0];

        private DsmLink(Layout layout, List<ReplicatedRegion> opened) {
            int n = layout.classes();
            this.layout = layout;
            this.opened = opened;
            this.out = opened.subList(0, n).toArray(ReplicatedRegion[]::new);
            this.in = opened.subList(n, 2 * n).toArray(ReplicatedRegion[]::new);
            this.creditIn = opened.get(2 * n);
            this.creditOut = opened.get(2 * n + 1);
            this.written = new long[n];
            this.granted = new long[n];
            this.consumed = new long[n];
            this.announced = new long[n];
        }

        /** Opens the replicas: {@code measuring} writes direction "ab", the peer "ba". */
        static DsmLink open(SocketAddress home, Layout layout, boolean measuring) throws InterruptedException {
            String mine = measuring ? "ab" : "ba";
            String theirs = measuring ? "ba" : "ab";
            DsmOptions options = layout.options();
            List<ReplicatedRegion> opened = new ArrayList<>();
            try {
                for (String direction : List.of(mine, theirs)) {
                    for (int c = 0; c < layout.classes(); c++) {
                        opened.add(ReplicatedRegion.open(home, direction + "-" + c, layout.regionSize(c), options));
                    }
                }
                opened.add(ReplicatedRegion.open(home, "credit-" + mine, Layout.HEADER, options));
                opened.add(ReplicatedRegion.open(home, "credit-" + theirs, Layout.HEADER, options));
                return new DsmLink(layout, opened);
            } catch (InterruptedException | RuntimeException | Error e) {
                opened.forEach(ReplicatedRegion::close);
                throw e;
            }
        }

        @Override
        public void send(byte[] message) throws InterruptedException {
            int c = layout.classOf(message.length);
            if (c != sendClass) {
                put(sendClass, MOVE, c, null);
                sendClass = c;
            }
            put(c, DATA, 0, message);
        }

        /** One write section: the slot of the next message of class {@code c}, and the consumed counts. */
        private void put(int c, byte kind, int target, byte[] message) throws InterruptedException {
            awaitRoom(c);
            long n = written[c];
            long slot = layout.slot(c, n);
            long sequence = n + 1;
            int length = message == null ? 0 : message.length;
            try (RegionWrite section = out[c].write()) {
                MemorySegment s = section.segment();
                for (int k = 0; k < consumed.length; k++) {
                    s.set(ValueLayout.JAVA_LONG, 8L * k, consumed[k]);
                }
                s.set(ValueLayout.JAVA_LONG, slot, sequence);
                s.set(ValueLayout.JAVA_INT, slot + 8, length);
                s.set(ValueLayout.JAVA_BYTE, slot + 12, kind);
                s.set(ValueLayout.JAVA_BYTE, slot + 13, (byte) target);
                if (length > 0) {
                    xor(MemorySegment.ofArray(message), 0, s, slot + Layout.SLOT_HEADER, length, (byte) sequence);
                }
            }
            System.arraycopy(consumed, 0, announced, 0, consumed.length);
            written[c] = sequence;
        }

        /** Waits until the receiver has consumed enough of class {@code c} for a free slot. */
        private void awaitRoom(int c) throws InterruptedException {
            if (written[c] - granted[c] < layout.depths()[c]) {
                return;
            }
            long deadline = System.nanoTime() + SEND_WAIT.toNanos();
            while (true) {
                long seen = refreshGrants();
                if (written[c] - granted[c] < layout.depths()[c]) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the receiver consumed no message of class " + c + " for " + SEND_WAIT);
                }
                // the credit region is where a receiver that sends nothing announces; the headers of the
                // regions it writes are read again after each slice
                creditIn.awaitVersion(seen, CREDIT_SLICE);
            }
        }

        /** Reads the other side's consumed counts wherever it announced them; the credit region's version. */
        private long refreshGrants() {
            long version;
            try (RegionRead read = creditIn.read()) {
                version = read.version();
                raiseGrants(read.segment());
            }
            for (ReplicatedRegion region : in) {
                try (RegionRead read = region.read()) {
                    raiseGrants(read.segment());
                }
            }
            return version;
        }

        private void raiseGrants(MemorySegment header) {
            for (int k = 0; k < granted.length; k++) {
                granted[k] = Math.max(granted[k], header.get(ValueLayout.JAVA_LONG, 8L * k));
            }
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                int c = receiveClass;
                long n = consumed[c];
                long slot = layout.slot(c, n);
                long version;
                byte[] message = null;
                int kind = -1;
                int target = 0;
                try (RegionRead read = in[c].read()) {
                    MemorySegment s = read.segment();
                    version = read.version();
                    long sequence = s.get(ValueLayout.JAVA_LONG, slot);
                    if (sequence == n + 1) {
                        kind = s.get(ValueLayout.JAVA_BYTE, slot + 12);
                        target = s.get(ValueLayout.JAVA_BYTE, slot + 13);
                        if (kind == DATA) {
                            int length = s.get(ValueLayout.JAVA_INT, slot + 8);
                            message = buffer(length);
                            xor(s, slot + Layout.SLOT_HEADER, MemorySegment.ofArray(message), 0, length, (byte) sequence);
                        }
                    } else if (sequence > n + 1) {
                        throw new IllegalStateException("message " + (n + 1) + " of class " + c
                                + " was overwritten by message " + sequence + " before it was read");
                    }
                }
                if (kind >= 0) {
                    consumed[c] = n + 1;
                    announce(c);
                    if (kind == MOVE) {
                        receiveClass = target;
                        continue;
                    }
                    return message;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                in[c].awaitVersion(version, Duration.ofNanos(left));
            }
        }

        /** Announces the consumed counts in the credit region once half a ring of class {@code c} went unannounced. */
        private void announce(int c) throws InterruptedException {
            if (consumed[c] - announced[c] < layout.threshold(c)) {
                return;
            }
            try (RegionWrite section = creditOut.write()) {
                MemorySegment s = section.segment();
                for (int k = 0; k < consumed.length; k++) {
                    s.set(ValueLayout.JAVA_LONG, 8L * k, consumed[k]);
                }
            }
            System.arraycopy(consumed, 0, announced, 0, consumed.length);
        }

        private byte[] buffer(int length) {
            if (buffer.length != length) {
                buffer = new byte[length];
            }
            return buffer;
        }

        /** Closes every replica (idempotent). */
        @Override
        public void close() {
            opened.forEach(ReplicatedRegion::close);
        }
    }

    /** Copies {@code length} bytes, each XOR {@code mask}, eight at a time. */
    static void xor(MemorySegment src, long from, MemorySegment dst, long to, int length, byte mask) {
        if (mask == 0) {
            MemorySegment.copy(src, from, dst, to, length);
            return;
        }
        long wide = (mask & 0xFFL) * 0x0101010101010101L;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            dst.set(ValueLayout.JAVA_LONG_UNALIGNED, to + i, src.get(ValueLayout.JAVA_LONG_UNALIGNED, from + i) ^ wide);
        }
        for (; i < length; i++) {
            dst.set(ValueLayout.JAVA_BYTE, to + i, (byte) (src.get(ValueLayout.JAVA_BYTE, from + i) ^ mask));
        }
    }
}
