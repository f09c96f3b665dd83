package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxClaim;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A sender process for the multi-process tests.
 *
 * <p>Arguments: {@code mailbox producerId threads count maxBody mode [progressFile]} where
 * {@code count} is messages per thread (-1: until killed), {@code mode} is {@code offer},
 * {@code put} or {@code claim} (zero-copy), or {@code mixed} (alternating claim and put). With a
 * progress file, each thread stores the sequence of its last committed message at
 * {@code 8 * thread} (release), so that a test that kills this process knows what was committed.
 * Prints {@code READY} once the mailbox is open, {@code BLOCKED <n>} (times a send found the
 * mailbox full) and {@code SENT} at the end.
 */
public final class SendingProcess {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private SendingProcess() {
    }

    /**
     * Leaves a dead sender's claim in mailbox {@code mailbox}: starts this process as producer 1,
     * sending one message of {@code maxBody} bytes with a plain {@code offer} (level 0), stops it
     * at the fault point {@code before-commit} and kills it there.
     */
    static void killedBeforeCommit(String mailbox, int maxBody, Duration line) throws IOException {
        try (ChildJvm sender = ChildJvm.builder(SendingProcess.class).quickStart().sharedClassArchive()
                .property("jipc.faults", "before-commit:1")
                .args(mailbox, "1", "1", "-1", Integer.toString(maxBody), "offer").start()) {
            sender.awaitLine("FAULT before-commit", line);
            sender.kill();
        }
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        String name = args[0];
        int producer = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        long count = Long.parseLong(args[3]);
        int maxBody = Integer.parseInt(args[4]);
        String mode = args[5];
        MemorySegment progress = args.length > 6 ? SenderKills.mapProgress(Path.of(args[6]), threads) : null;
        long[] blocked = new long[threads];
        try (Mailbox mailbox = Mailbox.open(name)) {
            System.out.println("READY");
            System.out.flush();
            List<Thread> workers = new ArrayList<>();
            MemorySegment progressFile = progress;
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        blocked[thread] = send(mailbox, producer, thread, count, maxBody, mode, progressFile);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            for (Thread worker : workers) {
                worker.join();
            }
        }
        long total = 0;
        for (long b : blocked) {
            total += b;
        }
        System.out.println("BLOCKED " + total);
        System.out.println("SENT");
        System.out.flush();
    }

    private static long send(Mailbox mailbox, int producer, int thread, long count, int maxBody, String mode,
                             MemorySegment progress) throws InterruptedException {
        MemorySegment buffer = Arena.ofAuto().allocate(Messages.HEADER + maxBody, 8);
        long blocked = 0;
        for (long seq = 0; count < 0 || seq < count; seq++) {
            int length = Messages.length(producer, thread, seq, maxBody);
            boolean claim = mode.equals("claim") || (mode.equals("mixed") && (seq & 1) == 0);
            if (claim) {
                MailboxClaim c = mailbox.tryClaim(length);
                if (c == null) {
                    blocked++;
                    c = mailbox.claim(length);
                }
                Messages.write(c.segment(), producer, thread, seq, length);
                c.commit();
            } else {
                MemorySegment message = buffer.asSlice(0, length);
                Messages.write(message, producer, thread, seq, length);
                if (!mailbox.offer(message)) {
                    blocked++;
                    if (mode.equals("offer")) {
                        while (!mailbox.offer(message)) {
                            Thread.onSpinWait();
                        }
                    } else {
                        mailbox.put(message);
                    }
                }
            }
            if (progress != null) {
                LONG.setRelease(progress, 8L * thread, seq);
            }
        }
        return blocked;
    }
}
