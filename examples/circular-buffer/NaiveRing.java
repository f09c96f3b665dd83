import io.jipc.shm.SharedRegion;

import java.time.Duration;

/**
 * The lecture's circular buffer, exactly as on the slides, between processes: one consumer and
 * several producers share {@code in}, {@code out} and {@code buffer[]} in a named region. Every
 * access is even atomic and ordered (volatile), and still items get lost or duplicated: two
 * producers read the same {@code in}, write the same slot and both store {@code in + 1}.
 *
 * <pre>
 * examples/run circular-buffer/NaiveRing.java consume 2        # terminal 1
 * examples/run circular-buffer/NaiveRing.java produce 1        # terminal 2
 * examples/run circular-buffer/NaiveRing.java produce 2        # terminal 3
 * </pre>
 * Each producer puts (producer, 0), (producer, 1), ... The consumer checks that each producer's
 * items arrive in order without gaps and stops at the first item lost or duplicated (or after
 * 60 s, if it never sees one) and tells the producers to stop.
 */
public class NaiveRing {
    static final String NAME = "naive-ring";
    static final int BUFFER_SIZE = 64;
    static final long IN = 0;           // written by producers
    static final long OUT = 64;         // written by the consumer
    static final long STOP = 128;       // set by the consumer when it has seen enough
    static final long BUFFER = 256;     // BUFFER_SIZE items of 8 bytes: producer << 32 | sequence

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[1].matches("[1-9]\\d*")) {
            usage();
        }
        if (args[0].equals("consume")) {
            consume(Integer.parseInt(args[1]));
        } else if (args[0].equals("produce")) {
            produce(Integer.parseInt(args[1]));
        } else {
            usage();
        }
    }

    static void produce(int producer) throws InterruptedException {
        try (SharedRegion region = open()) {
            long sequence = 0;
            while (region.getIntVolatile(STOP) == 0) {
                // while (((in + 1) % BUFFER_SIZE) == out) ;   /* do nothing ... buffer is full */
                int in = region.getIntVolatile((int) IN);
                if ((in + 1) % BUFFER_SIZE == region.getIntVolatile(OUT)) {
                    Thread.onSpinWait();
                    continue;
                }
                Thread.yield(); // this process may lose the CPU here, as on any machine; the yield makes it likelier
                // buffer[in] = nextProduced;
                region.setLongVolatile(BUFFER + 8L * in, ((long) producer << 32) | sequence++);
                // in = (in + 1) % BUFFER_SIZE;
                region.setIntVolatile(IN, (in + 1) % BUFFER_SIZE);
            }
            System.out.println("producer " + producer + ": put " + sequence + " items");
        }
    }

    static void consume(int producers) {
        SharedRegion.unlink(NAME);
        try (SharedRegion region = SharedRegion.create(NAME, BUFFER + 8L * BUFFER_SIZE)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> SharedRegion.unlink(NAME))); // Ctrl-C removes it too
            System.out.println("naive ring '" + NAME + "' created, waiting for " + producers + " producers");
            long[] next = new long[producers + 1];
            long taken = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String verdict = null;
            while (verdict == null && System.nanoTime() - deadline < 0) {
                // while (in == out) ;   /* do nothing ... buffer is empty */
                int out = region.getIntVolatile(OUT);
                if (region.getIntVolatile(IN) == out) {
                    Thread.onSpinWait();
                    continue;
                }
                // nextConsumed = buffer[out];  out = (out + 1) % BUFFER_SIZE;
                long item = region.getLongVolatile(BUFFER + 8L * out);
                region.setIntVolatile(OUT, (out + 1) % BUFFER_SIZE);
                taken++;
                int producer = (int) (item >>> 32);
                long sequence = item & 0xFFFF_FFFFL;
                if (producer < 1 || producer > producers) {
                    verdict = "read a slot no producer has written yet (" + item + ")";
                } else if (sequence > next[producer]) {
                    verdict = "LOST " + (sequence - next[producer]) + " item(s) of producer " + producer
                            + ": expected #" + next[producer] + ", got #" + sequence;
                } else if (sequence < next[producer]) {
                    verdict = "DUPLICATED item #" + sequence + " of producer " + producer;
                } else {
                    next[producer]++;
                }
            }
            region.setIntVolatile(STOP, 1);
            System.out.println(verdict == null ? "no race seen in " + taken + " items (lucky: run it again)"
                    : "RACE after " + taken + " items: " + verdict);
            region.unlink();
        }
    }

    /** Waits (up to 60 s, saying so at once) for the consumer to create the region. */
    static SharedRegion open() throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                return SharedRegion.open(NAME);
            } catch (io.jipc.shm.RegionNotFoundException notYet) {
                if (i == 0) {
                    System.out.println("waiting for the consumer to create '" + NAME + "' (at most 60 s)");
                }
                if (i == 600) {
                    fail("no region '" + NAME + "' after 60 s: start 'NaiveRing.java consume' first");
                }
                Thread.sleep(100);
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run circular-buffer/NaiveRing.java consume <producers> | produce <producer number>");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
