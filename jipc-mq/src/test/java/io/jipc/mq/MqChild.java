package io.jipc.mq;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.testkit.ChildMain;

import java.nio.charset.StandardCharsets;

/**
 * A child JVM's main for the queue tests. Commands, separated by {@code ";"}:
 * <ul>
 * <li>{@code send NAME P:TEXT...}: opens the queue to send and puts each text with priority P; prints SENT n</li>
 * <li>{@code recv NAME N}: opens the queue and takes N messages; prints RECEIVED P TEXT for each</li>
 * <li>{@code create NAME MAX SIZE}: creates and closes (does not unlink) a queue; prints CREATED</li>
 * <li>{@code default NAME}: creates a queue with {@link MqAttributes#kernelDefaults()}, prints
 *     DEFAULT max=.. size=.. as the created queue reports them, and unlinks it</li>
 * <li>{@code openorcreate NAME MAX SIZE}: opens the queue, creating it if missing, and closes it; prints OPENED</li>
 * <li>{@code unlink NAME}: unlinks the queue; prints UNLINKED true|false</li>
 * <li>{@code exists NAME}: prints EXISTS true|false ({@link PosixMessageQueue#exists})</li>
 * <li>{@code limits}: prints LIMITS msg_max=.. msgsize_max=.. queues_max=.. privileged=.. ({@link MqLimits#current})</li>
 * <li>{@code emfile WARM NAME}: creates and unlinks WARM and is refused one over the hard ceiling (so that every
 *     class the failing path uses is loaded), takes every free descriptor, then creates NAME (1 x 16);
 *     prints OUT-OF-DESCRIPTORS n, then CREATED, or REFUSED with the exception, its errno if it has one,
 *     and each suppressed exception (SUPPRESSED class message); then frees the descriptors</li>
 * <li>{@code large NAME SIZE THREADS COUNT}: creates a queue of 4 messages of SIZE bytes, then THREADS
 *     threads each put COUNT messages of sizes up to SIZE filled from their sender and number, while
 *     THREADS threads take them all on one handle and check each; prints LARGE received=.. corrupt=..;
 *     unlinks the queue</li>
 * <li>{@code hello}: prints HELLO uid=...</li>
 * </ul>
 * A failure prints {@code FAILED <exception class> <message>} and continues with the next command.
 */
public final class MqChild {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        int start = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals(";")) {
                String[] command = java.util.Arrays.copyOfRange(args, start, i);
                start = i + 1;
                try {
                    run(command);
                } catch (Exception e) {
                    System.out.println("FAILED " + e.getClass().getName() + " " + e.getMessage());
                }
            }
        }
        System.out.flush();
    }

    /** The {@code large} command: messages longer than the per-thread buffer, many threads on one handle. */
    private static void largeMessages(String name, int size, int threads, int count) throws Exception {
        try (PosixMessageQueue queue = PosixMessageQueue.create(name, MqAttributes.of(4, size))) {
            PosixMessageQueue.unlink(name);
            java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger corrupt = new java.util.concurrent.atomic.AtomicInteger();
            java.util.List<Thread> all = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int sender = t;
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < count; i++) {
                            int length = size - (i * 7919 + sender * 104729) % (size / 2);
                            byte[] message = new byte[length];
                            java.nio.ByteBuffer.wrap(message).putInt(sender).putInt(i);
                            for (int k = 8; k < length; k++) {
                                message[k] = (byte) (sender * 31 + i + k);
                            }
                            queue.put(message);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < count; i++) {
                            byte[] message = queue.take().payload();
                            java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(message);
                            int from = header.getInt();
                            int number = header.getInt();
                            boolean intact = message.length == size - (number * 7919 + from * 104729) % (size / 2);
                            for (int k = 8; intact && k < message.length; k++) {
                                intact = message[k] == (byte) (from * 31 + number + k);
                            }
                            received.incrementAndGet();
                            if (!intact) {
                                corrupt.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread thread : all) {
                thread.join();
            }
            System.out.println("LARGE received=" + received + " corrupt=" + corrupt);
        }
    }

    private static void run(String[] c) throws Exception {
        switch (c[0]) {
            case "hello" -> System.out.println("HELLO uid=" + io.jipc.platform.Libc.geteuid());
            case "send" -> {
                try (PosixMessageQueue queue = PosixMessageQueue.open(c[1], MqAccess.SEND)) {
                    for (int i = 2; i < c.length; i++) {
                        int colon = c[i].indexOf(':');
                        queue.put(c[i].substring(colon + 1).getBytes(StandardCharsets.UTF_8),
                                Integer.parseInt(c[i].substring(0, colon)));
                    }
                    System.out.println("SENT " + (c.length - 2));
                }
            }
            case "recv" -> {
                try (PosixMessageQueue queue = PosixMessageQueue.open(c[1], MqAccess.RECEIVE)) {
                    System.out.println("RECEIVING");
                    for (int i = 0; i < Integer.parseInt(c[2]); i++) {
                        MqMessage m = queue.take();
                        System.out.println("RECEIVED " + m.priority() + " " + new String(m.payload(), StandardCharsets.UTF_8));
                    }
                }
            }
            case "create" -> {
                try (PosixMessageQueue ignored = PosixMessageQueue.create(c[1],
                        MqAttributes.of(Integer.parseInt(c[2]), Integer.parseInt(c[3])))) {
                    System.out.println("CREATED");
                }
            }
            case "default" -> {
                try (PosixMessageQueue queue = PosixMessageQueue.create(c[1], MqAttributes.kernelDefaults())) {
                    MqAttributes a = queue.attributes();
                    System.out.println("DEFAULT max=" + a.maxMessages() + " size=" + a.maxMessageSize());
                } finally {
                    PosixMessageQueue.unlink(c[1]);
                }
            }
            case "openorcreate" -> {
                try (PosixMessageQueue ignored = PosixMessageQueue.openOrCreate(c[1],
                        MqAttributes.of(Integer.parseInt(c[2]), Integer.parseInt(c[3])))) {
                    System.out.println("OPENED");
                }
            }
            case "unlink" -> System.out.println("UNLINKED " + PosixMessageQueue.unlink(c[1]));
            case "exists" -> System.out.println("EXISTS " + PosixMessageQueue.exists(c[1]));
            case "limits" -> {
                MqLimits l = MqLimits.current();
                System.out.println("LIMITS msg_max=" + l.maxMessages() + " msgsize_max=" + l.maxMessageSize()
                        + " queues_max=" + l.maxQueues() + " privileged=" + l.privileged());
            }
            case "emfile" -> outOfDescriptors(c[1], c[2]);
            case "large" -> largeMessages(c[1], Integer.parseInt(c[2]), Integer.parseInt(c[3]), Integer.parseInt(c[4]));
            default -> throw new IllegalArgumentException("unknown command " + c[0]);
        }
    }

    private static void outOfDescriptors(String warm, String name) {
        PosixMessageQueue.create(warm, MqAttributes.of(1, 16)).close();
        PosixMessageQueue.unlink(warm);
        try {
            PosixMessageQueue.create(warm, MqAttributes.of(MqLimits.HARD_MAX_MESSAGES + 1, 16)).close();
        } catch (MqLimitException expected) {
            // the limits were read and explained: their classes are loaded
        }
        java.util.List<Integer> taken = new java.util.ArrayList<>();
        StringBuilder report = new StringBuilder();
        try {
            while (true) {
                taken.add(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
            }
        } catch (ErrnoException full) {
            report.append("OUT-OF-DESCRIPTORS ").append(taken.size()).append(' ').append(Errno.name(full.errno()));
        }
        try (PosixMessageQueue ignored = PosixMessageQueue.create(name, MqAttributes.of(1, 16))) {
            report.append("\nCREATED");
        } catch (RuntimeException e) {
            report.append("\nREFUSED ").append(e.getClass().getName()).append(' ').append(e.getMessage());
            if (e instanceof ErrnoException errno) {
                report.append(" errno=").append(Errno.name(errno.errno()));
            }
            for (Throwable s : e.getSuppressed()) {
                report.append("\nSUPPRESSED ").append(s.getClass().getName()).append(' ').append(s.getMessage());
            }
        } finally {
            taken.forEach(Libc::close);
        }
        System.out.println(report);
    }
}
