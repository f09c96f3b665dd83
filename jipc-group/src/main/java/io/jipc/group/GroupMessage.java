package io.jipc.group;

/**
 * A message received from another member by {@link ProcessGroup#receive()}.
 *
 * @param sender    the sender's rank
 * @param broadcast whether it was sent to the whole group ({@link ProcessGroup#broadcast}) rather
 *                  than to this member alone ({@link ProcessGroup#send})
 * @param payload   the message, as sent
 */
public record GroupMessage(int sender, boolean broadcast, byte[] payload) {
}
