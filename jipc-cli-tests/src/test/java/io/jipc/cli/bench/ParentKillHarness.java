package io.jipc.cli.bench;

import io.jipc.platform.Processes;
import io.jipc.shm.CircularBuffer;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The parent of a benchmark's child JVM, as {@link RingBench} is one: creates two circular buffers
 * {@code <prefix>-ping} and {@code <prefix>-pong}, starts a {@link BenchPeer} that echoes over them
 * (blocked in a {@code take} without timeout until a message comes) and prints {@code PEER <pid>}.
 * Then, with {@code self} as the second argument, kills itself with {@code SIGKILL} at once, long
 * before the child JVM has reached its {@code main}; otherwise it waits for the peer's
 * {@code READY}, prints {@code PEER STARTED} and waits for ever (until its test kills it).
 */
public final class ParentKillHarness {
    private ParentKillHarness() {
    }

    public static void main(String[] args) throws Exception {
        String prefix = args[0];
        CircularBuffer.create(prefix + "-ping", 64, 64);
        CircularBuffer.create(prefix + "-pong", 64, 64);
        PeerProcess peer = new PeerProcess(BenchPeer.class, List.of(),
                List.of("ringecho:" + prefix + "-ping:" + prefix + "-pong"));
        System.out.println("PEER " + peer.pid());
        System.out.flush();
        if (args[1].equals("self")) {
            Processes.kill((int) ProcessHandle.current().pid(), Processes.SIGKILL);
        }
        peer.await("ringecho");
        System.out.println("PEER STARTED");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
