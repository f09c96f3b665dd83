package io.jipc.mailbox;

/**
 * A message received from a mailbox with headers whose rendezvous ticket is still pending
 * ({@link Mailbox#takeHeld()}): it is out of the mailbox, yet its sender (a send to a rendezvous
 * mailbox, or a {@link Mailbox#transfer}) still waits until {@link Mailbox#release(long)} takes the
 * ticket, or its sender withdraws it. {@code ticket} is 0 for a message whose sender does not wait.
 * {@link Endpoint}'s {@code receive(Q)} keeps other senders' messages this way, so that their
 * sends do not return before the application has received them.
 */
record HeldMessage(Message message, long ticket) {
}
