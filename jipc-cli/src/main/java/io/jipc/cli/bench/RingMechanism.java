package io.jipc.cli.bench;

import io.jipc.shm.CircularBuffer;
import io.jipc.shm.CircularBufferDescriptor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * Two shared-memory {@link CircularBuffer}s of jipc-shm (one per direction). The buffer's items
 * have one fixed size, so each item is sized for the largest message of the run: a 4-byte length
 * ({@link #LENGTH_BYTES}, native order) followed by the message, the rest of the item unused. Every
 * message therefore costs a whole item, whatever its own length: in a run that also measures
 * 4 KiB, a 64-byte message copies a 4 KiB item in and out of the ring (the price of fixed-size
 * items, which {@code jipc bench ring} measures without it). Items are at most
 * {@value CircularBufferDescriptor#MAX_ITEM_SIZE} bytes, so a message of 1 MiB cannot be carried.
 *
 * <p>Through the {@code byte[]} link each message is copied four times: into a staging item, into
 * the ring, out of the ring, and out of the staging item into its own array. A blocked put or take
 * spins about 20 µs, then sleeps in {@code futex}.
 */
final class RingMechanism implements Mechanism {
    /** Bytes of the length that precedes each message in its item. */
    static final int LENGTH_BYTES = Integer.BYTES;
    /** About how many bytes each ring takes: as many items of the run's size as fit, 2 to 1024. */
    private static final long RING_BYTES = 4L << 20;
    private static final int MOST_ITEMS = 1024;

    @Override
    public String id() {
        return "ring";
    }

    @Override
    public String label() {
        return "shared-region ring";
    }

    @Override
    public Traits traits() {
        return new Traits("wake-ups (futex)", "4 (2 in ring)", "until destroyed");
    }

    @Override
    public String unsupported(int size) {
        if (size > CircularBufferDescriptor.MAX_ITEM_SIZE - LENGTH_BYTES) {
            return "items of at most " + CircularBufferDescriptor.MAX_ITEM_SIZE + " bytes, " + LENGTH_BYTES
                    + " of them for the length";
        }
        return null;
    }

    /** Items of each ring for items of {@code itemSize} bytes: a power of two. */
    static int capacity(int itemSize) {
        long items = Math.clamp(RING_BYTES / itemSize, 2, MOST_ITEMS);
        return Integer.highestOneBit((int) items);
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        if (unsupported(maxSize) != null) {
            throw new IllegalArgumentException(maxSize + "-byte messages: " + unsupported(maxSize));
        }
        String prefix = "bench-" + ProcessHandle.current().pid() + "-ring";
        int itemSize = maxSize + LENGTH_BYTES;
        CircularBuffer toPeer = create(prefix + "-p2c", itemSize);
        CircularBuffer fromPeer;
        try {
            fromPeer = create(prefix + "-c2p", itemSize);
        } catch (RuntimeException e) {
            destroy(toPeer, prefix + "-p2c");
            throw e;
        }
        return new Endpoint() {
            private RingLink link;

            @Override
            public String peerArgument() {
                return prefix + "-c2p," + prefix + "-p2c";
            }

            @Override
            public Link link() {
                link = new RingLink(toPeer, fromPeer, false);
                return link;
            }

            @Override
            public void close() {
                if (link != null) {
                    link.close();
                }
                destroy(toPeer, prefix + "-p2c");
                destroy(fromPeer, prefix + "-c2p");
            }
        };
    }

    private static CircularBuffer create(String name, int itemSize) {
        CircularBuffer.destroy(name); // a leftover of a killed run
        return CircularBuffer.create(name, itemSize, capacity(itemSize));
    }

    private static void destroy(CircularBuffer buffer, String name) {
        buffer.close();
        CircularBuffer.destroy(name);
    }

    @Override
    public Link connect(String argument) {
        String[] names = argument.split(",");
        CircularBuffer out = CircularBuffer.open(names[0]);
        try {
            return new RingLink(out, CircularBuffer.open(names[1]), true);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Puts each message, preceded by its length, into an item of {@code out}; takes items from
     * {@code in} and returns their messages. A length that does not fit the item (a hostile or
     * corrupt peer) is an {@link IllegalStateException}.
     */
    static final class RingLink implements Link {
        private final CircularBuffer out;
        private final CircularBuffer in;
        private final boolean ownsBuffers;
        private final MemorySegment outgoing;
        private final MemorySegment incoming;

        RingLink(CircularBuffer out, CircularBuffer in, boolean ownsBuffers) {
            this.out = out;
            this.in = in;
            this.ownsBuffers = ownsBuffers;
            Arena staging = Arena.ofAuto(); // freed with the link: closing may happen on a cleanup thread
            this.outgoing = staging.allocate(out.itemSize(), Long.BYTES);
            this.incoming = staging.allocate(in.itemSize(), Long.BYTES);
        }

        @Override
        public void send(byte[] message) throws InterruptedException {
            if (message.length > outgoing.byteSize() - LENGTH_BYTES) {
                throw new IllegalArgumentException(message.length + "-byte message; items carry at most "
                        + (outgoing.byteSize() - LENGTH_BYTES));
            }
            outgoing.set(ValueLayout.JAVA_INT, 0, message.length);
            MemorySegment.copy(message, 0, outgoing, ValueLayout.JAVA_BYTE, LENGTH_BYTES, message.length);
            out.put(outgoing);
        }

        @Override
        public byte[] receive(Duration timeout) throws InterruptedException {
            if (!in.poll(incoming, timeout)) {
                return null;
            }
            return message(incoming);
        }

        /** The message of {@code item}: its length, checked against the item, then its bytes. */
        static byte[] message(MemorySegment item) {
            int length = item.get(ValueLayout.JAVA_INT, 0);
            if (length < 0 || length > item.byteSize() - LENGTH_BYTES) {
                throw new IllegalStateException("ring item of " + item.byteSize() + " bytes claims a message of "
                        + length + " bytes");
            }
            return item.asSlice(LENGTH_BYTES, length).toArray(ValueLayout.JAVA_BYTE);
        }

        @Override
        public void close() {
            if (ownsBuffers) {
                out.close();
                in.close();
            }
        }
    }
}
