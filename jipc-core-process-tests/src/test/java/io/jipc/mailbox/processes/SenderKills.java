package io.jipc.mailbox.processes;

import io.jipc.testkit.ChildJvm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The sender side of the crash tests, shared by the mailbox and the unbounded mailbox: rounds of
 * sender processes killed with SIGKILL at a fault stop or at a random moment, then one healthy
 * sender whose messages must all arrive. The receiver is the test's own thread.
 *
 * <p>Each sender records in a progress file (8 bytes, native order) the sequence of its last
 * finished send, -1 before the first; every second sender (even ids) runs with the rings' fault
 * points enabled.
 */
final class SenderKills {
    /** The sender process with id {@code id} (from 1), recording its progress in {@code progress}. */
    @FunctionalInterface
    interface Sender {
        ChildJvm.Builder builder(int id, Path progress);
    }

    private final Path progressDir;
    private final Duration patience;

    SenderKills(Path progressDir, Duration patience) {
        this.progressDir = progressDir;
        this.patience = patience;
    }

    /**
     * Starts senders {@code concurrency} at a time until {@code kills} were killed (or the receiver
     * failed), each killed when it reports a fault stop ({@code FAULT} in its output), after 3 s if
     * it has fault points, or else after a random 5 ms to {@code maxDelayMillis}. All of a round
     * are watched at once: one stopped inside a claim soon blocks the others behind it.
     *
     * @param faults       the {@code jipc.faults} setting of the senders with fault points
     * @param mustLive     whether a sender that ended by itself fails the test
     */
    List<KilledSender> kill(int kills, int concurrency, long maxDelayMillis, String faults, boolean mustLive,
                            Sender sender, AtomicReference<Throwable> receiverFailure)
            throws IOException, InterruptedException {
        List<KilledSender> victims = new ArrayList<>();
        int nextId = 1;
        while (victims.size() < kills && receiverFailure.get() == null) {
            Map<Integer, ChildJvm> round = new LinkedHashMap<>();
            for (int i = 0; i < concurrency && victims.size() + round.size() < kills; i++) {
                int id = nextId++;
                Path progress = progress(id);
                writeProgress(progress, -1);
                ChildJvm.Builder builder = sender.builder(id, progress);
                if (hasFaults(id)) {
                    builder.property("jipc.faults", faults);
                }
                round.put(id, builder.start());
            }
            Map<Integer, Long> killAt = new LinkedHashMap<>();
            for (Map.Entry<Integer, ChildJvm> entry : round.entrySet()) {
                entry.getValue().awaitLine("READY", patience);
                long delay = hasFaults(entry.getKey())
                        ? TimeUnit.SECONDS.toNanos(3)
                        : TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextLong(5, maxDelayMillis));
                killAt.put(entry.getKey(), System.nanoTime() + delay);
            }
            while (!killAt.isEmpty()) {
                for (var it = killAt.entrySet().iterator(); it.hasNext(); ) {
                    var entry = it.next();
                    ChildJvm child = round.get(entry.getKey());
                    boolean faulted = child.output().contains("FAULT ");
                    if (faulted || System.nanoTime() - entry.getValue() >= 0 || !child.isAlive()) {
                        boolean died = !child.isAlive();
                        child.kill();
                        if (mustLive) {
                            assertFalse(died, "sender " + entry.getKey() + " died by itself:\n" + child.output());
                        }
                        victims.add(new KilledSender(entry.getKey(), faulted, readProgress(progress(entry.getKey()))));
                        it.remove();
                    }
                }
                Thread.sleep(1);
            }
            round.values().forEach(ChildJvm::kill);
        }
        return victims;
    }

    /**
     * Runs a last, healthy sender of 1000 messages (its id 0) and waits until the receiver has
     * them: everything before them was then delivered or skipped, and the mailbox is not wedged.
     * Then stops the receiver thread and fails if it failed.
     */
    void finishWithHealthySender(ChildJvm.Builder last, Tally tally, AtomicBoolean stop, Thread receiver,
                                 AtomicReference<Throwable> receiverFailure) throws InterruptedException {
        ChildJvm sender = last.start();
        long deadline = System.nanoTime() + patience.toNanos();
        // a receiver that failed stops draining, so the sender would block: report its failure instead
        while (sender.isAlive() && receiverFailure.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (receiverFailure.get() != null) {
            sender.kill();
            stop.set(true);
            receiver.join();
            throw new AssertionError("the receiver failed while the last sender ran", receiverFailure.get());
        }
        if (sender.isAlive()) {
            String state = "the receiver had " + tally.received(0, 0) + " of its messages, " + tally.total()
                    + " in all, and was " + (receiver.isAlive() ? "still receiving" : "gone");
            sender.kill();
            stop.set(true);
            receiver.join();
            throw new AssertionError("the mailbox is wedged: the last sender did not finish within " + patience
                    + " (" + state + "); its output:\n" + sender.output());
        }
        sender.assertSuccess(patience);
        deadline = System.nanoTime() + patience.toNanos();
        while (tally.received(0, 0) < 1000 && receiverFailure.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        stop.set(true);
        receiver.join();
        if (receiverFailure.get() != null) {
            throw new AssertionError("the receiver failed", receiverFailure.get());
        }
        assertEquals(1000, tally.received(0, 0), "the mailbox is wedged: the last sender's messages did not arrive");
    }

    private static boolean hasFaults(int id) {
        return id % 2 == 0;
    }

    private Path progress(int id) {
        return progressDir.resolve(Integer.toString(id));
    }

    /**
     * The progress file as the sending processes see it: one 8-byte slot per sending thread, which
     * the thread stores its last finished sequence in (release).
     */
    static MemorySegment mapProgress(Path file, int threads) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
             FileChannel channel = raf.getChannel()) {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, 8L * threads, Arena.global());
        }
    }

    private static void writeProgress(Path file, long value) throws IOException {
        Files.write(file, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value).array());
    }

    private static long readProgress(Path file) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder()).getLong(0);
    }
}
