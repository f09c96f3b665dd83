package io.jipc.cli.bench;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MessageHandler;
import io.jipc.mailbox.RoleBinding;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.platform.Libc;
import io.jipc.shm.CircularBuffer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The second process of a benchmark: runs the phases named on its command line (or, without
 * arguments, on the lines of its standard input), in order, against objects the first process
 * created. Prints {@code READY <phase>} when it starts a phase, {@code PEER DONE} at the end.
 *
 * <ul>
 * <li>{@code echo:<in>:<out>}: receives messages from mailbox {@code in} and sends each, in place,
 *     to mailbox {@code out}, until it has echoed one whose first 8 bytes are -1.</li>
 * <li>{@code sink:<in>:<out>}: receives rounds of messages from {@code in} whose first 8 bytes
 *     count up from 0; at a message numbered {@link OneWayRegimen#END_OF_ROUND} it sends the count
 *     of the round to {@code out}; a message numbered {@link OneWayRegimen#END_OF_PHASE} ends the
 *     phase.</li>
 * <li>{@code count:<in>:<out>}: like {@code sink}, but counts the messages of a round without
 *     checking their order (priorities reorder them; several producers interleave).</li>
 * <li>{@code pipe:<p2c>:<c2p>:<size>}: opens FIFO {@code p2c} for reading and {@code c2p} for
 *     writing and echoes messages of {@code size} bytes until it has echoed one starting with -1.</li>
 * <li>{@code pairecho:<in>:<out>:<p2c>:<c2p>:<size>}: {@code echo} and {@code pipe} in one thread,
 *     for {@link PingPongRegimen#measurePaired}: echoes on the mailbox until it has echoed
 *     {@link PingPongRegimen#SWITCH} or {@link PingPongRegimen#STOP}, then on the pipe likewise,
 *     and so on, until both have stopped.</li>
 * <li>{@code idle:<in>}: blocks in {@code take()} on {@code in} until a message arrives.</li>
 * <li>{@code ringecho:<in>:<out>}, {@code ringsink:<in>:<out>}: as {@code echo} and {@code sink},
 *     over {@link CircularBuffer}s.</li>
 * <li>{@code uecho:<in>:<out>}, {@code usink:<in>:<out>}: as {@code echo} and {@code sink}, over
 *     {@link UnboundedMailbox}es ({@code out} of {@code usink} is a mailbox).</li>
 * </ul>
 */
public final class BenchPeer {
    private BenchPeer() {
    }

    /**
     * Runs the phases named by {@code args}; without arguments, those named by the lines of standard
     * input, one at a time, until an empty line or the end of input (the first process then
     * creates each phase's objects just before it names the phase, and removes them after).
     */
    public static void main(String[] args) throws Exception {
        ParentWatch.start(3); // the process that started it, even if it died while this JVM started
        if (args.length > 0) {
            for (String phase : args) {
                run(phase);
            }
        } else {
            BufferedReader control = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = control.readLine()) != null && !line.isBlank(); ) {
                run(line);
            }
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }

    private static void run(String phase) throws Exception {
        String[] f = phase.split(":");
        System.out.println("READY " + f[0]);
        System.out.flush();
        switch (f[0]) {
            case "echo" -> echo(f[1], f[2]);
            case "sink" -> sink(f[1], f[2], true);
            case "count" -> sink(f[1], f[2], false);
            case "pipe" -> pipe(f[1], f[2], Integer.parseInt(f[3]));
            case "pairecho" -> pairEcho(f[1], f[2], f[3], f[4], Integer.parseInt(f[5]));
            case "idle" -> idle(f[1]);
            case "ringecho" -> ringEcho(f[1], f[2]);
            case "ringsink" -> ringSink(f[1], f[2]);
            case "uecho" -> unboundedEcho(f[1], f[2]);
            case "usink" -> unboundedSink(f[1], f[2]);
            default -> throw new IllegalArgumentException("unknown phase " + phase);
        }
    }

    /** Hands the next message, in place, to a handler, waiting as long as needed. */
    private interface Take {
        void take(MessageHandler handler) throws InterruptedException;
    }

    /** Hands up to {@code limit} messages available now, in place, to a handler; returns how many. */
    private interface Drain {
        int drain(MessageHandler handler, int limit);
    }

    /** Sends without waiting: false if there is no room now. */
    private interface Offer {
        boolean offer(MemorySegment message);
    }

    private static void echo(String in, String out) throws InterruptedException {
        try (Mailbox ping = Mailbox.open(in); Mailbox pong = Mailbox.open(out);
             RoleBinding receiving = ping.bindReceiver(); RoleBinding sending = pong.bindSender()) {
            echo(ping::take, pong::offer);
        }
    }

    /** {@code echo} over unbounded mailboxes. */
    private static void unboundedEcho(String in, String out) throws InterruptedException {
        try (UnboundedMailbox ping = UnboundedMailbox.open(in); UnboundedMailbox pong = UnboundedMailbox.open(out)) {
            echo(ping::take, pong::offer);
        }
    }

    private static void echo(Take ping, Offer pong) throws InterruptedException {
        long[] last = {0};
        MessageHandler echo = echoingTo(pong, last);
        while (last[0] != -1) {
            ping.take(echo);
        }
    }

    /** A handler that sends each message on, in place, to {@code pong} and notes its first 8 bytes in {@code last[0]}. */
    private static MessageHandler echoingTo(Offer pong, long[] last) {
        return message -> {
            last[0] = message.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            while (!pong.offer(message)) {
                Thread.onSpinWait();
            }
        };
    }

    /** Reads one message of {@code size} bytes from FIFO descriptor {@code in} and writes it to {@code out}; returns its first 8 bytes. */
    private static long pipeEchoOnce(int in, int out, MemorySegment buffer, int size, String p2c, String c2p) {
        if (!PipeIo.readFully(in, buffer, size, p2c)) {
            throw new IllegalStateException("pipe: end of file on " + p2c + " before the last message");
        }
        PipeIo.writeFully(out, buffer, size, c2p);
        return buffer.get(ValueLayout.JAVA_LONG, 0);
    }

    private static void sink(String in, String out, boolean ordered) throws InterruptedException {
        try (Mailbox source = Mailbox.open(in); Mailbox done = Mailbox.open(out);
             RoleBinding receiving = source.bindReceiver()) {
            sink(source::drain, source::take, done, ordered);
        }
    }

    /** {@code sink} from an unbounded mailbox (the counts go back through the mailbox {@code out}). */
    private static void unboundedSink(String in, String out) throws InterruptedException {
        try (UnboundedMailbox source = UnboundedMailbox.open(in); Mailbox done = Mailbox.open(out)) {
            sink(source::drain, source::take, done, true);
        }
    }

    private static void sink(Drain drain, Take take, Mailbox done, boolean ordered) throws InterruptedException {
        long[] state = {0, 0}; // next sequence of the round; 1 at the end of the round, -1 at the end
        MessageHandler check = message -> {
            long seq = message.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            if (seq == OneWayRegimen.END_OF_ROUND || seq == OneWayRegimen.END_OF_PHASE) {
                state[1] = seq == OneWayRegimen.END_OF_ROUND ? 1 : -1;
            } else if (seq != state[0]++ && ordered) {
                throw new IllegalStateException("sink: message " + seq + " arrived, expected " + (state[0] - 1));
            }
        };
        byte[] reply = new byte[8];
        while (state[1] != -1) {
            if (drain.drain(check, 4096) == 0) {
                take.take(check);
            }
            if (state[1] == 1) {
                MemorySegment.ofArray(reply).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, state[0]);
                done.put(reply);
                state[0] = 0;
                state[1] = 0;
            }
        }
    }

    private static void pipe(String p2c, String c2p, int size) {
        int in = Libc.open(p2c, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        int out = Libc.open(c2p, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(size, 64);
            while (pipeEchoOnce(in, out, buffer, size, p2c, c2p) != -1) {
                // echoed
            }
        } finally {
            Libc.close(in);
            Libc.close(out);
        }
    }

    /** Echoes on a mailbox and on a pair of FIFOs in turn, as {@link PingPongRegimen#measurePaired} sends. */
    private static void pairEcho(String in, String out, String p2c, String c2p, int size) throws InterruptedException {
        int pipeIn = Libc.open(p2c, Libc.O_RDONLY | Libc.O_CLOEXEC, 0); // the parent opens in the same order
        int pipeOut = -1;
        try (Arena arena = Arena.ofConfined()) {
            pipeOut = Libc.open(c2p, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
            MemorySegment buffer = arena.allocate(size, 64);
            int pipeEnd = pipeOut;
            try (Mailbox ping = Mailbox.open(in); Mailbox pong = Mailbox.open(out);
                 RoleBinding receiving = ping.bindReceiver(); RoleBinding sending = pong.bindSender()) {
                long[] last = {0};
                MessageHandler echo = echoingTo(pong::offer, last);
                boolean[] stopped = new boolean[2]; // {mailbox, pipe}
                int side = 0;
                while (!stopped[0] || !stopped[1]) {
                    long seq;
                    if (side == 0) {
                        ping.take(echo);
                        seq = last[0];
                    } else {
                        seq = pipeEchoOnce(pipeIn, pipeEnd, buffer, size, p2c, c2p);
                    }
                    if (seq == PingPongRegimen.STOP) {
                        stopped[side] = true;
                        side = 1 - side;
                    } else if (seq == PingPongRegimen.SWITCH) {
                        side = 1 - side;
                    }
                }
            }
        } finally {
            Libc.close(pipeIn);
            if (pipeOut >= 0) {
                Libc.close(pipeOut);
            }
        }
    }

    private static void idle(String in) throws InterruptedException {
        try (Mailbox mailbox = Mailbox.open(in)) {
            mailbox.take();
        }
    }

    private static void ringEcho(String in, String out) throws InterruptedException {
        try (CircularBuffer ping = CircularBuffer.open(in); CircularBuffer pong = CircularBuffer.open(out)) {
            MemorySegment item = Arena.ofAuto().allocate(ping.itemSize(), 8);
            do {
                ping.take(item);
                pong.put(item);
            } while (item.get(ValueLayout.JAVA_LONG, 0) != -1);
        }
    }

    private static void ringSink(String in, String out) throws InterruptedException {
        try (CircularBuffer source = CircularBuffer.open(in); CircularBuffer done = CircularBuffer.open(out)) {
            MemorySegment item = Arena.ofAuto().allocate(source.itemSize(), 8);
            MemorySegment reply = Arena.ofAuto().allocate(8, 8);
            long next = 0;
            while (true) {
                source.take(item);
                long seq = item.get(ValueLayout.JAVA_LONG, 0);
                if (seq == OneWayRegimen.END_OF_PHASE) {
                    return;
                }
                if (seq == OneWayRegimen.END_OF_ROUND) {
                    reply.set(ValueLayout.JAVA_LONG, 0, next);
                    done.put(reply);
                    next = 0;
                } else if (seq != next++) {
                    throw new IllegalStateException("ring sink: item " + seq + " arrived, expected " + (next - 1));
                }
            }
        }
    }
}
