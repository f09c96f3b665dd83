/**
 * The public API of jipc.
 *
 * <ul>
 * <li>{@link io.jipc.mailbox}: mailboxes (ports), message passing between processes through shared
 *     memory, with the verbs of {@link java.util.concurrent.BlockingQueue}.</li>
 * </ul>
 * Mailbox names live in the host's name service ({@code io.jipc.naming}, local backend) as
 * {@code mailbox/<name>}: creating a mailbox binds its name there, opening resolves it there.
 */
module io.jipc.core {
    requires transitive io.jipc.platform;
    requires io.jipc.segment;
    requires io.jipc.naming;

    exports io.jipc.mailbox;
}
