package io.jipc.cli;

/**
 * The words {@code jipc send} and {@code jipc mailbox send} use when they stop partway through the
 * messages they send one by one: which message did not go, and how many went before it, so that the
 * user knows where to resume (docs/uris.md, "jipc send and jipc recv"). Called by those commands'
 * threads only; it keeps no state.
 */
final class SendProgress {

    private SendProgress() {
    }

    /** {@code "WHY: message N not sent; S message(s) sent"}, N = {@code sent} + 1: the object refused it. */
    static String notSent(String why, int sent) {
        return why + ": message " + (sent + 1) + " not sent; " + sent(sent);
    }

    /**
     * {@code "WHY: message N may or may not have been sent (it was not acknowledged: look before you
     * send it again); S message(s) sent before it"}: the peer was lost while it had the message (a
     * remote mailbox's gateway, silent or cut off), which may have put it in the mailbox all the same.
     */
    static String unacknowledged(String why, int sent) {
        return why + ": message " + (sent + 1) + " may or may not have been sent (it was not acknowledged: look"
                + " before you send it again); " + sent + " message(s) sent before it";
    }

    /**
     * {@code "stopped while sending to TARGET: message N was withdrawn; S message(s) sent"}: a Ctrl-C
     * or SIGTERM interrupted a waiting send, which took its message back.
     */
    static String withdrawn(String target, int sent) {
        return "stopped while sending to " + target + ": message " + (sent + 1) + " was withdrawn; " + sent(sent);
    }

    /**
     * {@code "stopped while sending to TARGET: message N was sent; S message(s) sent"}, S = N =
     * {@code sent}: a Ctrl-C or SIGTERM came as a waiting send delivered its message (a receiver took
     * it), so the send returned with the stop's interrupt set; the messages after it are not sent.
     */
    static String stoppedAfter(String target, int sent) {
        return "stopped while sending to " + target + ": message " + sent + " was sent; " + sent(sent);
    }

    /** {@code "S message(s) sent"}. */
    static String sent(int sent) {
        return sent + " message(s) sent";
    }
}
