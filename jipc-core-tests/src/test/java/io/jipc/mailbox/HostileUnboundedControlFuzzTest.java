package io.jipc.mailbox;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.JipcException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * An unbounded mailbox whose control file (or first segment) was written by something hostile or
 * broken is refused or used within its files: opening, sending and receiving end normally or
 * with a {@link JipcException} (corrupt file, not found, busy, ceiling), never with another
 * exception, an out-of-bounds access or an allocation sized by an unchecked field.
 *
 * <p>{@link #hostileControl(byte[])} is a Jazzer fuzz target (regression mode in every build;
 * {@code JAZZER_FUZZ=1 mvn -pl jipc-core-tests -am test -Dtest=HostileUnboundedControlFuzzTest} fuzzes
 * for real): the input is a list of (offset, bytes) patches applied to a fresh mailbox's files.
 * {@link #mutatedFields(long)} damages the fields that size or index something with nasty values.
 */
@ExtendWith(JipcTestExtension.class)
class HostileUnboundedControlFuzzTest {
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(256)
            .waitStrategy(io.jipc.WaitStrategy.SPIN).build();
    private static final int[] FIELDS = {
            UnboundedMailboxDescriptor.SEGMENT_LENGTH_OFFSET, UnboundedMailboxDescriptor.CEILING_OFFSET,
            UnboundedMailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET, UnboundedMailboxDescriptor.PERMISSIONS_OFFSET,
            UnboundedMailboxDescriptor.RING_CAPACITY_OFFSET, UnboundedMailboxDescriptor.SENDER_SLOTS_OFFSET,
            UnboundedMailboxDescriptor.WAIT_STRATEGY_OFFSET, UnboundedMailboxDescriptor.DEAD_SENDER_TIMEOUT_OFFSET,
            UnboundedMailboxDescriptor.STATE_OFFSET, UnboundedMailboxDescriptor.FIRST_OFFSET,
            UnboundedMailboxDescriptor.LAST_OFFSET, UnboundedMailboxDescriptor.RECEIVER_LEASE_OFFSET};
    private static final long[] NASTY = {-1, 0, 1, 2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE, 4096, 4095, 1L << 40, 1L << 62, 0600, 0777, 07777};

    /** Creates a mailbox with a message in it, applies {@code damage} to its files, then uses it. */
    private static void exercise(String name, Damage damage) throws IOException, InterruptedException {
        try (UnboundedMailbox box = UnboundedMailbox.create(name, OPTIONS, 1 << 20)) {
            for (int i = 0; i < 60; i++) {
                box.put(new byte[]{(byte) i, 2, 3}); // a few segments
            }
        }
        try {
            Path control = UnboundedMailbox.path(name);
            try (FileChannel file = FileChannel.open(control, StandardOpenOption.WRITE)) {
                damage.apply(file);
            }
            try (UnboundedMailbox box = UnboundedMailbox.open(name)) {
                for (int i = 0; i < 80; i++) {
                    byte[] got = box.poll();
                    if (got == null) {
                        break;
                    }
                    if (got.length > box.maxMessageSize()) {
                        throw new AssertionError("received " + got.length + " bytes");
                    }
                }
                box.poll(Duration.ofMillis(1));
                box.offer(new byte[10]);
                box.segmentCount();
            } catch (JipcException expected) {
                // refused: corrupt, gone, busy or at the ceiling
            }
        } finally {
            UnboundedMailbox.destroy(name);
        }
    }

    @FunctionalInterface
    private interface Damage {
        void apply(FileChannel control) throws IOException;
    }

    @FuzzTest(maxDuration = "60s")
    void hostileControl(byte[] input) throws IOException, InterruptedException {
        exercise("fuzzed", file -> {
            ByteBuffer in = ByteBuffer.wrap(input);
            while (in.remaining() >= 3) {
                int offset = 128 + (in.getShort() & 0xFFFF) % (int) (UnboundedMailboxDescriptor.CONTROL_LENGTH - 128);
                int length = Math.min(in.get() & 15, in.remaining());
                byte[] patch = new byte[length];
                in.get(patch);
                file.write(ByteBuffer.wrap(patch), offset);
            }
        });
    }

    static LongStream seeds() {
        return LongStream.range(0, 150);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedFields(long seed) throws IOException, InterruptedException {
        SplittableRandom random = new SplittableRandom(seed);
        exercise("mutated", file -> {
            for (int n = 1 + random.nextInt(2); n > 0; n--) {
                int field = FIELDS[random.nextInt(FIELDS.length)];
                long value = random.nextBoolean() ? NASTY[random.nextInt(NASTY.length)] : random.nextLong();
                ByteBuffer bytes = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putLong(value).flip();
                if (field == UnboundedMailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET
                        || field == UnboundedMailboxDescriptor.PERMISSIONS_OFFSET
                        || field == UnboundedMailboxDescriptor.SENDER_SLOTS_OFFSET
                        || field == UnboundedMailboxDescriptor.WAIT_STRATEGY_OFFSET
                        || field == UnboundedMailboxDescriptor.STATE_OFFSET) {
                    bytes.limit(4);
                }
                file.write(bytes, field);
            }
        });
    }
}
