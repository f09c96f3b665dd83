package io.jipc.cli.bench;

import java.nio.ByteBuffer;
import java.util.Random;

/** What the mechanism tests of one process send through a {@link Link}, and how they run its loops. */
final class LinkMessages {
    private LinkMessages() {
    }

    /** A message of {@code size} random bytes numbered {@code sequence} (its first 8 bytes). */
    static byte[] message(Random random, int size, long sequence) {
        byte[] m = new byte[size];
        random.nextBytes(m);
        ByteBuffer.wrap(m).putLong(0, sequence);
        return m;
    }

    /** A step that may throw. */
    interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step}, for a {@code CompletableFuture}: a checked exception becomes unchecked. */
    static void run(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
