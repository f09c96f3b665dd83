package io.jipc.cli.bench;

import java.nio.ByteBuffer;

/**
 * The receiving side's count of one-way rounds ({@link Link#sink()}): what each message of the
 * driver's one-way phase is answered with. A message numbered {@link OneWayRegimen#END_OF_ROUND}
 * carries a round id in bytes 8..15 and is answered with that id and the number of messages
 * received in the round; the end of a round may come again (datagrams get lost), and a repeated id
 * gets the same answer. {@link OneWayRegimen#END_OF_PHASE} is answered with the id -1, so that a
 * lossy link's driver knows it arrived. One thread at a time.
 */
final class SinkTally {
    private long received;
    private long lastRound = Long.MIN_VALUE;
    private long lastCount;
    private boolean ended;

    /** The answer to {@code message}, or null if it gets none (a counted message). */
    byte[] answer(byte[] message) {
        long sequence = Link.sequence(message);
        if (sequence == OneWayRegimen.END_OF_PHASE) {
            ended = true;
            return ack(-1, 0);
        }
        if (sequence == OneWayRegimen.END_OF_ROUND) {
            long round = ByteBuffer.wrap(message).getLong(8);
            if (round != lastRound) {
                lastRound = round;
                lastCount = received;
                received = 0;
            }
            return ack(round, lastCount);
        }
        received++;
        return null;
    }

    /** Whether the end of the phase arrived. */
    boolean ended() {
        return ended;
    }

    private static byte[] ack(long round, long count) {
        return ByteBuffer.allocate(Link.ACK_LENGTH).putLong(round).putLong(count).array();
    }
}
