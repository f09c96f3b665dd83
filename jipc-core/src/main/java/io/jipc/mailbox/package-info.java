/**
 * Mailboxes: named message queues in shared memory that separate processes send to and receive
 * from (the "indirect communication" of the operating-systems lectures).
 *
 * <p>Start with {@link io.jipc.mailbox.Mailbox}.
 */
package io.jipc.mailbox;
