package io.jipc.mailbox;

/**
 * Who gets a message when several processes use one mailbox: the three answers of the lectures
 * (seed 002, "indirect communication"), chosen when the mailbox is created
 * ({@link MailboxOptions.Builder#receivePolicy}).
 */
public enum ReceivePolicy {
    /**
     * One process at a time receives (the default): the first receive of a process makes it the
     * receiver, and another live process that tries gets {@link MailboxBusyException} until the
     * receiver closes the mailbox or dies. Any number of processes send.
     */
    EXCLUSIVE,
    /**
     * A link of exactly two parties: at most two processes have the mailbox open at a time; a third
     * open is refused with {@link MailboxBusyException} (a party's place frees when it closes its
     * last handle or dies). Receiving is {@link #EXCLUSIVE} between the two.
     */
    LINK,
    /**
     * Several processes receive at once and each message goes to one of them, whichever receives
     * first. With message headers, {@link Mailbox#transfer(byte[])} tells the sender which process
     * received its message (a receipt). A receiver killed while it takes a batch leaves the batch
     * to the others, as with {@link #EXCLUSIVE}, including a message whose handler it was running
     * (or that it had taken for a {@code transfer}, whose receipt then names the dead receiver):
     * delivery is at-least-once, a message is received again when its receiver died before its
     * receive returned. In a mailbox with headers (which receipts need), a receiving process
     * holds one of 64 entries of a receivers table from its first receive until it closes its last
     * handle or dies: a 65th process that receives meanwhile gets {@link MailboxBusyException}.
     */
    SHARED;

    static ReceivePolicy ofCode(int code) {
        return code >= 0 && code < values().length ? values()[code] : null;
    }
}
