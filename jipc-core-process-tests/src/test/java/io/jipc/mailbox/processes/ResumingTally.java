package io.jipc.mailbox.processes;

import io.jipc.mailbox.MessageHandler;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link Tally} that a receiver process continues where a killed one stopped: the next sequence
 * expected of each sender lives in a shared state file, updated as each message is handled.
 *
 * <p>A receiver killed while its handler works through a batch has moved the state past messages
 * whose batch was never freed, so they come again to the next receiver: this receiver accepts, for
 * each sender, a first message at or before the expected one (a redelivery; at most
 * {@link #MAX_REDELIVERED} in all), and from then on only the next in order. A sequence beyond the
 * expected one is a lost message, anything else out of order a duplicate or a reordering: both
 * throw {@link AssertionError}. Every byte is verified ({@link Messages#verify}).
 *
 * <p>State file: {@value #SENDERS} longs (next sequence of sender {@code 8 * producer + thread},
 * producers and threads 0..7), then the count of redelivered messages.
 */
final class ResumingTally implements MessageHandler {
    /** An unbounded mailbox hands a drain at most 256 messages: the most a killed receiver leaves half done. */
    static final int MAX_REDELIVERED = 256;
    static final int SENDERS = 64;
    static final long FILE_LENGTH = 8L * (SENDERS + 1);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment state;
    private final int maxBody;
    /** Per sender slot: the next sequence this receiver expects, once it has seen one of that sender. */
    private final Map<Integer, Long> cursor = new HashMap<>();
    private long redelivered;

    ResumingTally(MemorySegment state, int maxBody) {
        this.state = state;
        this.maxBody = maxBody;
    }

    /** Maps (creating if needed) a state file in this process. */
    static MemorySegment map(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
             FileChannel channel = raf.getChannel()) {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_LENGTH, Arena.global());
        }
    }

    @Override
    public void onMessage(MemorySegment message) {
        Messages.verify(message, maxBody);
        int producer = Messages.producer(message);
        int thread = Messages.thread(message);
        if (producer < 0 || producer > 7 || thread < 0 || thread > 7) {
            throw new AssertionError("sender " + producer + "/" + thread + " out of range");
        }
        int slot = 8 * producer + thread;
        long sequence = Messages.sequence(message);
        long expected = next(state, slot);
        Long mine = cursor.get(slot);
        if (mine == null) {
            if (sequence > expected) {
                throw new AssertionError("sender " + producer + "/" + thread + ": first message " + sequence
                        + " after a receiver change, expected " + expected + " at the latest (messages lost)");
            }
        } else if (sequence != mine) {
            throw new AssertionError("sender " + producer + "/" + thread + ": got message " + sequence + ", expected "
                    + mine + (sequence < mine ? " (duplicate or reordered)" : " (messages lost)"));
        }
        cursor.put(slot, sequence + 1);
        if (sequence < expected) {
            if (++redelivered > MAX_REDELIVERED) {
                throw new AssertionError(redelivered + " messages delivered again after a receiver change");
            }
            LONG.getAndAdd(state, 8L * SENDERS, 1L);
        } else {
            LONG.setRelease(state, 8L * slot, sequence + 1);
        }
    }

    /** How many messages of sender {@code producer/thread} were received (the next sequence expected). */
    static long next(MemorySegment state, int producer, int thread) {
        return next(state, 8 * producer + thread);
    }

    private static long next(MemorySegment state, int slot) {
        return (long) LONG.getAcquire(state, 8L * slot);
    }

    /** Messages delivered a second time, by every receiver of this state file. */
    static long redelivered(MemorySegment state) {
        return (long) LONG.getAcquire(state, 8L * SENDERS);
    }
}
