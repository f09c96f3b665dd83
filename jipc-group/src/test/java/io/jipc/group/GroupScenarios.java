package io.jipc.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * What a member does in the multi-process tests, the same in a child JVM ({@link GroupChild}) and in
 * the test JVM. Each returns {@code null} when every check held, or what was wrong.
 */
final class GroupScenarios {
    private GroupScenarios() {
    }

    /** The value rank {@code rank} contributes in round {@code round}: 0 to 300 bytes, known to all. */
    static byte[] value(int round, int rank) {
        Random random = new Random(round * 1_000_003L + rank);
        byte[] v = new byte[random.nextInt(301)];
        random.nextBytes(v);
        return v;
    }

    /** {@code rounds} rounds of every collective operation, the root moving from rank to rank. */
    static String collectives(ProcessGroup g, int rounds) throws InterruptedException {
        int size = g.size();
        int me = g.rank();
        for (int i = 0; i < rounds; i++) {
            int root = i % size;
            g.barrier();
            byte[] got = g.broadcastFrom(root, me == root ? value(i, root) : null);
            if (!Arrays.equals(got, value(i, root))) {
                return "round " + i + ": broadcastFrom(" + root + ") gave a wrong value";
            }
            List<byte[]> parts = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                parts.add(value(i + 7, r));
            }
            if (!Arrays.equals(g.scatter(root, me == root ? parts : null), value(i + 7, me))) {
                return "round " + i + ": scatter from " + root + " gave a wrong part";
            }
            List<byte[]> gathered = g.gather(root, value(i, me));
            if (me == root ? !sameValues(gathered, i, size) : gathered != null) {
                return "round " + i + ": gather at " + root + " gave wrong values";
            }
            if (!sameValues(g.allGather(value(i, me)), i, size)) {
                return "round " + i + ": allGather gave wrong values";
            }
            byte[] reduced = g.reduce(root, value(i, me), GroupScenarios::concat);
            byte[] expected = new byte[0];
            for (int r = 0; r < size; r++) {
                expected = concat(expected, value(i, r));
            }
            if (me == root ? !Arrays.equals(reduced, expected) : reduced != null) {
                return "round " + i + ": reduce at " + root + " gave a wrong result";
            }
            long sum = g.allReduce((long) me * i + 1, Long::sum);
            long want = 0;
            for (int r = 0; r < size; r++) {
                want += (long) r * i + 1;
            }
            if (sum != want) {
                return "round " + i + ": allReduce gave " + sum + ", not " + want;
            }
        }
        g.barrier();
        return null;
    }

    private static boolean sameValues(List<byte[]> values, int round, int size) {
        if (values == null || values.size() != size) {
            return false;
        }
        for (int r = 0; r < size; r++) {
            if (!Arrays.equals(values.get(r), value(round, r))) {
                return false;
            }
        }
        return true;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /**
     * Waits for the group to fill, broadcasts {@code count} numbered messages of random lengths with a
     * checksum, receives every other member's, checking that each arrives once, intact, in its
     * sender's order; then a barrier, so that nobody leaves while another still sends to it.
     */
    static String broadcasts(ProcessGroup g, int count) throws InterruptedException {
        g.awaitFull(java.time.Duration.ofMinutes(1));
        Thread sender = Thread.ofPlatform().start(() -> {
            Random random = new Random(g.rank());
            try {
                for (int i = 0; i < count; i++) {
                    byte[] body = new byte[random.nextInt(200)];
                    random.nextBytes(body);
                    CRC32 crc = new CRC32();
                    crc.update(body);
                    g.broadcast(ByteBuffer.allocate(12 + body.length).putInt(i).putLong(crc.getValue()).put(body).array());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int[] next = new int[g.size()];
        for (int n = 0; n < count * (g.size() - 1); n++) {
            GroupMessage m = g.receive();
            ByteBuffer in = ByteBuffer.wrap(m.payload());
            int seq = in.getInt();
            long sum = in.getLong();
            CRC32 crc = new CRC32();
            crc.update(in);
            if (!m.broadcast() || m.sender() == g.rank() || seq != next[m.sender()] || sum != crc.getValue()) {
                return "message " + seq + " from rank " + m.sender() + ": expected " + next[m.sender()]
                        + (sum != crc.getValue() ? ", checksum wrong" : "");
            }
            next[m.sender()]++;
        }
        sender.join();
        g.barrier();
        return null;
    }
}
