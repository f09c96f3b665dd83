package io.jipc.shm;

import io.jipc.ErrnoException;
import io.jipc.platform.Libc;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;

/**
 * The other process of the shared-memory tests. Uses only jipc and JDK classes (no JUnit), so that
 * it also runs as another user. Prints one line per step.
 *
 * <ul>
 * <li>{@code hello}: {@code HELLO uid=<euid>}</li>
 * <li>{@code open <name> ro|rw}: {@code OPENED <size>} or {@code FAILED <exception> <errno or ->}</li>
 * <li>{@code open-touch <name> ro|rw}: opens, touches the last long (rw: a compare-and-set; ro: a
 *     volatile read): {@code TOUCHED <size>} or {@code FAILED <exception> <errno or -> <message>}</li>
 * <li>{@code write <name> <offset> <value>}: stores a long (volatile): {@code WROTE}</li>
 * <li>{@code await <name> <offset> <value>}: spins until the long holds value: {@code SAW}</li>
 * <li>{@code add <name> <offset> <times>}: {@code getAndAddLong(1)} that many times: {@code ADDED}</li>
 * <li>{@code anonymous <address> <offset>}: receives an anonymous region, adds 1 to the long at
 *     offset and prints {@code RECEIVED <size> <new value>}; or {@code FAILED ...}</li>
 * <li>{@code retrying <micros>}: for each address read from standard input, retries receives of
 *     {@code micros} each for up to 10 s: {@code RECEIVED <first long>}, or {@code LOST}</li>
 * <li>{@code produce <buffer> <producer> <count>}: puts 16-byte items (producer, sequence):
 *     {@code PRODUCED}</li>
 * <li>{@code consume <buffer> <producers> <count> <file>}: takes items until one with producer -1,
 *     writes a bit set of (producer * count + sequence) to file: {@code CONSUMED <items> <duplicates>}</li>
 * <li>{@code take <buffer>}: {@code TAKING}, then blocks in take: {@code TOOK <first long>}</li>
 * <li>{@code create <name> <size>}: creates the region and closes it: {@code CREATED <size>} or
 *     {@code FAILED <exception>}, status 0 either way</li>
 * <li>{@code create-anonymous <size>}: the same for an anonymous region</li>
 * <li>{@code truncate <file>}: truncates the file to 0 bytes, as a misbehaving C program would:
 *     {@code TRUNCATED}</li>
 * <li>{@code seed-put <region> <value>} / {@code seed-take <region>}: the lecture's ring, pausing
 *     after reading the index ({@code READ <index>}) until a line arrives on standard input:
 *     {@code PUT} / {@code TOOK <value>}</li>
 * <li>{@code close-race anonymous|named <rounds>}: each round, three threads copy in and out of a
 *     fresh region ({@code getBytes}, {@code setBytes}, a new array each time) while the main thread
 *     closes it; every copier must end with {@code IllegalStateException} or {@code ClosedException}:
 *     {@code RACED <rounds> <ended with IllegalStateException> <ended with ClosedException>}, exit
 *     status 0; {@code WRONG <exception>} and status 1 otherwise (a crash is a status of 134)</li>
 * </ul>
 */
public final class ShmChild {
    private ShmChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        switch (args[0]) {
            case "hello" -> System.out.println("HELLO uid=" + Libc.geteuid());
            case "open" -> open(args[1], args[2].equals("ro") ? Access.READ_ONLY : Access.READ_WRITE);
            case "write" -> {
                try (SharedRegion region = SharedRegion.open(args[1])) {
                    region.setLongVolatile(Long.parseLong(args[2]), Long.parseLong(args[3]));
                }
                System.out.println("WROTE");
            }
            case "await" -> {
                try (SharedRegion region = SharedRegion.open(args[1], Access.READ_ONLY)) {
                    long offset = Long.parseLong(args[2]);
                    long value = Long.parseLong(args[3]);
                    while (region.getLongVolatile(offset) != value) {
                        Thread.onSpinWait();
                    }
                }
                System.out.println("SAW");
            }
            case "add" -> {
                try (SharedRegion region = SharedRegion.open(args[1])) {
                    long offset = Long.parseLong(args[2]);
                    for (long i = Long.parseLong(args[3]); i > 0; i--) {
                        region.getAndAddLong(offset, 1);
                    }
                }
                System.out.println("ADDED");
            }
            case "anonymous" -> anonymous(args[1], Long.parseLong(args[2]));
            case "retrying" -> retrying(Duration.ofNanos(1000 * Long.parseLong(args[1])));
            case "produce" -> produce(args[1], Long.parseLong(args[2]), Long.parseLong(args[3]));
            case "consume" -> consume(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
            case "create" -> {
                try (SharedRegion region = SharedRegion.create(args[1], Long.parseLong(args[2]))) {
                    System.out.println("CREATED " + region.size());
                } catch (RuntimeException e) {
                    System.out.println("FAILED " + e);
                }
            }
            case "open-touch" -> openTouch(args[1], args[2].equals("ro") ? Access.READ_ONLY : Access.READ_WRITE);
            case "create-anonymous" -> {
                try (AnonymousRegion region = AnonymousRegion.create(Long.parseLong(args[1]))) {
                    System.out.println("CREATED " + region.size());
                } catch (RuntimeException e) {
                    System.out.println("FAILED " + e);
                }
            }
            case "truncate" -> {
                try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(Path.of(args[1]),
                        java.nio.file.StandardOpenOption.WRITE)) {
                    file.truncate(0);
                }
                System.out.println("TRUNCATED");
            }
            case "take" -> {
                try (CircularBuffer buffer = CircularBuffer.open(args[1])) {
                    System.out.println("TAKING");
                    System.out.flush();
                    byte[] item = buffer.take();
                    System.out.println("TOOK " + MemorySegment.ofArray(item).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                }
            }
            case "seed-put" -> {
                try (SharedRegion region = SharedRegion.open(args[1])) {
                    new SeedRing(region).put(Long.parseLong(args[2]), ShmChild::pause);
                }
                System.out.println("PUT");
            }
            case "seed-take" -> {
                try (SharedRegion region = SharedRegion.open(args[1])) {
                    System.out.println("TOOK " + new SeedRing(region).take(ShmChild::pause));
                }
            }
            case "close-race" -> closeRace(args[1].equals("named"), Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }

    private static void closeRace(boolean named, int rounds) throws InterruptedException {
        int illegalState = 0;
        int closed = 0;
        for (int round = 0; round < rounds; round++) {
            Region region;
            if (named) {
                region = SharedRegion.create("close-race", 1 << 16);
                SharedRegion.unlink("close-race");
            } else {
                region = AnonymousRegion.create(1 << 16);
            }
            java.util.concurrent.atomic.AtomicReference<Throwable> wrong = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> ends = new java.util.concurrent.ConcurrentLinkedQueue<>();
            Thread[] copiers = new Thread[3];
            for (int k = 0; k < copiers.length; k++) {
                copiers[k] = Thread.ofPlatform().start(() -> {
                    try {
                        for (long i = 0; ; i++) {
                            byte[] page = new byte[4096];
                            region.getBytes((i % 15) * 4096, page);
                            region.setBytes(0, page);
                        }
                    } catch (IllegalStateException | io.jipc.ClosedException expected) {
                        ends.add(expected);
                    } catch (Throwable t) {
                        wrong.compareAndSet(null, t);
                    }
                });
            }
            Thread.sleep(round % 6); // close at different points: copiers starting, copying
            region.close();
            for (Thread copier : copiers) {
                copier.join();
            }
            if (wrong.get() != null) {
                System.out.println("WRONG " + wrong.get());
                System.out.flush();
                System.exit(1);
            }
            for (Throwable end : ends) {
                if (end instanceof io.jipc.ClosedException) {
                    closed++;
                } else {
                    illegalState++;
                }
            }
        }
        System.out.println("RACED " + rounds + " " + illegalState + " " + closed);
    }

    private static final BufferedReader STDIN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    /** Announces the index just read and waits for the test to let this process go on. */
    private static void pause(int index) {
        System.out.println("READ " + index);
        System.out.flush();
        try {
            STDIN.readLine();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void open(String name, Access access) {
        try (SharedRegion region = SharedRegion.open(name, access)) {
            System.out.println("OPENED " + region.size());
        } catch (RuntimeException e) {
            System.out.println("FAILED " + e.getClass().getSimpleName() + " "
                    + (e instanceof ErrnoException errno ? errno.errnoName() : "-"));
        }
    }

    private static void openTouch(String name, Access access) {
        try (SharedRegion region = SharedRegion.open(name, access)) {
            long last = region.size() - Long.BYTES;
            if (access == Access.READ_WRITE) {
                region.compareAndSetLong(last, 0, 1); // interpreted in a fresh JVM: a fault aborts it
            } else {
                region.getLongVolatile(last);
            }
            System.out.println("TOUCHED " + region.size());
        } catch (RuntimeException e) {
            System.out.println("FAILED " + e.getClass().getSimpleName() + " "
                    + (e instanceof ErrnoException errno ? errno.errnoName() : "-") + " " + e.getMessage());
        }
    }

    private static void anonymous(String address, long offset) throws InterruptedException {
        System.out.println("CONNECTING"); // receive() connects at once: the parent may go on
        System.out.flush();
        try (AnonymousRegion region = AnonymousRegion.receive(address, Duration.ofSeconds(30))) {
            long value = region.getAndAddLong(offset, 1) + 1;
            System.out.println("RECEIVED " + region.size() + " " + value);
        } catch (RuntimeException e) {
            System.out.println("FAILED " + e.getClass().getSimpleName() + " "
                    + (e instanceof ErrnoException errno ? errno.errnoName() : "-") + " " + e.getMessage());
        }
    }

    private static void retrying(Duration each) throws Exception {
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String address; (address = in.readLine()) != null; ) {
            String outcome = "LOST";
            long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() - giveUp < 0) {
                try (AnonymousRegion region = AnonymousRegion.receive(address, each)) {
                    outcome = "RECEIVED " + region.getLong(0);
                    break;
                } catch (io.jipc.JipcException timedOut) {
                    // again, as a child that polls for its region does
                }
            }
            System.out.println(outcome);
            System.out.flush();
        }
    }

    private static void produce(String name, long producer, long count) throws InterruptedException {
        try (CircularBuffer buffer = CircularBuffer.open(name)) {
            MemorySegment item = MemorySegment.ofArray(new byte[16]);
            for (long i = 0; i < count; i++) {
                item.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, producer);
                item.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, i);
                buffer.put(item);
            }
        }
        System.out.println("PRODUCED");
    }

    private static void consume(String name, int producers, int count, Path file) throws Exception {
        BitSet seen = new BitSet(producers * count);
        long items = 0;
        long duplicates = 0;
        try (CircularBuffer buffer = CircularBuffer.open(name)) {
            MemorySegment item = MemorySegment.ofArray(new byte[16]);
            while (true) {
                buffer.take(item);
                long producer = item.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                long sequence = item.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
                if (producer == -1) {
                    break;
                }
                int bit = (int) (producer * count + sequence);
                if (seen.get(bit)) {
                    duplicates++;
                }
                seen.set(bit);
                items++;
            }
        }
        Files.write(file, seen.toByteArray());
        System.out.println("CONSUMED " + items + " " + duplicates);
    }
}
