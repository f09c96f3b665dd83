package io.jipc.signals;

import io.jipc.testkit.ChildMain;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started with {@code SIGUSR1}, {@code SIGALRM} and {@code SIGWINCH} blocked: prints
 * {@code BLOCKED SIGUSR1=<bool> SIGALRM=<bool>} (its main thread's mask), opens a {@code SIGUSR1}
 * doorbell and a {@code SIGALRM} listener, prints {@code OPENED}, then {@code RANG SIGUSR1 <deliveries>}
 * and {@code RANG SIGALRM <bool>} (each waits at most a minute for the parent's signal), and closes
 * both. Then, in rounds, it makes {@code SIGWINCH} pending and opens a doorbell of it, which must ring
 * (the delivery comes as the receiver thread unblocks it), and prints {@code PENDING RANG <n> OF
 * <rounds>}. Last it sends {@code SIGUSR1} and {@code SIGALRM} to itself and prints
 * {@code PENDING SIGUSR1=<bool> SIGALRM=<bool>} (blocked again, they stay pending instead of killing
 * the JVM), then {@code DONE}.
 */
public final class BlockedSignalProbe {
    static final int PENDING_ROUNDS = 50;

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        long blocked = mask("/proc/thread-self/status", "SigBlk:");
        System.out.println("BLOCKED SIGUSR1=" + has(blocked, Signal.SIGUSR1) + " SIGALRM=" + has(blocked, Signal.SIGALRM));
        CountDownLatch alarm = new CountDownLatch(1);
        try (SignalDoorbell usr1 = SignalDoorbell.open(Signal.SIGUSR1);
             SignalListener alrm = SignalListener.start(Signal.SIGALRM, (signal, deliveries) -> alarm.countDown())) {
            System.out.println("OPENED");
            System.out.println("RANG SIGUSR1 " + usr1.poll(Duration.ofMinutes(1)));
            System.out.println("RANG SIGALRM " + alarm.await(1, TimeUnit.MINUTES));
        }
        long self = ProcessHandle.current().pid();
        int rang = 0;
        for (int round = 0; round < PENDING_ROUNDS; round++) { // pending before the first doorbell opens
            ProcessSignals.send(self, Signal.SIGWINCH);
            try (SignalDoorbell winch = SignalDoorbell.open(Signal.SIGWINCH)) {
                if (winch.poll(Duration.ofSeconds(10)) > 0) {
                    rang++;
                }
            }
        }
        System.out.println("PENDING RANG " + rang + " OF " + PENDING_ROUNDS);
        ProcessSignals.send(self, Signal.SIGUSR1);
        ProcessSignals.send(self, Signal.SIGALRM);
        long pending = mask("/proc/self/status", "ShdPnd:");
        System.out.println("PENDING SIGUSR1=" + has(pending, Signal.SIGUSR1) + " SIGALRM=" + has(pending, Signal.SIGALRM));
        System.out.println("DONE");
    }

    private static long mask(String file, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of(file))) {
            if (line.startsWith(field)) {
                return Long.parseUnsignedLong(line.substring(field.length()).trim(), 16);
            }
        }
        throw new IllegalStateException("no " + field + " in " + file);
    }

    private static boolean has(long mask, Signal signal) {
        return (mask & (1L << (signal.number() - 1))) != 0;
    }
}
