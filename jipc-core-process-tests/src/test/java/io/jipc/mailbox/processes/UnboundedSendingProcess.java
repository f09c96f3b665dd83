package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxCeilingException;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A sender process of {@link Messages} to an {@link UnboundedMailbox}.
 *
 * <p>Arguments: {@code mailbox producerId threads count maxBody paceMicros [progressFile]}.
 * Each thread sends messages 0, 1, 2, ... ({@code count} of them, or with {@code -1} until a line
 * arrives on standard input), alternating {@code offer(byte[])} and {@code put(MemorySegment)}.
 * With {@code paceMicros > 0} a thread pauses that long after every 16 messages. A send refused
 * at the ceiling is retried after a millisecond (counted). With a progress file, each thread
 * stores the sequence of its last sent message at {@code 8 * thread} (release), so that a test
 * that kills this process knows what was sent.
 *
 * <p>Prints {@code READY} once the mailbox is open, and at the end
 * {@code SENT <t0 count> <t1 count> ... MAXSEGMENTS <n> CEILING <refusals>}, where
 * {@code MAXSEGMENTS} is the longest chain it saw after a send.
 */
public final class UnboundedSendingProcess {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private UnboundedSendingProcess() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        String name = args[0];
        int producer = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        long count = Long.parseLong(args[3]);
        int maxBody = Integer.parseInt(args[4]);
        long paceNanos = Long.parseLong(args[5]) * 1000;
        MemorySegment progress = args.length > 6 ? SenderKills.mapProgress(Path.of(args[6]), threads) : null;
        long[] sent = new long[threads];
        AtomicInteger maxSegments = new AtomicInteger(1);
        long[] refusals = new long[threads];
        AtomicBoolean stopped = new AtomicBoolean();
        try (UnboundedMailbox mailbox = UnboundedMailbox.open(name)) {
            if (count < 0) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        new BufferedReader(new InputStreamReader(System.in)).readLine();
                    } catch (IOException ignored) {
                        // stop all the same
                    }
                    stopped.set(true);
                });
            }
            System.out.println("READY");
            System.out.flush();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    MemorySegment buffer = Arena.ofAuto().allocate(Messages.HEADER + maxBody, 8);
                    long seq = 0;
                    for (; count < 0 ? !stopped.get() : seq < count; seq++) {
                        int length = Messages.length(producer, thread, seq, maxBody);
                        MemorySegment message = buffer.asSlice(0, length);
                        Messages.write(message, producer, thread, seq, length);
                        while (!send(mailbox, message, seq)) {
                            refusals[thread]++;
                            LockSupport.parkNanos(1_000_000);
                        }
                        if (progress != null) {
                            LONG.setRelease(progress, 8L * thread, seq);
                        }
                        maxSegments.accumulateAndGet(mailbox.segmentCount(), Math::max);
                        if (paceNanos > 0 && (seq & 15) == 15) {
                            LockSupport.parkNanos(paceNanos);
                        }
                    }
                    sent[thread] = seq;
                }));
            }
            for (Thread worker : workers) {
                worker.join();
            }
        }
        StringBuilder line = new StringBuilder("SENT");
        long refused = 0;
        for (int t = 0; t < threads; t++) {
            line.append(' ').append(sent[t]);
            refused += refusals[t];
        }
        System.out.println(line + " MAXSEGMENTS " + maxSegments.get() + " CEILING " + refused);
        System.out.flush();
    }

    /** Sends by {@code put} or {@code offer} (alternating); false if the ceiling refused it. */
    private static boolean send(UnboundedMailbox mailbox, MemorySegment message, long seq) {
        if ((seq & 1) == 1) {
            return mailbox.offer(message.toArray(ValueLayout.JAVA_BYTE));
        }
        try {
            mailbox.put(message);
            return true;
        } catch (MailboxCeilingException atTheCeiling) {
            return false;
        }
    }

    /** Parses the per-thread counts of a {@code SENT} line. */
    static long[] sentCounts(String line) {
        String[] words = line.split(" ");
        List<Long> counts = new ArrayList<>();
        for (int i = 1; i < words.length && !words[i].equals("MAXSEGMENTS"); i++) {
            counts.add(Long.parseLong(words[i]));
        }
        return counts.stream().mapToLong(Long::longValue).toArray();
    }

    /** The {@code MAXSEGMENTS} figure of a {@code SENT} line. */
    static int maxSegments(String line) {
        String[] words = line.split(" ");
        for (int i = 0; i < words.length - 1; i++) {
            if (words[i].equals("MAXSEGMENTS")) {
                return Integer.parseInt(words[i + 1]);
            }
        }
        throw new IllegalArgumentException("no MAXSEGMENTS in " + line);
    }
}
