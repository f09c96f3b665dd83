package io.jipc.mailbox;

import io.jipc.platform.ProcessIdentity;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A received message with its header: the bytes, who sent them, when, in which order and at which
 * priority. Returned by {@link Mailbox#takeMessage()} and {@link Mailbox#pollMessage()} of a mailbox
 * created with {@linkplain MailboxOptions.Builder#headers headers}. Immutable; the bytes are a copy
 * owned by this object.
 *
 * <p>The header is written by the sending process, so it is as trustworthy as that process: a
 * process that can write the mailbox file can claim any sender. The sender's start time is the low
 * 32 bits of the kernel's value (what the {@linkplain ProcessIdentity#token() process token} keeps).
 *
 * @param payload     the message's bytes
 * @param senderToken the sending process's {@linkplain ProcessIdentity#token() token}
 * @param sequence    1 for the first message this sending process sent to this mailbox, then 2, 3...
 *                    (per process and per opening of the mailbox in it)
 * @param sentAtNanos when the message was sent, in nanoseconds since the epoch (the sender's clock)
 * @param priority    the priority it was sent with (0 in a mailbox without priorities)
 */
public record Message(byte[] payload, long senderToken, long sequence, long sentAtNanos, int priority) {
    public Message {
        Objects.requireNonNull(payload, "payload");
    }

    /** The sending process (pid and, modulo 2^32, start time). */
    public ProcessIdentity sender() {
        return new ProcessIdentity(ProcessIdentity.pidOf(senderToken), senderToken & 0xFFFF_FFFFL);
    }

    /** The sending process's pid. */
    public long senderPid() {
        return ProcessIdentity.pidOf(senderToken);
    }

    /** When the message was sent (the sender's clock). */
    public Instant sentAt() {
        return Instant.ofEpochSecond(Math.floorDiv(sentAtNanos, 1_000_000_000L),
                Math.floorMod(sentAtNanos, 1_000_000_000L));
    }

    /** The message's bytes (the array itself, not a copy). */
    @Override
    public byte[] payload() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && Arrays.equals(payload, m.payload) && senderToken == m.senderToken
                && sequence == m.sequence && sentAtNanos == m.sentAtNanos && priority == m.priority;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(payload), senderToken, sequence, sentAtNanos, priority);
    }

    @Override
    public String toString() {
        return "Message[" + payload.length + " bytes from pid " + senderPid() + ", #" + sequence + ", priority "
                + priority + ", sent " + sentAt() + "]";
    }
}
