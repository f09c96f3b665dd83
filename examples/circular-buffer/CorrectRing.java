import io.jipc.platform.ProcessIdentity;
import io.jipc.shm.CircularBuffer;
import io.jipc.shm.RegionExistsException;
import io.jipc.shm.RegionNotFoundException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The same producers and consumer as {@code NaiveRing}, through jipc's {@link CircularBuffer}: a
 * producer claims its slot with one compare-and-set, so no two producers ever write the same
 * slot, and publishes the item through the slot's sequence number. Blocking sleeps in futex.
 *
 * <pre>
 * examples/run circular-buffer/CorrectRing.java consume 2 100000   # terminal 1
 * examples/run circular-buffer/CorrectRing.java produce 1 100000   # terminal 2
 * examples/run circular-buffer/CorrectRing.java produce 2 100000   # terminal 3
 * </pre>
 */
public class CorrectRing {
    static final String NAME = "correct-ring";

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[1].matches("[1-9]\\d*") || !args[2].matches("\\d+")) {
            usage();
        }
        if (args[0].equals("consume")) {
            consume(Integer.parseInt(args[1]), Long.parseLong(args[2]));
        } else if (args[0].equals("produce")) {
            produce(Integer.parseInt(args[1]), Long.parseLong(args[2]));
        } else {
            usage();
        }
    }

    static void produce(int producer, long count) throws InterruptedException {
        try (CircularBuffer buffer = open()) {
            MemorySegment item = MemorySegment.ofArray(new long[1]);
            for (long sequence = 0; sequence < count; sequence++) {
                item.set(ValueLayout.JAVA_LONG, 0, ((long) producer << 32) | sequence);
                buffer.put(item); // sleeps while the buffer is full
            }
            System.out.println("producer " + producer + ": put " + count + " items");
        }
    }

    static void consume(int producers, long each) throws InterruptedException {
        try (CircularBuffer buffer = create()) {
            // Ctrl-C removes it too: this buffer only (by its file), never one another consumer made since
            Runtime.getRuntime().addShutdownHook(new Thread(buffer::unlink));
            System.out.println("circular buffer '" + NAME + "' created, waiting for " + producers + " producers");
            long[] next = new long[producers + 1];
            MemorySegment item = MemorySegment.ofArray(new long[1]);
            long lost = 0;
            long duplicated = 0;
            for (long taken = 0; taken < producers * each; taken++) {
                buffer.take(item); // sleeps while the buffer is empty
                long value = item.get(ValueLayout.JAVA_LONG, 0);
                int producer = (int) (value >>> 32);
                long sequence = value & 0xFFFF_FFFFL;
                if (sequence > next[producer]) {
                    lost += sequence - next[producer];
                } else if (sequence < next[producer]) {
                    duplicated++;
                }
                next[producer] = Math.max(next[producer], sequence + 1);
            }
            System.out.println("took " + producers * each + " items: " + lost + " lost, " + duplicated + " duplicated");
            buffer.close();
            buffer.unlink();
        }
    }

    /**
     * Creates the buffer; refuses (one line, exit status 1) while a consumer that made it runs, and
     * removes one that a consumer killed outright (no shutdown hook ran) left behind.
     */
    static CircularBuffer create() {
        while (true) {
            try {
                return CircularBuffer.create(NAME, 8, 64);
            } catch (RegionExistsException taken) {
                try (CircularBuffer other = CircularBuffer.open(NAME)) {
                    ProcessIdentity consumer = other.creator();
                    if (consumer.isAlive()) {
                        fail("a consumer is already running (pid " + consumer.pid() + "), '" + NAME + "' is its buffer:"
                                + " start producers for it, or stop it first");
                    }
                    if (other.unlink()) {
                        System.out.println("removed '" + NAME + "', left by consumer pid " + consumer.pid() + ", which died");
                    }
                } catch (RegionNotFoundException removedMeanwhile) {
                    // its consumer stopped meanwhile: create it now
                }
            }
        }
    }

    /** Waits (up to 60 s, saying so at once) for the consumer to create the buffer. */
    static CircularBuffer open() throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                return CircularBuffer.open(NAME);
            } catch (RegionNotFoundException notYet) {
                if (i == 0) {
                    System.out.println("waiting for the consumer to create '" + NAME + "' (at most 60 s)");
                }
                if (i == 600) {
                    fail("no circular buffer '" + NAME + "' after 60 s: start 'CorrectRing.java consume' first");
                }
                Thread.sleep(100);
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run circular-buffer/CorrectRing.java consume <producers> <items each> | produce <producer> <items>");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
